using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>Reads values out of V3 requests and legacy answers; a malformed request is a <c>VALIDATION_ERROR</c>.</summary>
internal static class LegacyJson
{
    public static string RequireString(JsonObject request, string name) =>
        JsonRead.Text(request[name]) is { Length: > 0 } s ? s : throw Invalid($"'{name}' must be a non-empty string.");

    public static JsonArray RequireArray(JsonObject request, string name) =>
        request[name] as JsonArray ?? throw Invalid($"'{name}' must be an array.");

    public static AdaptorCallException Invalid(string message) =>
        new(AdaptorFailure.AdaptorError, message, null, AdaptorErrorCodes.ValidationError);

    public static AdaptorCallException BadAnswer(string path, string what) =>
        new(AdaptorFailure.BadAnswer, $"The adaptor's answer to {path} {what}.") { Path = path };

    /// <summary>
    /// The objects of an answer's array <paramref name="name"/>, taken out of the answer so that they can be placed in
    /// the V3 answer as they are; any other shape is not the protocol.
    /// </summary>
    public static List<JsonObject> RequireObjects(JsonObject answer, string name, string path) =>
        TakeObjects(answer, name, path) ?? throw BadAnswer(path, $"has no '{name}' array");

    /// <summary>As <see cref="RequireObjects"/>, but null when the answer has no such array.</summary>
    public static List<JsonObject>? TakeObjects(JsonObject answer, string name, string path)
    {
        if (answer[name] is not JsonArray array)
        {
            return answer[name] is null ? null : throw BadAnswer(path, $"has a '{name}' that is not an array");
        }
        var list = new List<JsonObject>(array.Count);
        foreach (var node in array)
        {
            list.Add(node as JsonObject ?? throw BadAnswer(path, $"has an entry of '{name}' that is not an object"));
        }
        array.Clear(); // detaches the entries from their parent
        return list;
    }

    /// <summary>A JSON array of nodes that belong to no other parent.</summary>
    public static JsonArray Array(IEnumerable<JsonNode?> nodes) => new([.. nodes]);

    /// <summary>The string <c>_id</c> of an item, or null.</summary>
    public static string? Id(JsonObject item) => JsonRead.Text(item["_id"]);

    /// <summary>The array of strings <paramref name="values"/>.</summary>
    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>A value at a field name, or at a dotted path when no field has that exact name.</summary>
    public static JsonNode? ValueAt(JsonObject item, string fieldName)
    {
        if (item.TryGetPropertyValue(fieldName, out var direct))
        {
            return direct;
        }
        JsonNode? current = item;
        foreach (var part in fieldName.Split('.'))
        {
            if (current is not JsonObject o || !o.TryGetPropertyValue(part, out current))
            {
                return null;
            }
        }
        return current;
    }
}

/// <summary>Offset paging of a V3 request: <c>paging{limit, offset}</c>, or <c>cursorPaging{limit}</c> read from offset 0.</summary>
internal readonly record struct LegacyPaging(int Limit, int Offset)
{
    public static LegacyPaging Read(JsonObject? holder)
    {
        if (holder?["paging"] is JsonObject paging)
        {
            return new LegacyPaging(ReadLimit(paging), ReadOffset(paging));
        }
        if (holder?["cursorPaging"] is JsonObject cursor)
        {
            return new LegacyPaging(ReadLimit(cursor), 0);
        }
        return new LegacyPaging(PagingLimits.DefaultPageSize, 0);
    }

    /// <summary>
    /// The page's <c>pagingMetadata</c>: <c>hasNext</c> wherever the total is known (<paramref name="knownTotal"/>), the
    /// total itself only when the request asked for it.
    /// </summary>
    public JsonObject Metadata(int count, long? knownTotal, bool returnTotal)
    {
        var metadata = new JsonObject { ["count"] = count, ["offset"] = Offset };
        if (knownTotal is { } t)
        {
            if (returnTotal)
            {
                metadata["total"] = t;
            }
            metadata["hasNext"] = Offset + count < t;
        }
        return metadata;
    }

    public IEnumerable<T> Apply<T>(IEnumerable<T> all) => all.Skip(Offset).Take(Limit);

    private static int ReadLimit(JsonObject paging) => paging["limit"] switch
    {
        null => PagingLimits.DefaultPageSize,
        var n when JsonRead.Integer(n) is { } l && l >= 0 && l <= int.MaxValue => (int)l,
        _ => throw LegacyJson.Invalid("paging.limit must be a non-negative integer."),
    };

    private static int ReadOffset(JsonObject paging) => paging["offset"] switch
    {
        null => 0,
        var n when JsonRead.Integer(n) is { } o && o >= 0 && o <= int.MaxValue => (int)o,
        _ => throw LegacyJson.Invalid("paging.offset must be a non-negative integer."),
    };
}
