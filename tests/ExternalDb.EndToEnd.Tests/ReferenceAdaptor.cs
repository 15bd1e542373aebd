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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
