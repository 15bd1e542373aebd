using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ExternalDb.TestSupport;

namespace ExternalDb.Hostile.Tests;

/// <summary>
/// What the hostile requests are sent to: a real ExternalDb server on 127.0.0.1 (its demo adaptor under
/// <c>/demo-adaptor</c> included) and our reference adaptor on SQLite on 127.0.0.1, joined by three connections:
/// <c>hv3</c> (V3), <c>hv2</c> (STANDALONE) and <c>hdemo</c> (STANDALONE to the demo adaptor). Each holds a
/// <c>canary</c>-like collection filled at start (<c>canary</c>, and the demo's seeded <c>products</c>) that no
/// request may change, and a <c>scratch</c> collection that trusted requests may change. Every log line of both
/// processes is kept. Every secret is random per run.
/// </summary>
public sealed class HostileWorld : IAsyncLifetime
{
    public const string Canary = "canary";
    public const string Scratch = "scratch";
    public const string V3Connection = "hv3";
    public const string LegacyConnection = "hv2";
    public const string DemoConnection = "hdemo";
    public const string DemoPrefix = "/demo-adaptor";

    private readonly string _directory = Directory.CreateTempSubdirectory("externaldb-hostile-").FullName;
    private WebApplication? _server;
    private WebApplication? _adaptor;

    public static string Random(string prefix) => prefix + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    public string AdminKey { get; } = Random("edb_hostile-admin");

    public string DataReaderKey { get; private set; } = "";

    public string ConnectionsReaderKey { get; private set; } = "";

    public IReadOnlySet<string> KeyIds { get; private set; } = new HashSet<string>();

    public string LegacySecret { get; } = Random("legacy-secret");

    public string ConfigurationToken { get; } = Random("configuration-token");

    public string DemoSecret { get; } = Random("demo-secret");

    /// <summary>A key of the suite's own that the adaptor trusts for V3, so hostile payloads can be signed properly.</summary>
    public ECDsa SigningKey { get; } = ExternalDb.Protocol.V3RequestSigner.CreateKey();

    /// <summary>The <c>aud</c> the adaptor expects: the application id of <c>hv3</c>.</summary>
    public string Audience { get; private set; } = "";

    public Uri ServerAddress { get; private set; } = null!;

    public Uri AdaptorAddress { get; private set; } = null!;

    /// <summary>A port nothing listens on.</summary>
    public string ClosedEndpoint { get; private set; } = "";

    public CapturedLog Log { get; } = new();

    /// <summary>Every secret of this run by name: no answer (but the admin's connection answers) and no log line may hold one.</summary>
    public IReadOnlyDictionary<string, string> Secrets => _secrets;

    /// <summary>The secrets the admin may rightly see in a connection's configuration.</summary>
    public IReadOnlySet<string> ConfigurationSecrets => new HashSet<string>([LegacySecret, ConfigurationToken, DemoSecret], StringComparer.Ordinal);

    private readonly Dictionary<string, string> _secrets = [];

