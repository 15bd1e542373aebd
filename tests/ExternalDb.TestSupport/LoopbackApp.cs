using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ExternalDb.Adaptor.Hosting;

namespace ExternalDb.TestSupport;

/// <summary>Apps of ours started in the test process on a free port of 127.0.0.1 (built with <c>--urls http://127.0.0.1:0</c>).</summary>
public static class LoopbackApp
{
    /// <summary>The arguments that make an app listen on a free port of 127.0.0.1.</summary>
    public static readonly string[] FreePortArgs = ["--urls", "http://127.0.0.1:0"];

    /// <summary>Starts <paramref name="app"/> and answers the base URL it bound, without a trailing slash.</summary>
    public static async Task<string> StartAsync(WebApplication app, CancellationToken ct = default)
    {
        await app.StartAsync(ct).ConfigureAwait(false);
        return BaseUrl(app);
    }

    /// <summary>The base URL a started app bound (<c>http://127.0.0.1:port</c>), without a trailing slash.</summary>
    public static string BaseUrl(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');

    /// <summary>
    /// Our reference adaptor with <paramref name="settings"/> (null values left out), its own log providers cleared
    /// (<paramref name="configure"/> may add some), started on a free port; the app and its base URL.
    /// </summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAdaptorAsync(
        IEnumerable<KeyValuePair<string, string?>> settings, Action<WebApplicationBuilder>? configure = null)
    {
        var app = AdaptorApp.Build(FreePortArgs, builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null));
            builder.Logging.ClearProviders();
            configure?.Invoke(builder);
        });
        return (app, await StartAsync(app).ConfigureAwait(false));
    }
}
