using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.TestSupport;

/// <summary>One request a <see cref="LoopbackServer"/> received.</summary>
/// <param name="Method">HTTP method, e.g. <c>POST</c>.</param>
/// <param name="Path">Request path, e.g. <c>/provision</c>.</param>
/// <param name="QueryString">The query string including <c>?</c>, or empty.</param>
/// <param name="Body">The request body as UTF-8 text (empty when there was none).</param>
/// <param name="Headers">Request headers; a header sent several times has its values joined with <c>", "</c>.</param>
public sealed record RecordedRequest(
    string Method, string Path, string QueryString, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real HTTP server on <c>http://127.0.0.1:{free port}</c> with minimal-API handlers, for tests that
/// need a fake adaptor or any other fake HTTP peer:
/// <code>
/// await using var server = await LoopbackServer.StartAsync(app =>
///     app.MapPost("/provision", () => Results.Json(new { protocolVersion = 2 })));
/// // call server.BaseUrl + "/provision" ..., then inspect server.Requests
/// </code>
/// Every request is recorded (method, path, body, headers) before it reaches the handlers.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests;

    private LoopbackServer(WebApplication app, string baseUrl, ConcurrentQueue<RecordedRequest> requests)
    {
        _app = app;
        BaseUrl = baseUrl;
        _requests = requests;
    }

    /// <summary>The server's base URL, e.g. <c>http://127.0.0.1:40123</c> (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>A snapshot of the requests received so far, in arrival order. Safe to read while requests arrive.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Starts a server whose endpoints <paramref name="map"/> adds.</summary>
    /// <param name="map">Adds the handlers, e.g. <c>app => app.MapPost("/x", ...)</c>.</param>
    /// <param name="configure">Optional: adjust the builder (services, configuration) before the app is built.</param>
    /// <param name="ct">Cancels the start.</param>
    public static async Task<LoopbackServer> StartAsync(
        Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        var app = builder.Build();

        var requests = new ConcurrentQueue<RecordedRequest>();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            context.Request.Body.Position = 0;
            var headers = context.Request.Headers.ToDictionary(
                h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            requests.Enqueue(new RecordedRequest(
                context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", body, headers));
            await next(context).ConfigureAwait(false);
        });
        map(app);

        return new LoopbackServer(app, await LoopbackApp.StartAsync(app, ct).ConfigureAwait(false), requests);
    }

    /// <summary>Stops the server and frees its port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
