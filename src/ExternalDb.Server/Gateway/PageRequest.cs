using System.Text.Json.Nodes;
using ExternalDb.Protocol;
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
        var max = Math.Clamp((int)(JsonRead.Number(schema["maxPageSize"]) ?? PagingLimits.DefaultPageSize), 1, PagingLimits.MaxPageSize);
        return this with { Limit = Math.Min(Limit, max), MaxPageSize = max };
    }

    /// <summary>How many to ask an adaptor for that does not say <c>hasNext</c>: one more than the page, to learn whether a next page exists.</summary>
    public int FetchLimit => Limit < MaxPageSize ? Limit + 1 : Limit;

    /// <summary>
    /// Trims the adaptor's rows to the page and builds <c>pagingMetadata</c>. The rows are taken out of
    /// <paramref name="rows"/> (which is left empty), not copied: the answer they came in is the gateway's own.
    /// </summary>
    /// <param name="adaptorHasNext">
    /// The adaptor's own <c>hasNext</c> when it was asked for exactly <see cref="Limit"/> rows and said it; else null, and
    /// the extra row asked for (<see cref="FetchLimit"/>) tells.
    /// </param>
    public (List<JsonNode?> Page, JsonObject Metadata) Finish(JsonArray? rows, int? total, string fullId, string kind, GatewayCursors cursors, bool? adaptorHasNext = null)
    {
        var all = rows?.ToList() ?? [];
        rows?.Clear();
        var hasNext = total is { } t ? Offset + Math.Min(all.Count, Limit) < t
            : adaptorHasNext ?? (all.Count > Limit || (FetchLimit == Limit && all.Count == Limit));
        var page = all.Take(Limit).ToList();
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
                links["next"] = cursors.Encode(fullId, kind, Request, Offset + page.Count, Limit);
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
