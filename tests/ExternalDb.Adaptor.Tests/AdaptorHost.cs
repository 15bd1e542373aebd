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
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Tests;

/// <summary>A running adaptor on real Kestrel at 127.0.0.1:0 with signing keys and a secret for the tests.</summary>
public abstract class AdaptorHost : IAsyncLifetime
{
    public const string Audience = "app-under-test";
    public const string Secret = "s3cret-for-tests";

    public ECDsa EcKey { get; } = V3RequestSigner.CreateKey();
    public RSA RsaKey { get; } = RSA.Create(2048);
    public HttpClient Http { get; private set; } = null!;
    private WebApplication? _app;

    protected abstract Task<Dictionary<string, string?>> EngineSettingsAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    /// <summary>Runs SQL directly on the adaptor's database (to make tables the adaptor did not create).</summary>
    public abstract Task ExecuteSqlAsync(string sql);

    public async Task InitializeAsync()
    {
        var settings = await EngineSettingsAsync();
        settings["Adaptor:SecretKey"] = Secret;
        settings["Adaptor:Audience"] = Audience;
        settings["Adaptor:JwtPublicKeys:0"] = V3RequestSigner.ExportPublicKey(EcKey);
        settings["Adaptor:JwtPublicKeys:1"] = RsaKey.ExportSubjectPublicKeyInfoPem();
        _app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
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

    public async Task<(int Status, JsonNode? Body)> PostRawAsync(string path, string body, string contentType = "text/plain")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await Http.PostAsync(path, content);
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

    public Task<(int Status, JsonNode? Body)> LegacyAsync(string path, JsonObject body, string secret = Secret)
    {
        body["requestContext"] = new JsonObject { ["settings"] = new JsonObject { ["secretKey"] = secret }, ["role"] = "OWNER" };
        return PostRawAsync(path, body.ToJsonString(), "application/json");
    }
}

/// <summary>The adaptor over a temporary SQLite file.</summary>
public sealed class SqliteAdaptorHost : AdaptorHost
{
    private readonly string _dir = Directory.CreateTempSubdirectory("extdb-adaptor-").FullName;

    protected override Task<Dictionary<string, string?>> EngineSettingsAsync() => Task.FromResult(new Dictionary<string, string?>
    {
        ["Adaptor:Engine"] = "sqlite",
        ["Adaptor:ConnectionString"] = $"Data Source={Path.Combine(_dir, "adaptor.db")};Pooling=False",
    });

    public override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "adaptor.db")};Pooling=False");
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
