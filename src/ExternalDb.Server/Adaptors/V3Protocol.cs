using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The V3 client: each request is signed with the connection's key and posted to <c>/v3/{operation}</c>. A page's
/// <c>hasNext</c> is the adaptor's own where its answers say it (see <see cref="AdaptorPaging"/>).
/// </summary>
internal sealed class V3Protocol(AdaptorHttpClient http, IOptions<AdaptorClientOptions> options, TimeProvider time) : IAdaptorProtocol
{
    private readonly AdaptorPaging _paging = new();

    public Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions callOptions, CancellationToken ct) =>
        _paging.CallAsync(connection, operation, request, callOptions, r => SendAsync(connection, operation, r, callOptions, ct));

    private async Task<JsonObject> SendAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions callOptions, CancellationToken ct)
    {
        request = ForAdaptor(request);
        var signing = connection.Signing ?? throw new InvalidOperationException($"Connection {connection.Name} has no signing key.");
        var token = V3RequestSigner.Sign(signing.SecurityKey, options.Value.JwtIssuer, signing.ApplicationId, request,
            V3RequestSigner.AppMetadata(signing.ApplicationId, options.Value.EffectiveInstanceId), time.GetUtcNow());
        var path = AdaptorOperations.Path(operation);
        var content = new StringContent(token, Encoding.UTF8, "text/plain");
        var answer = await http.PostAsync(connection.Name, AdaptorHttpClient.Combine(connection.Endpoint, path), content, callOptions, ct);
        return AdaptorAnswers.ReadV3(answer, path);
    }

    // The keys that hold a filter in the V3 requests (query, count, aggregate, distinct values).
    private static readonly string[] FilterKeys = ["filter", "initialFilter", "finalFilter"];

    /// <summary>The request with its filters' operators as adaptors know them (<c>$in</c> as <c>$hasSome</c>, see <see cref="QueryOperators"/>).</summary>
    private static JsonObject ForAdaptor(JsonObject request)
    {
        if (!FilterKeys.Any(request.ContainsKey) && request["query"]?["filter"] is null)
        {
            return request;
        }
        var copy = request.DeepClone().AsObject();
        foreach (var key in FilterKeys.Where(copy.ContainsKey))
        {
            copy[key] = QueryOperators.ForAdaptor(copy[key]);
        }
        if (copy["query"] is JsonObject query && query.ContainsKey("filter"))
        {
            query["filter"] = QueryOperators.ForAdaptor(query["filter"]);
        }
        return copy;
    }
}
