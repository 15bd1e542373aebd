using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Offset paging over a list the gateway holds whole (collections of every connection, a collection's indexes):
/// <c>paging.limit</c> (0 or absent: the default) and <c>paging.offset</c> in, one page and its metadata out.
/// </summary>
internal readonly record struct OffsetPaging(int Limit, int Offset)
{
    public static OffsetPaging Read(JsonObject query)
    {
        var requested = GatewayRequest.OptionalInt(JsonRead.Member(query["paging"], "limit"), "paging.limit", 0, PagingLimits.MaxPageSize) ?? 0;
        var offset = GatewayRequest.OptionalInt(JsonRead.Member(query["paging"], "offset"), "paging.offset", 0, int.MaxValue) ?? 0;
        return new OffsetPaging(requested == 0 ? PagingLimits.DefaultPageSize : requested, offset);
    }

    /// <summary><c>{<paramref name="member"/>: [page], pagingMetadata: {count, offset, total, tooManyToCount, hasNext}}</c>.</summary>
    public JsonObject Answer(string member, IReadOnlyList<JsonObject> all)
    {
        var page = all.Skip(Offset).Take(Limit).ToList();
        return new JsonObject
        {
            [member] = new JsonArray([.. page]),
            ["pagingMetadata"] = new JsonObject
            {
                ["count"] = page.Count,
                ["offset"] = Offset,
                ["total"] = all.Count,
                ["tooManyToCount"] = false,
                ["hasNext"] = Offset + page.Count < all.Count,
            },
        };
    }
}
