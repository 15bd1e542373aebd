using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Targets;

namespace ExternalDb.Adaptor.Conformance.Client;

/// <summary>
/// Talks to one adaptor target: V3 calls as signed JWT bodies (<c>text/plain</c>), legacy calls as JSON
/// with <c>requestContext {settings: {secretKey}, instanceId, installationId, role: "OWNER"}</c>.
/// </summary>
public sealed class AdaptorClient(AdaptorTarget target)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public AdaptorTarget Target { get; } = target;

    /// <summary>A signed V3 call: <paramref name="request"/> becomes <c>data.request</c> of the token.</summary>
    public Task<AdaptorResponse> V3Async(string path, JsonNode? request) =>
        PostAsync(path, JwtSigner.Sign(Credentials, request), "text/plain");

    /// <summary>The V3 signing material; fails when the target is not V3.</summary>
    public V3Credentials Credentials => Target.V3 ?? throw new InvalidOperationException($"{Target.Name} has no V3 credentials.");

    /// <summary>A legacy call: <paramref name="body"/> plus a <c>requestContext</c> carrying the secret key.</summary>
    public Task<AdaptorResponse> LegacyAsync(string path, JsonObject? body = null) =>
        LegacyWithSecretAsync(path, body, Target.SecretKey);

    /// <summary>A legacy call with the given secret key (null: no <c>secretKey</c> in the settings).</summary>
    public Task<AdaptorResponse> LegacyWithSecretAsync(string path, JsonObject? body, string? secretKey)
    {
        var payload = (JsonObject?)body?.DeepClone() ?? [];
        var settings = new JsonObject();
        if (secretKey is not null)
        {
            settings["secretKey"] = secretKey;
        }
        payload["requestContext"] = new JsonObject
        {
            ["settings"] = settings,
            ["instanceId"] = "conformance-instance",
            ["installationId"] = "conformance-installation",
            ["role"] = "OWNER",
        };
        return PostAsync(path, payload.ToJsonString(), "application/json");
    }

    /// <summary>A signed V3 call whose <c>data.request</c> is <paramref name="requestJson"/> byte for byte (see <see cref="JwtSigner.SignRawRequest"/>).</summary>
    public Task<AdaptorResponse> V3RawAsync(string path, byte[] requestJson) =>
        PostAsync(path, JwtSigner.SignRawRequest(Credentials, requestJson), "text/plain");

    /// <summary>A raw POST, for malformed requests.</summary>
    public Task<AdaptorResponse> PostAsync(string path, string? body, string contentType) =>
        PostAsync(path, body is null ? null : Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>A raw POST of bytes (which need not be UTF-8).</summary>
    public async Task<AdaptorResponse> PostAsync(string path, byte[]? body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Target.BaseUrl + path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return AdaptorResponse.From(path, response.StatusCode, text);
    }
}
