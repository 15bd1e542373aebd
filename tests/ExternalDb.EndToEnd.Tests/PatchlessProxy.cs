using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// An adaptor without ExternalDb's patch extension: a loopback proxy in front of our reference adaptor that forwards
/// every call unchanged, except that capabilities (<c>/v3/capabilities/get</c>) say <c>externalDb.patch: false</c>,
/// legacy schemas and <c>/provision</c> list no <c>patch</c> in <c>allowedSchemaOperations</c>, and the patch paths are
/// 404 — so the gateway must patch by read–modify–write.
/// </summary>
public sealed class PatchlessProxy : IAsyncDisposable
{
    private static readonly HttpClient Forwarder = new();
    private readonly string _target;
    private LoopbackServer? _server;

    private PatchlessProxy(string target) => _target = target;

    public string BaseUrl => _server!.BaseUrl;

    /// <summary>The paths of the calls that reached the proxy, in arrival order.</summary>
    public IReadOnlyList<string> Paths => [.. _server!.Requests.Select(r => r.Path)];

    /// <summary>The bodies of the calls to <paramref name="path"/> that reached the proxy, in arrival order.</summary>
    public IReadOnlyList<string> BodiesAt(string path) => [.. _server!.Requests.Where(r => r.Path == path).Select(r => r.Body)];

    public static async Task<PatchlessProxy> StartAsync(string target)
    {
        var proxy = new PatchlessProxy(target);
        proxy._server = await LoopbackServer.StartAsync(app => app.Map("/{**path}", proxy.ForwardAsync));
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path is "/v3/items/patch" or "/data/patch")
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
            Hide(json);
            answer = Encoding.UTF8.GetBytes(json.ToJsonString());
        }
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }
        await context.Response.Body.WriteAsync(answer, context.RequestAborted);
    }

    private static void Hide(JsonNode? node)
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
                    Hide(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Hide(child);
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
