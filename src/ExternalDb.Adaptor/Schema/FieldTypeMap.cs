namespace ExternalDb.Adaptor.Schema;

/// <summary>Field types: how each is stored, which operators it supports, its legacy name.</summary>
internal static class FieldTypeMap
{
    public static readonly IReadOnlyList<string> SupportedTypes =
    [
        "TEXT", "NUMBER", "DATE", "DATETIME", "IMAGE", "BOOLEAN", "DOCUMENT", "URL", "RICH_TEXT", "VIDEO",
        "ANY", "ARRAY_STRING", "ARRAY_DOCUMENT", "AUDIO", "TIME", "LANGUAGE", "RICH_CONTENT", "MEDIA_GALLERY",
        "ADDRESS", "PAGE_LINK", "REFERENCE", "MULTI_REFERENCE", "OBJECT", "ARRAY",
    ];

    public static bool IsKnown(string type) => SupportedTypes.Contains(type, StringComparer.Ordinal);

    public static bool IsArrayType(string type) => type is "ARRAY" or "ARRAY_STRING" or "ARRAY_DOCUMENT" or "MEDIA_GALLERY";

    public static StorageKind StorageOf(string type) => type switch
    {
        "NUMBER" => StorageKind.Number,
        "BOOLEAN" => StorageKind.Boolean,
        "DATETIME" => StorageKind.DateTime,
        "OBJECT" or "ARRAY" or "ARRAY_STRING" or "ARRAY_DOCUMENT" or "ADDRESS" or "RICH_CONTENT" or "MEDIA_GALLERY" or "ANY" => StorageKind.Json,
        "MULTI_REFERENCE" => StorageKind.None,
        _ => StorageKind.Text,
    };

    /// <summary>The V3 query operators implemented for a field, exactly what the translator accepts.</summary>
    public static IReadOnlyList<string> QueryOperators(FieldInfo field) => field.Storage switch
    {
        StorageKind.Text or StorageKind.Other =>
            ["EQ", "NE", "LT", "LTE", "GT", "GTE", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "HAS_SOME", "URLIZED", "EXISTS"],
        StorageKind.Number or StorageKind.DateTime => ["EQ", "NE", "LT", "LTE", "GT", "GTE", "HAS_SOME", "EXISTS"],
        StorageKind.Boolean => ["EQ", "NE", "HAS_SOME", "EXISTS"],
        StorageKind.Json when field.IsArray => ["HAS_SOME", "HAS_ALL", "EXISTS"],
        StorageKind.Json => ["EQ", "NE", "EXISTS"],
        _ => [],
    };

    /// <summary>The filter operators (with <c>$</c>) accepted for a field.</summary>
    public static bool Accepts(FieldInfo field, string op)
    {
        if (op is "$eq" or "$ne" or "$exists")
        {
            return field.IsColumn;
        }
        var ops = QueryOperators(field);
        return op switch
        {
            "$lt" => ops.Contains("LT"),
            "$lte" => ops.Contains("LTE"),
            "$gt" => ops.Contains("GT"),
            "$gte" => ops.Contains("GTE"),
            "$in" or "$hasSome" => ops.Contains("HAS_SOME"),
            "$hasAll" => ops.Contains("HAS_ALL"),
            "$contains" => ops.Contains("CONTAINS"),
            "$startsWith" => ops.Contains("STARTS_WITH"),
            "$endsWith" => ops.Contains("ENDS_WITH"),
            "$urlized" or "$matches" => ops.Contains("URLIZED"),
            _ => false,
        };
    }

    /// <summary>True for a field holding JSON objects, whose keys can be queried as <c>field.key</c> paths.</summary>
    public static bool HasNestedPaths(FieldInfo field) => field.Storage == StorageKind.Json && !field.IsArray;

    /// <summary>The V3 query operators of a nested path (<c>field.key</c>) inside such a field.</summary>
    public static readonly IReadOnlyList<string> NestedQueryOperators =
        ["EQ", "NE", "LT", "LTE", "GT", "GTE", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "HAS_SOME", "HAS_ALL", "URLIZED", "EXISTS"];

    /// <summary>The legacy operator names (no <c>$</c>) of a nested path.</summary>
    public static readonly IReadOnlyList<string> LegacyNestedQueryOperators =
        ["eq", "ne", "lt", "lte", "gt", "gte", "startsWith", "endsWith", "contains", "hasSome", "hasAll", "urlized", "matches", "exists", "and", "or", "not"];

    public static bool IsSortable(FieldInfo field) => field.Storage is StorageKind.Text or StorageKind.Number or StorageKind.Boolean or StorageKind.DateTime or StorageKind.Other;

    /// <summary>The legacy (V1/V2) type name.</summary>
    public static string? LegacyType(FieldInfo field) => field.Type switch
    {
        "NUMBER" => "number",
        "BOOLEAN" => "boolean",
        "URL" => "url",
        "DATETIME" => "datetime",
        "IMAGE" => "image",
        "MULTI_REFERENCE" => "multi_reference",
        "REFERENCE" => "reference",
        _ when field.Storage == StorageKind.Json => "object",
        _ => "text",
    };

    /// <summary>Legacy operator names (no <c>$</c>).</summary>
    public static IReadOnlyList<string> LegacyQueryOperators(FieldInfo field) => field.Storage switch
    {
        StorageKind.Text or StorageKind.Other => ["eq", "ne", "lt", "lte", "gt", "gte", "startsWith", "endsWith", "contains", "hasSome", "urlized", "matches", "exists", "and", "or", "not"],
        StorageKind.Number or StorageKind.DateTime => ["eq", "ne", "lt", "lte", "gt", "gte", "hasSome", "exists", "and", "or", "not"],
        StorageKind.Boolean => ["eq", "ne", "hasSome", "exists", "and", "or", "not"],
        StorageKind.Json when field.IsArray => ["hasSome", "hasAll", "exists", "and", "or", "not"],
        StorageKind.None => [],
        _ => ["eq", "ne", "exists", "and", "or", "not"],
    };

    /// <summary>The field type of a legacy <c>/schemas/column/add</c> column.</summary>
    public static string? FromLegacyColumn(string? type, string? subtype) => (type?.ToLowerInvariant(), subtype?.ToLowerInvariant()) switch
    {
        ("text" or "string", _) => "TEXT",
        ("number", _) => "NUMBER",
        ("boolean", _) => "BOOLEAN",
        ("url", _) => "URL",
        ("image", _) => "IMAGE",
        ("object" or "json", _) => "OBJECT",
        ("array", _) => "ARRAY",
        ("datetime", "date") => "DATE",
        ("datetime", "time") => "TIME",
        ("datetime" or "date", _) => "DATETIME",
        ("reference", _) => "REFERENCE",
        ("multi_reference" or "multireference", _) => "MULTI_REFERENCE",
        _ => null,
    };
}