    public string CanarySnapshot { get; private set; } = "";

    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ClosedEndpoint = $"http://127.0.0.1:{ExternalDb.TestSupport.FreePort.Get()}";
        _server = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(_directory, "server"),
                ["Auth:BootstrapAdminKey"] = AdminKey,
                ["DemoAdaptor:SecretKey"] = DemoSecret,
                ["Probe:Timeout"] = "00:00:03",
                ["Gateway:AdaptorTimeout"] = "00:00:10",
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            });
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(Log.For("server"));
        });
        await ServerApp.InitializeAsync(_server);
        await ServerApp.StartAsync(_server);
        ServerAddress = new Uri(Address(_server));
        Admin = Client(AdminKey);

        var created = await PostAsync(Admin, "wix-data/v1/external-database-connections", new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject { ["name"] = V3Connection },
            ["connectionType"] = "WIX_SERVICE_PLUGIN",
        });
        var v3 = created["externalDatabaseConnection"]!;
        Audience = v3["applicationId"]!.GetValue<string>();

        (_adaptor, var adaptorAddress) = await LoopbackApp.StartAdaptorAsync(new Dictionary<string, string?>
            {
                ["Adaptor:Engine"] = "sqlite",
                ["Adaptor:ConnectionString"] = $"Data Source={Path.Combine(_directory, "adaptor.db")}",
                ["Adaptor:SecretKey"] = LegacySecret,
                ["Adaptor:Audience"] = Audience,
                ["Adaptor:JwtPublicKeys:0"] = v3["publicKey"]!.GetValue<string>(),
                ["Adaptor:JwtPublicKeys:1"] = ExternalDb.Protocol.V3RequestSigner.ExportPublicKey(SigningKey),
                ["Logging:LogLevel:Default"] = "Information",
            }, builder => builder.Logging.AddProvider(Log.For("adaptor")));
        AdaptorAddress = new Uri(adaptorAddress + "/");

        ExpectConnected(await PutAsync(Admin, $"wix-data/v1/external-database-connections/{V3Connection}", new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject { ["name"] = V3Connection, ["endpoint"] = AdaptorAddress.ToString().TrimEnd('/') },
        }));
        ExpectConnected(await PostAsync(Admin, "wix-data/v1/external-database-connections", new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject
            {
                ["name"] = LegacyConnection,
                ["endpoint"] = AdaptorAddress.ToString().TrimEnd('/'),
                ["configuration"] = new JsonObject { ["secretKey"] = LegacySecret, ["apiToken"] = ConfigurationToken },
            },
            ["connectionType"] = "STANDALONE",
        }));
        ExpectConnected(await PostAsync(Admin, "wix-data/v1/external-database-connections", new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject
            {
                ["name"] = DemoConnection,
                ["endpoint"] = ServerAddress + DemoPrefix.TrimStart('/'),
                ["configuration"] = new JsonObject { ["secretKey"] = DemoSecret },
            },
            ["connectionType"] = "STANDALONE",
        }));
        foreach (var name in ScratchConnections)
        {
            await PostAsync(Admin, "wix-data/v1/external-database-connections", new JsonObject
            {
                ["externalDatabaseConnection"] = new JsonObject { ["name"] = name, ["endpoint"] = ClosedEndpoint, ["configuration"] = new JsonObject { ["secretKey"] = "scratch" } },
                ["connectionType"] = "STANDALONE",
            });
        }

        foreach (var collection in new[] { $"{V3Connection}/{Canary}", $"{V3Connection}/{Scratch}", $"{DemoConnection}/{Scratch}" })
        {
            await PostAsync(Admin, "wix-data/v2/collections", new JsonObject
            {
                ["collection"] = new JsonObject
                {
                    ["id"] = collection,
                    ["fields"] = new JsonArray(
                        new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                        new JsonObject { ["key"] = "n", ["type"] = "NUMBER" },
                        new JsonObject { ["key"] = "tags", ["type"] = "OBJECT" },
                        new JsonObject { ["key"] = "ref", ["type"] = "REFERENCE", ["typeMetadata"] = new JsonObject { ["reference"] = new JsonObject { ["referencedCollectionId"] = collection } } }),
                },
            });
        }
        await PostAsync(Admin, "wix-data/v2/bulk/items/insert", new JsonObject
        {
            ["dataCollectionId"] = $"{V3Connection}/{Canary}",
            ["dataItems"] = new JsonArray([.. Enumerable.Range(0, 25).Select(i => (JsonNode?)new JsonObject
            {
                ["id"] = $"c{i:00}",
                ["data"] = new JsonObject { ["title"] = $"canary {i} – ünïcode", ["n"] = i * 1.5, ["tags"] = new JsonObject { ["a"] = i, ["b"] = new JsonArray("x", i) } },
            })]),
        });

        var reader = await PostAsync(Admin, "v1/api-keys", new JsonObject { ["name"] = "hostile data reader", ["permissions"] = new JsonArray("DATA_READ") });
        DataReaderKey = reader["key"]!.GetValue<string>();
        var connectionsReader = await PostAsync(Admin, "v1/api-keys", new JsonObject
        {
            ["name"] = "hostile connections reader",
            ["permissions"] = new JsonArray("WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION", "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS"),
        });
        ConnectionsReaderKey = connectionsReader["key"]!.GetValue<string>();
        var keys = await Admin.GetFromJsonAsync<JsonObject>("v1/api-keys");
        KeyIds = keys!["apiKeys"]!.AsArray().Select(k => k!["id"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        _secrets["admin API key"] = AdminKey;
        _secrets["data reader API key"] = DataReaderKey;
        _secrets["connections reader API key"] = ConnectionsReaderKey;
        _secrets["legacy secret"] = LegacySecret;
        _secrets["configuration token"] = ConfigurationToken;
        _secrets["demo secret"] = DemoSecret;
        _secrets["suite signing key"] = Convert.ToBase64String(SigningKey.ExportPkcs8PrivateKey());
        var stored = await _server.Services.GetRequiredService<ConnectionStore>().GetAsync(V3Connection, default);
        _secrets["hv3 private key"] = Convert.ToBase64String(stored!.PrivateKey!.Pkcs8);
        _secrets["encryption key"] = (await File.ReadAllTextAsync(Path.Combine(_directory, "server", "encryption.key"))).Trim();

        CanarySnapshot = await SnapshotAsync();
    }

    /// <summary>Connections the suite made to be updated and deleted by hostile requests (their endpoint is closed).</summary>
    public static readonly IReadOnlyList<string> ScratchConnections = ["x-scratch-1", "x-scratch-2"];

    /// <summary>Everything no request may change: the canary items, the demo's products, the three connections' settings.</summary>
    public async Task<string> SnapshotAsync()
    {
        var parts = new List<string>();
        foreach (var collection in new[] { $"{V3Connection}/{Canary}", $"{LegacyConnection}/{Canary}", $"{DemoConnection}/products" })
        {
            var page = await PostAsync(Admin, "wix-data/v2/items/query", new JsonObject
            {
                ["dataCollectionId"] = collection,
                ["query"] = new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "_id", ["order"] = "ASC" }), ["paging"] = new JsonObject { ["limit"] = 1000 } },
                ["consistentRead"] = true,
            });
            parts.Add(collection + " " + page["dataItems"]!.ToJsonString());
        }
        foreach (var name in new[] { V3Connection, LegacyConnection, DemoConnection })
        {
            var connection = (await Admin.GetFromJsonAsync<JsonObject>($"wix-data/v1/external-database-connections/{name}"))!["externalDatabaseConnection"]!;
            parts.Add($"{name} {connection["endpoint"]?.ToJsonString()} {connection["configuration"]?.ToJsonString()} {connection["publicKey"]?.ToJsonString()} {connection["connectionStatus"]?["successful"]}");
        }
        foreach (var key in new[] { AdminKey, DataReaderKey, ConnectionsReaderKey })
        {
            using var client = Client(key);
            using var response = await client.GetAsync("wix-data/v2/collections/hv3/canary");
            parts.Add($"key works: {(int)response.StatusCode}");
        }
        return string.Join('\n', parts);
    }

    public HttpClient Client(string? apiKey)
    {
        var http = new HttpClient { BaseAddress = ServerAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return http;
    }

    private static void ExpectConnected(JsonObject answer)
    {
        var connection = answer["externalDatabaseConnection"]!;
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());
    }

    private static async Task<JsonObject> PostAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: HTTP {(int)response.StatusCode} {answer?.ToJsonString()}");
        return answer!;
    }

    private static async Task<JsonObject> PutAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PutAsJsonAsync(path, body);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: HTTP {(int)response.StatusCode} {answer?.ToJsonString()}");
        return answer!;
    }

    private static string Address(WebApplication app) => LoopbackApp.BaseUrl(app) + "/";

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
        if (_adaptor is not null)
        {
            await _adaptor.StopAsync();
            await _adaptor.DisposeAsync();
        }
        SigningKey.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Every log line of the server and the adaptor, with its level, numbered so a test can read what came after a point.</summary>
public sealed class CapturedLog
{
    private readonly ConcurrentQueue<(long Index, string Source, LogLevel Level, string Text)> _lines = new();
    private long _next;

    public long Mark => Interlocked.Read(ref _next);

    public IReadOnlyList<(string Source, LogLevel Level, string Text)> Since(long mark) =>
        [.. _lines.Where(l => l.Index >= mark).Select(l => (l.Source, l.Level, l.Text))];

    public ILoggerProvider For(string source) => new Provider(this, source);

    private void Add(string source, LogLevel level, string text) =>
        _lines.Enqueue((Interlocked.Increment(ref _next) - 1, source, level, text));

    private sealed class Provider(CapturedLog log, string source) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, source, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(CapturedLog log, string source, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add(source, logLevel, $"{category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }
}
