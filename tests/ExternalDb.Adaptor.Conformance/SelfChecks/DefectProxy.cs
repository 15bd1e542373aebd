using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Adaptor.Conformance.Targets;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.SelfChecks;

/// <summary>The known defects of adaptors in the wild that the kit must catch (PRODUCT.md §2).</summary>
public enum Defect
{
    /// <summary><c>false</c> and <c>0</c> come back as <c>null</c>.</summary>
    FalseAndZeroStoredAsNull,
    /// <summary>Dates lose their milliseconds.</summary>
    MillisecondsDropped,
    /// <summary><c>$matches</c> matches a substring instead of the whole value.</summary>
    MatchesNotAnchored,
    /// <summary>Any page size is served.</summary>
    PageSizeUnbounded,
    /// <summary>A caller's mistake (unknown operator) is answered as HTTP 500.</summary>
    UnknownOperatorAnswered500,
    /// <summary>Reference operations are advertised but their routes do not exist.</summary>
    ReferencesClaimedButNotImplemented,
}

/// <summary>
/// A proxy in front of the self-hosted reference adaptor that plants one <see cref="Defect"/> by rewriting
/// requests or responses, so the kit's self-checks can prove each named defect test turns red.
/// </summary>
public sealed partial class DefectProxy : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private readonly LoopbackServer _server;

    private DefectProxy(LoopbackServer server) => _server = server;

    public string BaseUrl => _server.BaseUrl;

    /// <summary>Starts a proxy to <paramref name="upstream"/> with <paramref name="defect"/> planted.</summary>
    public static async Task<DefectProxy> StartAsync(AdaptorTarget upstream, Defect defect)
    {
        var server = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", (HttpContext context) => ForwardAsync(context, upstream, defect)));
        return new DefectProxy(server);
    }

    private static async Task ForwardAsync(HttpContext context, AdaptorTarget upstream, Defect defect)
    {
        var path = context.Request.Path.Value ?? "/";
        if (defect == Defect.ReferencesClaimedButNotImplemented && path.Contains("reference", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var contentType = context.Request.ContentType ?? "text/plain";
        body = RewriteRequest(body, path, upstream, defect);

        using var request = new HttpRequestMessage(HttpMethod.Post, upstream.BaseUrl + path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Http.SendAsync(request, context.RequestAborted);
        var text = await response.Content.ReadAsStringAsync(context.RequestAborted);
        var status = (int)response.StatusCode;
        (status, text) = RewriteResponse(status, text, defect);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static string RewriteRequest(string body, string path, AdaptorTarget upstream, Defect defect)
    {
        if (defect is not (Defect.PageSizeUnbounded or Defect.MatchesNotAnchored))
        {
            return body;
        }
        var isV3 = path.StartsWith("/v3/", StringComparison.Ordinal);
        JsonObject? claims = null;
        JsonNode? request;
        if (isV3)
        {
            var parts = body.Split('.');
            if (parts.Length != 3)
            {
                return body;
            }
            claims = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
            request = claims["data"]?["request"];
        }
        else
        {
            request = JsonNode.Parse(body);
        }
        if (request is null)
        {
            return body;
        }
        if (defect == Defect.PageSizeUnbounded)
        {
            // Serve any page size by asking the real adaptor for at most its maximum.
            foreach (var holder in new[] { request, request["query"]?["paging"], request["query"]?["cursorPaging"], request["paging"] })
            {
                if (holder?["limit"] is JsonValue limit && limit.GetValue<double>() > 1000)
                {
                    holder["limit"] = 1000;
                }
            }
        }
        else
        {
            UnanchorMatches(request);
        }
        return isV3
            ? JwtSigner.SignClaims(upstream.V3!.Key, upstream.V3.Algorithm, claims!)
            : request.ToJsonString();
    }

    /// <summary>Turns every <c>$matches</c> into a <c>$contains</c> of its spec: a substring match.</summary>
    private static void UnanchorMatches(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$matches"] is JsonObject matches)
                {
                    // A literal stays as it is; an anyOf class becomes its first character.
                    var text = string.Concat(matches.Arr("spec").Select(s =>
                        s.Str("type") == "anyOf" ? (s.Str("value") ?? "").Take(1).ToArray().AsSpan().ToString() : s.Str("value")));
                    o.Remove("$matches");
                    o["$contains"] = text;
                }
                foreach (var child in o.Select(p => p.Value).Where(v => v is not null).ToList())
                {
                    UnanchorMatches(child!);
                }
                break;
            case JsonArray a:
                foreach (var child in a.Where(v => v is not null).ToList())
                {
                    UnanchorMatches(child!);
                }
                break;
        }
    }

    private static (int Status, string Text) RewriteResponse(int status, string text, Defect defect)
    {
        switch (defect)
        {
            case Defect.UnknownOperatorAnswered500 when status == 400:
                return (500, """{"errorCode": "UNKNOWN_ERROR", "message": "Internal error"}""");
            case Defect.MillisecondsDropped:
                return (status, Milliseconds().Replace(text, "$1.000"));
            case Defect.FalseAndZeroStoredAsNull when text.Length > 0 && JsonNode.Parse(text) is JsonNode body:
                NullFalsy(body, insideItem: false);
                return (status, body.ToJsonString());
            default:
                return (status, text);
        }
    }

    private static void NullFalsy(JsonNode node, bool insideItem)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    var inside = insideItem || key is "item" or "items";
                    if (inside && o[key] is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.False
                        || inside && o[key] is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.Number && n.GetValue<double>() == 0)
                    {
                        o[key] = null;
                    }
                    else if (o[key] is JsonNode child)
                    {
                        NullFalsy(child, inside);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a.Where(c => c is not null))
                {
                    NullFalsy(child!, insideItem);
                }
                break;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [GeneratedRegex(@"(\d{2}:\d{2}:\d{2})\.\d{3}")]
    private static partial Regex Milliseconds();
}
