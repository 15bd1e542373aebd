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
    /// <summary>Nested paths (<c>address.city</c>) are advertised but treated as unknown fields.</summary>
    NestedPathsIgnored,
    /// <summary>A unique index whose build failed (duplicates) is reported ACTIVE.</summary>
    FailedIndexReportedActive,
    /// <summary>Patch increments are read-modify-write: concurrent increments are lost.</summary>
    PatchLosesConcurrentIncrements,
    /// <summary>A type change that does not convert is forced through by dropping and re-adding the field: its values are lost.</summary>
    TypeChangeLossy,
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
        if (defect == Defect.PatchLosesConcurrentIncrements && path.EndsWith("/patch", StringComparison.Ordinal))
        {
            body = await IncrementsAsReadModifyWriteAsync(body, path, upstream);
        }

        var (status, text) = await SendAsync(upstream, path, body, contentType, context.RequestAborted);
        if (defect == Defect.TypeChangeLossy && path == "/v3/collections/update" && status == 400 && text.Contains("COLLECTION_CHANGE_NOT_SUPPORTED", StringComparison.Ordinal))
        {
            (status, text) = await ForceTypeChangeAsync(upstream, body, contentType, context.RequestAborted);
        }
        (status, text) = RewriteResponse(status, text, path, defect);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static async Task<(int Status, string Text)> SendAsync(AdaptorTarget upstream, string path, string body, string contentType, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, upstream.BaseUrl + path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await Http.SendAsync(request, ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>The V3 request inside a token, or the legacy body.</summary>
    private static JsonObject RequestOf(string body, string path) => path.StartsWith("/v3/", StringComparison.Ordinal)
        ? JsonNode.Parse(Base64UrlEncoder.Decode(body.Split('.')[1]))!["data"]!["request"]!.AsObject()
        : JsonNode.Parse(body)!.AsObject();

    /// <summary>
    /// Replaces each INCREMENT_FIELD by a SET_FIELD of the value read just before (plus a pause that widens the race):
    /// what an adaptor without an atomic patch does.
    /// </summary>
    private static async Task<string> IncrementsAsReadModifyWriteAsync(string body, string path, AdaptorTarget upstream)
    {
        var request = RequestOf(body, path);
        var client = new AdaptorClient(upstream);
        var isV3 = path.StartsWith("/v3/", StringComparison.Ordinal);
        var collection = request.Str(isV3 ? "collectionId" : "collectionName")!;
        foreach (var patch in request.Arr("patches").OfType<JsonObject>())
        {
            var id = patch.Str("itemId")!;
            JsonNode? item = isV3
                ? (await client.V3Async("/v3/items/query", new JsonObject
                {
                    ["collectionId"] = collection, ["query"] = new JsonObject { ["filter"] = new JsonObject { ["_id"] = id } },
                    ["consistentRead"] = true, ["returnTotalCount"] = false,
                })).Body?["items"]?[0]
                : (await client.LegacyAsync("/data/get", new JsonObject { ["collectionName"] = collection, ["itemId"] = id })).Body?["item"];
            foreach (var m in patch.Arr("fieldModifications").OfType<JsonObject>().Where(m => m.Str("action") == "INCREMENT_FIELD"))
            {
                var current = m.Str("fieldPath")!.Split('.').Aggregate(item, (node, key) => node?[key]);
                var next = (current?.GetValue<double>() ?? 0) + m["incrementFieldOptions"]!["value"]!.GetValue<double>();
                m.Remove("incrementFieldOptions");
                m["action"] = "SET_FIELD";
                m["setFieldOptions"] = new JsonObject { ["value"] = next };
            }
        }
        await Task.Delay(5);
        if (!isV3)
        {
            return request.ToJsonString();
        }
        return JwtSigner.Sign(upstream.V3!, request);
    }

    /// <summary>Forces a refused type change: the changed fields are dropped (with their values), then the update is sent again.</summary>
    private static async Task<(int Status, string Text)> ForceTypeChangeAsync(AdaptorTarget upstream, string body, string contentType, CancellationToken ct)
    {
        var request = RequestOf(body, "/v3/collections/update");
        var collection = request["collection"]!.AsObject();
        var client = new AdaptorClient(upstream);
        var current = (await client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(collection.Str("id")) }))
            .Body.Arr("collections")[0].Arr("fields").OfType<JsonObject>().ToDictionary(f => f.Str("key")!, f => f.Str("type"));
        var kept = collection.Arr("fields").OfType<JsonObject>().Where(f => !current.TryGetValue(f.Str("key")!, out var type) || type == f.Str("type"));
        var without = (JsonObject)request.DeepClone();
        without["collection"]!["fields"] = new JsonArray([.. kept.Select(f => f.DeepClone())]);
        (await client.V3Async("/v3/collections/update", without)).EnsureSuccess();
        return await SendAsync(upstream, "/v3/collections/update", body, contentType, ct);
    }

    private static string RewriteRequest(string body, string path, AdaptorTarget upstream, Defect defect)
    {
        if (defect is not (Defect.PageSizeUnbounded or Defect.MatchesNotAnchored or Defect.NestedPathsIgnored))
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
        else if (defect == Defect.NestedPathsIgnored)
        {
            request = FlattenPaths(request);
            if (isV3)
            {
                claims!["data"]!["request"] = request;
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

    private static readonly string[] FieldNameKeys = ["fieldName", "itemFieldName"];
    private static readonly string[] FieldListKeys = ["fields", "projection", "groupingFields"];

    /// <summary>Writes every dotted field reference (filter keys, sort and operand field names, projections, groupings) as one unknown name: <c>address_city</c>.</summary>
    private static JsonNode FlattenPaths(JsonNode node, string? key = null) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(
            p.Key.Contains('.', StringComparison.Ordinal) ? p.Key.Replace('.', '_') : p.Key,
            p.Value is null ? null : FlattenPaths(p.Value, p.Key)))),
        JsonArray a => new JsonArray([.. a.Select(e => e is null ? null : FlattenPaths(e, key))]),
        JsonValue v when v.TryGetValue<string>(out var text) && (FieldNameKeys.Contains(key) || FieldListKeys.Contains(key)) => text.Replace('.', '_'),
        _ => node.DeepClone(),
    };

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

    private static (int Status, string Text) RewriteResponse(int status, string text, string path, Defect defect)
    {
        switch (defect)
        {
            case Defect.FailedIndexReportedActive when path.Contains("/indexes/", StringComparison.Ordinal) && text.Length > 0 && JsonNode.Parse(text) is JsonObject indexes:
                var listed = (indexes["indexes"] as JsonArray)?.OfType<JsonObject>() ?? (indexes["index"] is JsonObject one ? [one] : []);
                foreach (var index in listed.Where(i => i.Str("status") == "FAILED").ToList())
                {
                    index["status"] = "ACTIVE";
                    index.Remove("failure");
                }
                return (status, indexes.ToJsonString());
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
