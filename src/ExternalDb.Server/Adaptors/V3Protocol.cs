using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>The V3 client: each request is signed with the connection's key and posted to <c>/v3/{operation}</c>.</summary>
public sealed class V3Protocol(AdaptorHttpClient http, IOptions<AdaptorClientOptions> options, TimeProvider time) : IAdaptorProtocol
{
    public async Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions callOptions, CancellationToken ct)
    {
        var signing = connection.Signing ?? throw new InvalidOperationException($"Connection {connection.Name} has no signing key.");
        var token = V3RequestSigner.Sign(signing.SecurityKey, options.Value.JwtIssuer, signing.ApplicationId, request,
            V3RequestSigner.AppMetadata(signing.ApplicationId, options.Value.EffectiveInstanceId), time.GetUtcNow());
        var path = AdaptorOperations.Path(operation);
        var content = new StringContent(token, Encoding.UTF8, "text/plain");
        var answer = await http.PostAsync(connection.Name, AdaptorHttpClient.Combine(connection.Endpoint, path), content, callOptions, ct);
        return AdaptorAnswers.ReadV3(answer, path);
    }
}
