using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>Offset or cursor paging of a query-like request, as the gateway serves it to every protocol.</summary>
internal sealed record PageRequest(int Limit, int Offset, bool CursorMode, JsonObject Request)
{
    /// <summary>
    /// Reads <c>paging</c> / <c>cursorPaging</c> from <paramref name="container"/>. A cursor restores the request it was
    /// made for (the caller sends only the cursor), so <see cref="Request"/> is the effective request.
    /// </summary>
    public static PageRequest Read(JsonObject container, JsonObject request, string fullId, string kind, string path, GatewayCursors cursors)
    {
        if (container["cursorPaging"] is JsonObject cursorPaging)
        {
            var limit = GatewayRequest.OptionalInt(cursorPaging["limit"], path + "cursorPaging.limit", 0, PagingLimits.MaxPageSize);
            if (cursorPaging["cursor"] is JsonValue c && c.TryGetValue<string>(out var cursor) && cursor.Length > 0)
            {
                var (restored, offset, cursorLimit) = cursors.Decode(cursor, fullId, kind, path + "cursorPaging.cursor");
                return new PageRequest(limit is null or 0 ? cursorLimit : limit.Value, offset, true, restored);
            }
            return new PageRequest(limit is null or 0 ? PagingLimits.DefaultPageSize : limit.Value, 0, true, request);
        }
        var paging = container["paging"] as JsonObject;
        var pageLimit = GatewayRequest.OptionalInt(paging?["limit"], path + "paging.limit", 0, PagingLimits.MaxPageSize);
        var pageOffset = GatewayRequest.OptionalInt(paging?["offset"], path + "paging.offset", 0, int.MaxValue) ?? 0;
        return new PageRequest(pageLimit is null or 0 ? PagingLimits.DefaultPageSize : pageLimit.Value, pageOffset, false, request);
    }

    /// <summary>The largest page the collection serves (its <c>maxPageSize</c>).</summary>
    public int MaxPageSize { get; init; } = PagingLimits.MaxPageSize;

    /// <summary>The page as the collection can serve it: no larger than its <c>maxPageSize</c>.</summary>
    public PageRequest ClampTo(JsonObject schema)
    {
        var max = MaxPageSizeOf(schema);
        return this with { Limit = Math.Min(Limit, max), MaxPageSize = max };
    }

    /// <summary>The largest page a collection serves: its <c>maxPageSize</c>, within the protocol's bounds.</summary>
    public static int MaxPageSizeOf(JsonObject schema) =>
        Math.Clamp((int)(JsonRead.Number(schema["maxPageSize"]) ?? PagingLimits.DefaultPageSize), 1, PagingLimits.MaxPageSize);

    /// <summary>The V3 <c>paging</c> of this page, as the adaptor is asked for it.</summary>
    public JsonObject Paging() => new() { ["limit"] = Limit, ["offset"] = Offset };

    /// <summary>
    /// The page's rows and its <c>pagingMetadata</c> from the protocol client's answer (asked with
    /// <see cref="DataGateway.CallPageAsync"/>: at most the page, and a truthful <c>hasNext</c>). The rows are taken out
    /// of <paramref name="rows"/> (which is left empty), not copied: the answer they came in is the gateway's own.
    /// </summary>
    public (List<JsonNode?> Page, JsonObject Metadata) Finish(JsonObject answer, JsonArray? rows, int? total, string fullId, string kind, GatewayCursors cursors)
    {
        var page = rows?.ToList() ?? [];
        rows?.Clear();
        var hasNext = AdaptorPaging.HasNext(answer) ?? false;
        var metadata = new JsonObject { ["count"] = page.Count };
        if (!CursorMode)
        {
            metadata["offset"] = Offset;
            if (total is not null)
            {
                metadata["total"] = total;
            }
        }
        metadata["tooManyToCount"] = false;
        metadata["hasNext"] = hasNext;
        if (CursorMode)
        {
            var links = new JsonObject();
            if (hasNext)
            {
                // Past the rows the adaptor answered, which a service may have thinned (distinct values read from groups).
                var answered = (int?)JsonRead.Integer(answer["pagingMetadata"]?["count"]) ?? page.Count;
                links["next"] = cursors.Encode(fullId, kind, Request, Offset + answered, Limit);
            }
            if (Offset > 0)
            {
                links["prev"] = cursors.Encode(fullId, kind, Request, Math.Max(0, Offset - Limit), Limit);
            }
            metadata["cursors"] = links;
        }
        return (page, metadata);
    }
}
