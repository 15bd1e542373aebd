using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// A loopback proxy in front of our reference adaptor that records every call and forwards it, except the paths it
/// refuses (404), and whose JSON object answers (2xx) a rewrite may change — another kind of adaptor, seen through ours.
/// </summary>
public sealed class AdaptorProxy : IAsyncDisposable
{
    private static readonly HttpClient Forwarder = new();
    private readonly string _target;
    private readonly Func<string, bool> _refuses;
    private readonly Action<string, JsonNode> _rewrite;
    private LoopbackServer? _server;

    private AdaptorProxy(string target, Func<string, bool> refuses, Action<string, JsonNode> rewrite)
    {
        _target = target;
        _refuses = refuses;
        _rewrite = rewrite;
    }

    public string BaseUrl => _server!.BaseUrl;

    /// <summary>The calls that reached the proxy, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _server!.Requests;

    /// <summary>The paths of the calls that reached the proxy, in arrival order.</summary>
    public IReadOnlyList<string> Paths => [.. _server!.Requests.Select(r => r.Path)];

    /// <summary>The bodies of the calls to <paramref name="path"/> that reached the proxy, in arrival order.</summary>
    public IReadOnlyList<string> BodiesAt(string path) => [.. _server!.Requests.Where(r => r.Path == path).Select(r => r.Body)];

    /// <summary>A proxy that refuses the paths <paramref name="refuses"/> says, and passes answers to <paramref name="rewrite"/> (path, JSON).</summary>
    public static async Task<AdaptorProxy> StartAsync(string target, Func<string, bool>? refuses = null, Action<string, JsonNode>? rewrite = null)
    {
        var proxy = new AdaptorProxy(target, refuses ?? (_ => false), rewrite ?? ((_, _) => { }));
        proxy._server = await LoopbackServer.StartAsync(app => app.Map("/{**path}", proxy.ForwardAsync));
        return proxy;
    }

    /// <summary>
    /// An adaptor without ExternalDb's patch extension: capabilities (<c>/v3/capabilities/get</c>) say
    /// <c>externalDb.patch: false</c>, legacy schemas and <c>/provision</c> list no <c>patch</c> in
    /// <c>allowedSchemaOperations</c>, and the patch paths are 404 — so the gateway must patch by read–modify–write.
    /// </summary>
    public static Task<AdaptorProxy> PatchlessAsync(string target) =>
        StartAsync(target, path => path is "/v3/items/patch" or "/data/patch", (_, json) => HidePatch(json));

    /// <summary>
    /// An adaptor whose pages do not say <c>hasNext</c> (nor carry cursors of their own): only items, offset, count and
    /// total, as many adaptors answer; its collections serve pages of at most <paramref name="maxPageSize"/> when given.
    /// </summary>
    public static Task<AdaptorProxy> SilentOnNextPageAsync(string target, int? maxPageSize = null) => StartAsync(target, rewrite: (_, json) =>
    {
        if (json["pagingMetadata"] is JsonObject metadata)
        {
            metadata.Remove("hasNext");
            metadata.Remove("cursors");
        }
        foreach (var collection in (json["collections"] as JsonArray ?? []).OfType<JsonObject>().Where(_ => maxPageSize is not null))
        {
            collection["maxPageSize"] = maxPageSize;
        }
    });

    private async Task ForwardAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (_refuses(path))
        {
            context.Response.StatusCode = 404;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), _target + path + context.Request.QueryString)
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        if (context.Request.ContentType is { } contentType)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (context.Request.Headers.Authorization is { Count: > 0 } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization.ToString());
        }
        using var response = await Forwarder.SendAsync(request, context.RequestAborted);
        var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (response.IsSuccessStatusCode && answer.Length > 0 && answer[0] == (byte)'{')
        {
            var json = JsonNode.Parse(answer)!;
            _rewrite(path, json);
            answer = Encoding.UTF8.GetBytes(json.ToJsonString());
        }
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    private static void HidePatch(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["externalDb"] is JsonObject extensions)
                {
                    extensions["patch"] = false;
                }
                if (o["allowedSchemaOperations"] is JsonArray operations)
                {
                    foreach (var patch in operations.Where(x => x is JsonValue v && v.TryGetValue<string>(out var name) && name == "patch").ToList())
                    {
                        operations.Remove(patch);
                    }
                }
                foreach (var (_, child) in o.ToList())
                {
                    HidePatch(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    HidePatch(child);
                }
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
