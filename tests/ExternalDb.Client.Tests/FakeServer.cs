using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ExternalDb.Tests;

/// <summary>A request the fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string RawTarget, IQueryCollection Query, string? Authorization, string Body)
{
    /// <summary>The body parsed as a JSON object.</summary>
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>An answer of the fake server.</summary>
public sealed record FakeResponse(int Status, string Body)
{
    public static FakeResponse Ok(JsonNode body) => new(200, body.ToJsonString());

    public static FakeResponse Ok(string json) => new(200, json);

    /// <summary>A Wix-shaped error: <c>{message, details.applicationError{code, description}}</c>.</summary>
    public static FakeResponse Error(int status, string code, string description) => new(status, new JsonObject
    {
        ["message"] = $"{code}: {description}",
        ["details"] = new JsonObject { ["applicationError"] = new JsonObject { ["code"] = code, ["description"] = description } },
    }.ToJsonString());
}

/// <summary>
/// A fake ExternalDb server on a real loopback socket (a <see cref="LoopbackServer"/>): it records every request with
/// what the SDK's tests look at (raw target, parsed query, authorization) and answers with what <see cref="Handler"/>
/// returns (by default 404).
/// </summary>
public sealed class FakeServer : IAsyncDisposable
{
    private LoopbackServer? _server;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Func<RecordedRequest, FakeResponse> Handler { get; set; } = _ => new FakeResponse(404, "{}");

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<FakeServer> StartAsync(Func<RecordedRequest, FakeResponse>? handler = null)
    {
        var server = new FakeServer();
        if (handler is not null)
        {
            server.Handler = handler;
        }
        server._server = await LoopbackServer.StartAsync(app => app.Run(server.HandleAsync));
        server.BaseAddress = new Uri(server._server.BaseUrl + "/");
        return server;
    }

    /// <summary>The requests whose method and path match.</summary>
    public IReadOnlyList<RecordedRequest> Matching(string method, string path) =>
        [.. Requests.Where(r => r.Method == method && r.Path == path)];

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var recorded = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            rawTarget,
            context.Request.Query,
            context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
            body);
        Requests.Enqueue(recorded);
        FakeResponse response;
        try
        {
            response = Handler(recorded);
        }
        catch (Exception e)
        {
            response = new FakeResponse(500, new JsonObject { ["message"] = "fake handler failed: " + e.Message }.ToJsonString());
        }
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
