using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>An answer of the server as bytes on the wire: status, content type, body and headers.</summary>
public sealed record RawResponse(int Status, string? ContentType, string Body)
{
    /// <summary>Response and content headers; a header sent several times has its values joined with <c>", "</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body as a JSON object (throws if it is not one).</summary>
    public JsonObject Json => JsonNode.Parse(Body) as JsonObject
        ?? throw new InvalidOperationException($"HTTP {Status} body is not a JSON object: {Body}");

    /// <summary>The <c>externalDatabaseConnection</c> of a connection answer.</summary>
    public JsonObject Connection => Json["externalDatabaseConnection"] as JsonObject
        ?? throw new InvalidOperationException($"HTTP {Status} body has no externalDatabaseConnection: {Body}");
}

/// <summary>Raw calls on an <see cref="HttpClient"/>, for checks of the exact JSON shapes.</summary>
public static class RawApi
{
    public const string Base = "wix-data/v1/external-database-connections";
    public const string AliasBase = "v1/external-database-connections";

    public static Task<RawResponse> PostJsonAsync(this HttpClient http, string path, string? json) =>
        http.SendRawAsync(HttpMethod.Post, path, json);

    public static Task<RawResponse> PutJsonAsync(this HttpClient http, string path, string? json) =>
        http.SendRawAsync(HttpMethod.Put, path, json);

    public static Task<RawResponse> GetRawAsync(this HttpClient http, string path) => http.SendRawAsync(HttpMethod.Get, path, null);

    public static Task<RawResponse> DeleteRawAsync(this HttpClient http, string path) => http.SendRawAsync(HttpMethod.Delete, path, null);

    public static async Task<RawResponse> SendRawAsync(this HttpClient http, HttpMethod method, string path, string? body,
        string contentType = "application/json", Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        configure?.Invoke(request);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RawResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text)
        {
            Headers = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase),
        };
    }

    /// <summary>Creates a connection from a raw body and expects 200.</summary>
    public static async Task<JsonObject> CreateRawAsync(this HttpClient http, string json)
    {
        var response = await http.PostJsonAsync(Base, json);
        Assert.True(response.Status == 200, $"Create answered HTTP {response.Status}: {response.Body}");
        return response.Connection;
    }

    /// <summary>How many connections the server holds now.</summary>
    public static async Task<int> TotalAsync(this HttpClient http)
    {
        var response = await http.GetRawAsync(Base + "?paging.limit=1");
        Assert.Equal(200, response.Status);
        return response.Json["pagingMetadata"]!["total"]!.GetValue<int>();
    }

    /// <summary>A Create body; <paramref name="type"/> null leaves the connection type out.</summary>
    public static string CreateBody(string name, string? endpoint = null, JsonObject? configuration = null, string? type = null)
    {
        var connection = new JsonObject { ["name"] = name };
        if (endpoint is not null)
        {
            connection["endpoint"] = endpoint;
        }
        if (configuration is not null)
        {
            connection["configuration"] = configuration;
        }
        var body = new JsonObject { ["externalDatabaseConnection"] = connection };
        if (type is not null)
        {
            body["connectionType"] = type;
        }
        return body.ToJsonString();
    }

    public static string Path(string name) => Base + "/" + Uri.EscapeDataString(name);
}

/// <summary>Assertions on the error shape: RFC 9457 ProblemDetails and Wix's error shape in one object.</summary>
public static class ErrorAssert
{
    /// <summary>Checks status, the ProblemDetails members, <c>message</c>, and the application error code.</summary>
    public static JsonObject Application(RawResponse response, int status, string code)
    {
        var body = Problem(response, status);
        var error = body["details"]?["applicationError"] as JsonObject;
        Assert.True(error is not null, $"No details.applicationError in {response.Body}");
        Assert.Equal(code, error["code"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["description"]?.GetValue<string>()));
        return body;
    }

    /// <summary>Checks a 400 with a field violation naming <paramref name="field"/>; returns the violations.</summary>
    public static JsonArray Validation(RawResponse response, string field)
    {
        var body = Problem(response, 400);
        var violations = body["details"]?["validationError"]?["fieldViolations"] as JsonArray;
        Assert.True(violations is not null, $"No details.validationError.fieldViolations in {response.Body}");
        Assert.True(violations.Any(v => v?["field"]?.GetValue<string>() == field),
            $"No violation of '{field}' in {response.Body}");
        foreach (var violation in violations)
        {
            Assert.False(string.IsNullOrWhiteSpace(violation?["description"]?.GetValue<string>()), $"A violation without description: {response.Body}");
        }
        return violations;
    }

    private static JsonObject Problem(RawResponse response, int status)
    {
        Assert.True(response.Status == status, $"Expected HTTP {status}, got {response.Status}: {response.Body}");
        var body = response.Json;
        Assert.False(string.IsNullOrWhiteSpace(body["type"]?.GetValue<string>()), $"No 'type' in {response.Body}");
        Assert.False(string.IsNullOrWhiteSpace(body["title"]?.GetValue<string>()), $"No 'title' in {response.Body}");
        Assert.Equal(status, body["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(body["detail"]?.GetValue<string>()), $"No 'detail' in {response.Body}");
        Assert.False(string.IsNullOrWhiteSpace(body["message"]?.GetValue<string>()), $"No 'message' in {response.Body}");
        return body;
    }
}
