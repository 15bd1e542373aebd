using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ExternalDb.TestSupport;

namespace ExternalDb.Adaptor.Tests;

/// <summary>A running adaptor on real Kestrel at 127.0.0.1:0 with signing keys and a secret for the tests.</summary>
public abstract class AdaptorHost : IAsyncLifetime
{
    public const string Audience = "app-under-test";
    public const string Secret = "s3cret-for-tests";

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public abstract string Engine { get; }

    /// <summary>Every log entry the adaptor wrote (the main instance and its twins).</summary>
    public LogSink Logs { get; } = new();

    public ECDsa EcKey { get; } = V3RequestSigner.CreateKey();
    public RSA RsaKey { get; } = RSA.Create(2048);
    public HttpClient Http { get; private set; } = null!;
    private WebApplication? _app;

    protected abstract Task<Dictionary<string, string?>> EngineSettingsAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    /// <summary>Runs SQL directly on the adaptor's database (to make tables the adaptor did not create).</summary>
    public abstract Task ExecuteSqlAsync(string sql);

    private Dictionary<string, string?> _settings = [];

    /// <summary>The adaptor's configuration (engine, connection string, secret, audience, keys), to start replicas with.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    public async Task InitializeAsync()
    {
        _settings = await EngineSettingsAsync();
        _settings["Adaptor:SecretKey"] = Secret;
        _settings["Adaptor:Audience"] = Audience;
        _settings["Adaptor:JwtPublicKeys:0"] = V3RequestSigner.ExportPublicKey(EcKey);
        _settings["Adaptor:JwtPublicKeys:1"] = RsaKey.ExportSubjectPublicKeyInfoPem();
        (_app, Http) = await StartAsync(_settings);
    }

    private async Task<(WebApplication App, HttpClient Http)> StartAsync(Dictionary<string, string?> settings)
    {
        var (app, address) = await LoopbackApp.StartAdaptorAsync(settings, b =>
        {
            b.Logging.AddProvider(Logs);
            b.Logging.AddFilter<LogSink>("ExternalDb.Adaptor", LogLevel.Debug);
        });
        return (app, new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>A second adaptor over the same database with the same keys and secret, plus <paramref name="overrides"/> (e.g. ReadOnly).</summary>
    public async Task<AdaptorTwin> StartTwinAsync(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(_settings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        var (app, http) = await StartAsync(settings);
        return new AdaptorTwin(app, http);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await CleanupAsync();
        EcKey.Dispose();
        RsaKey.Dispose();
    }

    public string SignEs256(JsonNode request, string audience = Audience, DateTimeOffset? now = null) =>
        V3RequestSigner.Sign(EcKey, "wix.com", audience, request, V3RequestSigner.AppMetadata(audience), now ?? DateTimeOffset.UtcNow);

    public string SignRs256(JsonNode request)
    {
        var iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = "wix.com", ["aud"] = Audience, ["iat"] = iat, ["exp"] = iat + 60,
            ["data"] = new JsonObject { ["request"] = request.DeepClone(), ["metadata"] = new JsonObject() },
        };
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(payload.ToJsonString(), new SigningCredentials(new RsaSecurityKey(RsaKey), SecurityAlgorithms.RsaSha256));
    }

    public Task<(int Status, JsonNode? Body)> PostRawAsync(string path, string body, string contentType = "text/plain") => PostRawAsync(Http, path, body, contentType);

    /// <summary>Posts <paramref name="body"/> as it is to <paramref name="http"/>.</summary>
    public static async Task<(int Status, JsonNode? Body)> PostRawAsync(HttpClient http, string path, string body, string contentType = "text/plain")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public Task<(int Status, JsonNode? Body)> V3Async(string path, JsonNode request) => PostRawAsync(path, SignEs256(request));

    /// <summary>A V3 call that must succeed; returns the body.</summary>
    public async Task<JsonNode> V3OkAsync(string path, JsonNode request)
    {
        var (status, body) = await V3Async(path, request);
        Assert.True(status == 200, $"{path} answered {status}: {body?.ToJsonString()}");
        return body!;
    }

    public Task<(int Status, JsonNode? Body)> LegacyAsync(string path, JsonObject body, string secret = Secret) => LegacyAsync(Http, path, body, secret);

    /// <summary>A legacy call that must succeed; returns the body.</summary>
    public async Task<JsonNode> LegacyOkAsync(string path, JsonObject body)
    {
        var (status, answer) = await LegacyAsync(path, body);
        Assert.True(status == 200, $"{path} answered {status}: {answer?.ToJsonString()}");
        return answer!;
    }

    /// <summary>A legacy call on <paramref name="http"/>: <paramref name="body"/> plus a <c>requestContext</c> with <paramref name="secret"/>.</summary>
    public static async Task<(int Status, JsonNode? Body)> LegacyAsync(HttpClient http, string path, JsonObject body, string secret = Secret, string? role = "OWNER")
    {
        body["requestContext"] = new JsonObject { ["settings"] = new JsonObject { ["secretKey"] = secret } };
        if (role is not null)
        {
            body["requestContext"]!["role"] = role;
        }
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}

/// <summary>A second running adaptor (see <see cref="AdaptorHost.StartTwinAsync"/>).</summary>
public sealed class AdaptorTwin(WebApplication app, HttpClient http) : IAsyncDisposable
{
    public HttpClient Http { get; } = http;

    public Task<(int Status, JsonNode? Body)> LegacyAsync(string path, JsonObject body, string? role = "OWNER") =>
        AdaptorHost.LegacyAsync(Http, path, body, role: role);

    /// <summary>A V3 call with a token signed by the host (<see cref="AdaptorHost.SignEs256"/>).</summary>
    public async Task<(int Status, JsonNode? Body)> PostTokenAsync(string path, string token)
    {
        using var content = new StringContent(token, System.Text.Encoding.UTF8, "text/plain");
        using var response = await Http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A V3 call to this twin, signed with <paramref name="signer"/>'s key (the twin trusts the same keys).</summary>
    public Task<(int Status, JsonNode? Body)> V3Async(AdaptorHost signer, string path, JsonNode request) =>
        AdaptorHost.PostRawAsync(Http, path, signer.SignEs256(request));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The adaptor over a temporary SQLite file.</summary>
public sealed class SqliteAdaptorHost : AdaptorHost
{
    public override string Engine => "sqlite";

    private readonly string _dir = Directory.CreateTempSubdirectory("extdb-adaptor-").FullName;

    protected override Task<Dictionary<string, string?>> EngineSettingsAsync() => Task.FromResult(new Dictionary<string, string?>
    {
        ["Adaptor:Engine"] = "sqlite",
        ["Adaptor:ConnectionString"] = $"Data Source={Path.Combine(_dir, "adaptor.db")};Pooling=False",
    });

    /// <summary>The adaptor's database file, for tests that read plans.</summary>
    public string ConnectionString => $"Data Source={Path.Combine(_dir, "adaptor.db")};Pooling=False";

    public override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Test-only SQL written in the test itself.
        command.CommandText = sql;
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }

    protected override Task CleanupAsync()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
