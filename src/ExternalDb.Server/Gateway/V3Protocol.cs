using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Probing;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Gateway;

/// <summary>The V3 client: each request is signed with the connection's key and posted to <c>/v3/{operation}</c>.</summary>
public sealed class V3Protocol(AdaptorHttpClient http, IOptions<AdaptorClientOptions> options, TimeProvider time) : IAdaptorProtocol
{
    public async Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, CancellationToken ct)
    {
        if (connection.PrivateKey is null || connection.ApplicationId is null)
        {
            throw new InvalidOperationException($"Connection {connection.Name} has no signing key.");
        }
        string token;
        using (var key = ECDsa.Create())
        {
            key.ImportPkcs8PrivateKey(connection.PrivateKey.Pkcs8, out _);
            token = V3RequestSigner.Sign(key, options.Value.JwtIssuer, connection.ApplicationId, request,
                V3RequestSigner.AppMetadata(connection.ApplicationId, options.Value.EffectiveInstanceId), time.GetUtcNow());
        }
        var content = new StringContent(token, Encoding.UTF8, "text/plain");
        var answer = await http.PostAsync(AdaptorHttpClient.Combine(connection.Endpoint, "/v3/" + operation), content, ct);
        return AdaptorAnswers.ReadV3(answer, "/v3/" + operation);
    }
}

/// <summary>Reads adaptor answers into JSON or a typed failure.</summary>
public static class AdaptorAnswers
{
    private const int MaxAnswerDepth = 128;

    public static JsonObject ReadV3(AdaptorAnswer answer, string path)
    {
        var node = Parse(answer, path, allowEmpty: answer.Status is >= 200 and < 300);
        if (answer.Status is >= 200 and < 300)
        {
            return node as JsonObject ?? new JsonObject();
        }
        var error = node as JsonObject;
        var code = error?["errorCode"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;
        var message = error?["errorMessage"] is JsonValue m && m.TryGetValue<string>(out var text) ? text
            : error?["data"]?["description"] is JsonValue d && d.TryGetValue<string>(out var description) ? description
            : $"The adaptor answered HTTP {answer.Status} to {path}.";
        throw new AdaptorCallException(AdaptorFailure.AdaptorError, message, answer.Status, code ?? DefaultCode(answer.Status), error?["data"]?.DeepClone());
    }

    /// <summary>The error code an answer without one stands for.</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "VALIDATION_ERROR",
        401 or 403 => "UNAUTHORIZED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        _ => "UNKNOWN_ERROR",
    };

    public static JsonNode? Parse(AdaptorAnswer answer, string path, bool allowEmpty)
    {
        if (answer.Body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return allowEmpty ? null : throw new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor answered HTTP {answer.Status} with an empty body to {path}.", answer.Status);
        }
        var (node, problem) = JsonBody.Parse(answer.Body, "answer", MaxAnswerDepth, finiteNumbers: false);
        if (problem is not null && answer.Status is >= 200 and < 300)
        {
            throw new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor's answer to {path} is not JSON the gateway accepts ({problem.Field} {problem.Description}).", answer.Status);
        }
        return node;
    }
}
