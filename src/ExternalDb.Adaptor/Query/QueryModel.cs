using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Query;

/// <summary>One sort key.</summary>
internal sealed record SortSpec(string Field, bool Descending);

/// <summary>A query over one collection.</summary>
internal sealed record ItemQuery(Filter Filter, IReadOnlyList<SortSpec> Sort, IReadOnlyList<string>? Fields, int Limit, int Offset, bool ReturnTotal)
{
    /// <summary>Reference fields whose referenced items are returned in full, with an optional per-item limit.</summary>
    public IReadOnlyList<(string Field, int? Limit)> Include { get; init; } = [];

    /// <summary>
    /// Cursor paging: true to learn where the page ends (<see cref="PageResult{T}.Keyset"/>), so that the next page can
    /// continue after its last row.
    /// </summary>
    public bool Keyset { get; init; }

    /// <summary>Continue after the row with these sort values (the sort's, then <c>_id</c>'s); the offset is then ignored.</summary>
    public IReadOnlyList<object?>? After { get; init; }
}

/// <summary>One aggregation operation: <c>avg|min|max|sum|count</c>.</summary>
internal sealed record AggregateOp(string ResultField, string Function, string? ItemField);

/// <summary>A grouped query.</summary>
internal sealed record AggregateSpec(Filter Initial, IReadOnlyList<string> GroupBy, IReadOnlyList<AggregateOp> Ops, Filter Final,
    IReadOnlyList<SortSpec> Sort, int Limit, int Offset, bool ReturnTotal);

/// <summary>Rows of a page, the total when asked for, and whether another page follows.</summary>
internal sealed record PageResult<T>(List<T> Items, long? Total, bool HasMore)
{
    /// <summary>The sort values (then <c>_id</c>) of the page's last row when another page follows and the query asked for them.</summary>
    public IReadOnlyList<object?>? Keyset { get; init; }
}

/// <summary>Parses sort and paging in both wire forms.</summary>
internal static class QueryParsing
{

    /// <summary>V3 <c>[{fieldName, order: ASC|DESC}]</c> or legacy <c>[{fieldName, direction: asc|desc}]</c>.</summary>
    public static List<SortSpec> Sort(JsonNode? node, string path)
    {
        // Like a filter, an absent, null or "" sort means none (some legacy callers send "").
        if (node is null || node is JsonValue v && v.TryGetValue<string>(out var text) && text.Length == 0)
        {
            return [];
        }
        if (node is JsonObject single)
        {
            node = new JsonArray(single.DeepClone());
        }
        if (node is not JsonArray array)
        {
            throw AdaptorException.Validation(path, "sort must be an array of {fieldName, order}", node);
        }
        var result = new List<SortSpec>();
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i] as JsonObject ?? throw AdaptorException.Validation($"{path}[{i}]", "A sort entry is {fieldName, order}", array[i]);
            var field = RequiredString(item["fieldName"], $"{path}[{i}].fieldName");
            var descending = item["order"] is not null || item["direction"] is null
                ? Descending(item["order"], $"{path}[{i}].order")
                : Descending(item["direction"], $"{path}[{i}].direction");
            result.Add(new SortSpec(field, descending));
        }
        return result;
    }

    public static int Limit(JsonNode? node, string path)
    {
        if (node is null)
        {
            return PagingLimits.DefaultPageSize;
        }
        var limit = Int(node, path);
        if (limit < 0 || limit > PagingLimits.MaxPageSize)
        {
            throw AdaptorException.Validation(path, $"limit must be between 0 and {PagingLimits.MaxPageSize}", node);
        }
        return (int)limit;
    }

    public static int Offset(JsonNode? node, string path)
    {
        if (node is null)
        {
            return 0;
        }
        var offset = Int(node, path);
        if (offset < 0 || offset > int.MaxValue)
        {
            throw AdaptorException.Validation(path, "offset must be zero or more", node);
        }
        return (int)offset;
    }

    private static long Int(JsonNode node, string path)
    {
        if (node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            && d == Math.Floor(d) && !double.IsInfinity(d))
        {
            return d > long.MaxValue ? long.MaxValue : (long)d;
        }
        if (node is JsonValue s && s.TryGetValue<string>(out var text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        throw AdaptorException.Validation(path, $"{path} must be an integer", node);
    }

    public static List<string>? StringList(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray a)
        {
            throw AdaptorException.Validation(path, $"{path} must be an array of strings", node);
        }
        return a.Select((x, i) => Str(x) ?? throw AdaptorException.Validation($"{path}[{i}]", $"{path}[{i}] must be a string", x)).ToList();
    }

    /// <summary><c>includeReferencedItems</c>: field keys, or <c>[{fieldKey, limit}]</c>.</summary>
    public static List<(string Field, int? Limit)> Includes(JsonNode? node)
    {
        var array = OptionalArray(node, "includeReferencedItems") ?? [];
        return [.. array.Select((x, i) => x switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => (s, (int?)null),
            JsonObject o when OptionalString(o["fieldKey"] ?? o["fieldName"], $"includeReferencedItems[{i}].fieldKey") is { } key =>
                (key, o["limit"] is null ? null : (int?)Limit(o["limit"], $"includeReferencedItems[{i}].limit")),
            _ => throw AdaptorException.Validation($"includeReferencedItems[{i}]", "Expected a field key or {fieldKey, limit}", x),
        })];
    }

    /// <summary>The text of a string node; null for anything else (for values the adaptor wrote itself).</summary>
    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    // Request members: absent and null are "not given"; any other type than the expected one is a VALIDATION_ERROR
    // naming the member, so that a wrong type is never silently read as a default.

    /// <summary>A string member that must be given.</summary>
    public static string RequiredString(JsonNode? node, string path) =>
        OptionalString(node, path) ?? throw AdaptorException.Validation(path, $"{path} is required");

    /// <summary>A string member, or null when not given.</summary>
    public static string? OptionalString(JsonNode? node, string path) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw AdaptorException.Validation(path, $"{path} must be a string", node),
    };

    /// <summary>A boolean member; false when not given.</summary>
    public static bool Bool(JsonNode? node, string path) => node switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw AdaptorException.Validation(path, $"{path} must be true or false", node),
    };

    /// <summary>An object member that must be given.</summary>
    public static JsonObject RequiredObject(JsonNode? node, string path) =>
        OptionalObject(node, path) ?? throw AdaptorException.Validation(path, $"{path} is required");

    /// <summary>An object member, or null when not given.</summary>
    public static JsonObject? OptionalObject(JsonNode? node, string path) => node switch
    {
        null => null,
        JsonObject o => o,
        _ => throw AdaptorException.Validation(path, $"{path} must be an object", node),
    };

    /// <summary>An array member, or null when not given.</summary>
    public static JsonArray? OptionalArray(JsonNode? node, string path) => node switch
    {
        null => null,
        JsonArray a => a,
        _ => throw AdaptorException.Validation(path, $"{path} must be an array", node),
    };

    /// <summary><c>ASC</c> (default) or <c>DESC</c>, in any case; true for descending.</summary>
    public static bool Descending(JsonNode? node, string path) => (OptionalString(node, path) ?? "ASC").ToUpperInvariant() switch
    {
        "ASC" => false,
        "DESC" => true,
        _ => throw AdaptorException.Validation(path, $"{path} must be ASC or DESC", node),
    };
}
