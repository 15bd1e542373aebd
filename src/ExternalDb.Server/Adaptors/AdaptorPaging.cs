using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The one paging model of the protocol clients (each holds one). A call that reads one page
/// (<see cref="AdaptorCallOptions.MaxPageSize"/> set) answers at most <c>paging.limit</c> rows and a truthful
/// <c>pagingMetadata.hasNext</c>, whatever the adaptor and protocol:
/// <list type="bullet">
/// <item>once the answers to such a request are seen to carry their own <c>hasNext</c> (per adaptor, operation and
/// whether a total is asked), the adaptor is asked for exactly the page and its <c>hasNext</c> is passed on;</item>
/// <item>until then, one more row than the page is asked and trimmed, and tells;</item>
/// <item>asked for exactly the page (it is as large as the collection serves, or the adaptor stopped saying), an answer
/// without <c>hasNext</c> tells by its total, by a short page, or else by one row read past the page.</item>
/// </list>
/// </summary>
internal sealed class AdaptorPaging
{
    // A bound on what is remembered (one flag per adaptor, operation and total-or-not): never reached in practice.
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, bool> _tellsHasNext = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="operation"/> answers pages of rows (its request has <c>paging</c>).</summary>
    public static bool IsPaged(string operation) => operation is AdaptorOperations.Query or AdaptorOperations.Aggregate
        or AdaptorOperations.QueryDistinctValues or AdaptorOperations.QueryReferenced;

    /// <summary>The rows of a paged operation's answer (the array its protocol names them in), or null.</summary>
    public static JsonArray? Rows(string operation, JsonObject answer) => operation switch
    {
        AdaptorOperations.QueryDistinctValues => answer["distinctValues"] as JsonArray,
        AdaptorOperations.QueryReferenced => answer["results"] as JsonArray ?? answer["references"] as JsonArray ?? answer["items"] as JsonArray,
        _ => answer["items"] as JsonArray ?? answer["results"] as JsonArray,
    };

    /// <summary>The <c>pagingMetadata.hasNext</c> of an answer; null when it does not say.</summary>
    public static bool? HasNext(JsonObject answer) =>
        answer["pagingMetadata"]?["hasNext"] is JsonValue v && v.TryGetValue<bool>(out var hasNext) ? hasNext : null;

    /// <summary>
    /// Makes the call through <paramref name="send"/> (the client's own transport and translation), as this model wants
    /// it when <paramref name="options"/> ask for a page; any other call goes through as it is.
    /// </summary>
    public async Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions options,
        Func<JsonObject, Task<JsonObject>> send)
    {
        if (options.MaxPageSize is not { } maxPageSize || !IsPaged(operation) || PagingOf(operation, request) is not { } paging)
        {
            return await send(request);
        }
        var limit = (int)Math.Clamp(JsonRead.Integer(paging["limit"]) ?? PagingLimits.DefaultPageSize, 0, PagingLimits.MaxPageSize);
        var offset = (int)Math.Clamp(JsonRead.Integer(paging["offset"]) ?? 0, 0, int.MaxValue);
        var key = string.Join('\n', connection.Name, connection.Endpoint, connection.ProtocolVersion, operation, JsonRead.IsTrue(request["returnTotalCount"]));

        var oneMore = !(_tellsHasNext.TryGetValue(key, out var tells) && tells) && limit < maxPageSize;
        var answer = await send(oneMore ? WithPaging(operation, request, limit + 1, offset) : request);
        var told = HasNext(answer);
        Remember(key, told is not null);

        var rows = Rows(operation, answer);
        var count = rows?.Count ?? 0;
        var metadata = answer["pagingMetadata"] as JsonObject;
        var total = JsonRead.Integer(metadata?["total"]);
        var hasNext = oneMore ? count > limit
            : told ?? (total is { } t ? offset + Math.Min(count, limit) < t
            : count >= limit && await HasRowPastAsync(operation, request, offset + limit, send));
        while (rows is not null && rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        answer["pagingMetadata"] = Metadata(metadata, Math.Min(count, limit), hasNext);
        return answer;
    }

    private void Remember(string key, bool tells)
    {
        if (_tellsHasNext.TryGetValue(key, out var known) && known == tells)
        {
            return;
        }
        if (_tellsHasNext.Count >= MaxRemembered)
        {
            _tellsHasNext.Clear();
        }
        _tellsHasNext[key] = tells;
    }

    /// <summary>Whether a row follows the page: one row asked at <paramref name="offset"/>.</summary>
    private static async Task<bool> HasRowPastAsync(string operation, JsonObject request, int offset, Func<JsonObject, Task<JsonObject>> send)
    {
        var probe = WithPaging(operation, request, 1, offset);
        probe["returnTotalCount"] = false;
        return Rows(operation, await send(probe)) is { Count: > 0 };
    }

    /// <summary>The object holding the request's <c>paging</c> (<c>query</c> for a query, else the request itself).</summary>
    private static JsonObject? PagingOf(string operation, JsonObject request) =>
        (operation == AdaptorOperations.Query ? request["query"] : request)?["paging"] as JsonObject;

    /// <summary>A copy of <paramref name="request"/> asking <paramref name="limit"/> rows from <paramref name="offset"/>.</summary>
    private static JsonObject WithPaging(string operation, JsonObject request, int limit, int offset)
    {
        var copy = request.DeepClone().AsObject();
        var holder = operation == AdaptorOperations.Query ? copy["query"]!.AsObject() : copy;
        holder["paging"] = new JsonObject { ["limit"] = limit, ["offset"] = offset };
        return copy;
    }

    /// <summary>
    /// The page's <c>pagingMetadata</c>: its count and <c>hasNext</c>, with the adaptor's offset and total (the adaptor's
    /// cursors, if any, are its own and dropped: whoever serves cursor paging mints its own).
    /// </summary>
    private static JsonObject Metadata(JsonObject? adaptors, int count, bool hasNext)
    {
        var metadata = new JsonObject { ["count"] = count };
        foreach (var name in (ReadOnlySpan<string>)["offset", "total", "tooManyToCount"])
        {
            if (adaptors?[name] is { } value)
            {
                metadata[name] = value.DeepClone();
            }
        }
        metadata["hasNext"] = hasNext;
        return metadata;
    }
}
