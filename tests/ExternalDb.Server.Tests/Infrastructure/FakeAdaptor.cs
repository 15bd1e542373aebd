using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>One request a fake adaptor received.</summary>
public sealed record ReceivedRequest(string Method, string Path, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON (throws if it is not).</summary>
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("The body is JSON null.");
}

/// <summary>Answers one request of a fake adaptor. The request's body has already been read into <paramref name="request"/>.</summary>
public delegate Task AdaptorHandler(HttpContext context, ReceivedRequest request, CancellationToken ct);

/// <summary>
/// A fake adaptor on a real loopback socket (Kestrel on 127.0.0.1, free port). Handlers are set per path and may be
/// changed while it runs; every request is recorded with its headers and body. Unknown paths answer 404.
/// </summary>
public sealed class FakeAdaptor : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, AdaptorHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly CancellationTokenSource _stopping = new();
    private LoopbackServer? _server;

    private FakeAdaptor()
    {
    }

    /// <summary>The adaptor's base URL without a trailing slash, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public IReadOnlyList<ReceivedRequest> ReceivedAt(string path) => [.. _received.Where(r => r.Path == path)];

    public static async Task<FakeAdaptor> StartAsync()
    {
        var fake = new FakeAdaptor();
        fake._server = await LoopbackServer.StartAsync(
            app => app.Run(fake.HandleAsync),
            builder => builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2)));
        fake.Endpoint = fake._server.BaseUrl;
        return fake;
    }

    /// <summary>Sets (or replaces) the handler of <paramref name="path"/>.</summary>
    public FakeAdaptor On(string path, AdaptorHandler handler)
    {
        _handlers[path] = handler;
        return this;
    }

    /// <summary>Answers <paramref name="path"/> with a fixed JSON body and status.</summary>
    public FakeAdaptor OnJson(string path, string json, int status = 200) => On(path, Answers.Json(json, status));

    /// <summary>Answers every known legacy path as a healthy V1 adaptor with the given schemas.</summary>
    public FakeAdaptor AsLegacy(string provisionAnswer = "{}", string schemas = Answers.OneSchema) =>
        OnJson("/provision", provisionAnswer).OnJson("/schemas/list", $$"""{"schemas": {{schemas}}}""");

    private async Task HandleAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var ct = linked.Token;
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ct);
        }
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.ContentType, headers, body);
        _received.Enqueue(request);

        if (!_handlers.TryGetValue(request.Path, out var handler))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"errorCode":"NOT_FOUND"}""", ct);
            return;
        }
        try
        {
            await handler(context, request, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (IOException) when (ct.IsCancellationRequested || context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _stopping.Dispose();
    }
}

/// <summary>Ready-made handlers.</summary>
public static class Answers
{
    public const string OneSchema = """
        [{"id": "products", "displayName": "products", "allowedOperations": ["get", "find", "count"], "maxPageSize": 50, "ttl": 3600,
          "fields": {"_id": {"displayName": "_id", "type": "text", "queryOperators": ["eq"]}}}]
        """;

    public const string OneModifiableSchema = """
        [{"id": "products", "displayName": "products", "allowedOperations": ["get", "find", "count", "insert"],
          "allowedSchemaOperations": ["list", "listHeaders", "find", "createCollection", "addColumn", "removeColumn"], "maxPageSize": 50, "ttl": 3600,
          "fields": {"_id": {"displayName": "_id", "type": "text", "queryOperators": ["eq"]}}}]
        """;

    public const string OneReadOnlySchemaV2 = """
        [{"id": "products", "displayName": "products", "allowedOperations": ["get", "find", "count"],
          "allowedSchemaOperations": ["list", "listHeaders", "find"], "maxPageSize": 50, "ttl": 3600,
          "fields": {"_id": {"displayName": "_id", "type": "text", "queryOperators": ["eq"]}}}]
        """;

    public static AdaptorHandler Json(string json, int status = 200) => async (context, _, ct) =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, ct);
    };

    public static AdaptorHandler Status(int status, string body = "") => async (context, _, ct) =>
    {
        context.Response.StatusCode = status;
        if (body.Length > 0)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(body, ct);
        }
    };

    /// <summary>Never answers: waits until the caller goes away (or the fake stops).</summary>
    public static AdaptorHandler Hang() => async (_, _, ct) => await Task.Delay(Timeout.Infinite, ct);
}
