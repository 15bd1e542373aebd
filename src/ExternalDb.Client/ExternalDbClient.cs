using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ExternalDb.Client;

/// <summary>
/// The .NET client of an ExternalDb server.
/// <code>
/// using var client = new ExternalDbClient(new Uri("http://127.0.0.1:5080"), apiKey);
/// var connection = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
///     new ExternalDatabaseConnection { Name = "shop", Endpoint = "https://adaptor.example.com", Configuration = new() { ["secretKey"] = "..." } });
/// </code>
/// </summary>
public sealed class ExternalDbClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>Creates a client for the server at <paramref name="baseAddress"/>, authenticating with <paramref name="apiKey"/>.</summary>
    public ExternalDbClient(Uri baseAddress, string apiKey)
        : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(100) }, apiKey, ownsHttpClient: true)
    {
    }

    /// <summary>Creates a client over an existing <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="httpClient">The HTTP client; not disposed by this client.</param>
    /// <param name="apiKey">The API key, or null when the HTTP client already sends an Authorization header.</param>
    public ExternalDbClient(HttpClient httpClient, string? apiKey = null)
        : this(httpClient, apiKey, ownsHttpClient: false)
    {
    }

    private ExternalDbClient(HttpClient httpClient, string? apiKey, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        if (httpClient.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the server's URL.", nameof(httpClient));
        }
        _http = httpClient;
        _ownsHttp = ownsHttpClient;
        var transport = new ApiTransport(httpClient, apiKey);
        ExternalDatabaseConnections = new ExternalDatabaseConnectionsClient(transport);
        ApiKeys = new ApiKeysClient(transport);
        Webhooks = new WebhooksClient(transport);
        Items = new DataItemsClient(transport);
        Collections = new DataCollectionsClient(transport);
    }

    /// <summary>The external database connections: Create, Get, List, Update, Delete, and Probe.</summary>
    public ExternalDatabaseConnectionsClient ExternalDatabaseConnections { get; }

    /// <summary>API key management (needs an ADMIN key).</summary>
    public ApiKeysClient ApiKeys { get; }

    /// <summary>Webhook subscriptions and their deliveries (ADMIN keys).</summary>
    public WebhooksClient Webhooks { get; }

    /// <summary>The items of the data gateway's collections (Wix Data Items v2): insert, query, bulk writes, references.</summary>
    public DataItemsClient Items { get; }

    /// <summary>The data gateway's collections (Wix Data Collections v2).</summary>
    public DataCollectionsClient Collections { get; }

    /// <summary>Disposes the HTTP client if this client made it.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}

/// <summary>Sends requests and turns error answers into <see cref="ExternalDbException"/>.</summary>
internal sealed class ApiTransport(HttpClient http, string? apiKey)
{
    internal static readonly JsonSerializerOptions Json = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        return options;
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(Json), System.Text.Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw ToException((int)response.StatusCode, text);
        }
        return JsonSerializer.Deserialize<T>(text, Json)
            ?? throw new ExternalDbException((int)response.StatusCode, null, "The server answered an empty body.");
    }

    internal static ExternalDbException ToException(int status, string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject error)
            {
                var message = error["message"]?.GetValue<string>() ?? error["detail"]?.GetValue<string>() ?? $"HTTP {status}";
                var details = error["details"] as JsonObject;
                var code = details?["applicationError"]?["code"]?.GetValue<string>();
                var violations = (details?["validationError"]?["fieldViolations"] as JsonArray)?
                    .OfType<JsonObject>()
                    .Select(v => new FieldViolation(
                        v["field"]?.GetValue<string>() ?? "",
                        v["description"]?.GetValue<string>() ?? "",
                        v["violatedRule"]?.GetValue<string>()))
                    .ToList();
                if (violations is not null)
                {
                    code ??= "INVALID_ARGUMENT";
                }
                var data = details?["applicationError"]?["data"] as JsonObject;
                return new ExternalDbException(status, code, message, violations, data?.DeepClone().AsObject());
            }
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        return new ExternalDbException(status, null, $"The server answered HTTP {status}.");
    }
}
