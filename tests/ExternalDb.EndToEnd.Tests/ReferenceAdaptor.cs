using ExternalDb.Adaptor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ExternalDb.TestSupport;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>Our reference adaptor on a real loopback port, over SQLite, PostgreSQL or MySQL.</summary>
public sealed class ReferenceAdaptor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReferenceAdaptor(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<ReferenceAdaptor> StartAsync(string engine, string connectionString, string? secretKey = null, string? publicKey = null, string? audience = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = engine,
            ["Adaptor:ConnectionString"] = connectionString,
            ["Adaptor:SecretKey"] = secretKey,
            ["Adaptor:Audience"] = audience,
            ["Adaptor:JwtPublicKeys:0"] = publicKey,
        };
        var (app, address) = await LoopbackApp.StartAdaptorAsync(settings);
        return new ReferenceAdaptor(app, address);
    }

    /// <summary>
    /// Connects <paramref name="server"/> to a new reference adaptor as <paramref name="name"/>: V3 (the adaptor trusts the
    /// connection's key) or V2 (with <paramref name="secret"/>), through the proxy <paramref name="proxy"/> starts in front
    /// of it when given. The parts started are added to <paramref name="parts"/> (adaptor first); the proxy is answered.
    /// </summary>
    public static async Task<AdaptorProxy?> ConnectAsync(GatewayServer server, string name, string engine, string connectionString, bool v3,
        string secret, Func<string, Task<AdaptorProxy>>? proxy, ICollection<IAsyncDisposable> parts)
    {
        ReferenceAdaptor adaptor;
        if (v3)
        {
            var created = await server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
            adaptor = await StartAsync(engine, connectionString,
                publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
        }
        else
        {
            adaptor = await StartAsync(engine, connectionString, secretKey: secret);
        }
        parts.Add(adaptor);
        var endpoint = adaptor.BaseUrl;
        AdaptorProxy? started = null;
        if (proxy is not null)
        {
            started = await proxy(adaptor.BaseUrl);
            parts.Add(started);
            endpoint = started.BaseUrl;
        }
        var answer = v3
            ? await server.UpdateConnectionAsync(name, endpoint)
            : await server.CreateConnectionAsync(name, endpoint, "STANDALONE", new System.Text.Json.Nodes.JsonObject { ["secretKey"] = secret });
        Assert.True(answer["connectionStatus"]!["successful"]!.GetValue<bool>(), answer.ToJsonString());
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
