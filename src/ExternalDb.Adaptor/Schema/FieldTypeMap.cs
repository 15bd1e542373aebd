using ExternalDb.Protocol;
using Op = ExternalDb.Protocol.QueryOperators.Capabilities;

namespace ExternalDb.Adaptor.Schema;

/// <summary>Field types: how each is stored, which operators it supports, its legacy name.</summary>
internal static class FieldTypeMap
{
    public static bool IsKnown(string type) => FieldTypes.IsV3(type);

    public static bool IsArrayType(string type) => type is FieldTypes.Array or FieldTypes.ArrayString or FieldTypes.ArrayDocument or FieldTypes.MediaGallery;

    public static StorageKind StorageOf(string type) => type switch
    {
        FieldTypes.Number => StorageKind.Number,
        FieldTypes.Boolean => StorageKind.Boolean,
        FieldTypes.DateTime => StorageKind.DateTime,
        FieldTypes.Object or FieldTypes.Array or FieldTypes.ArrayString or FieldTypes.ArrayDocument or FieldTypes.Address
            or FieldTypes.RichContent or FieldTypes.MediaGallery or FieldTypes.Any => StorageKind.Json,
        FieldTypes.MultiReference => StorageKind.None,
        _ => StorageKind.Text,
    };

    private static readonly string[] Comparisons = [Op.Eq, Op.Ne, Op.Lt, Op.Lte, Op.Gt, Op.Gte];

    /// <summary>The V3 query operators implemented for a field, exactly what the translator accepts.</summary>
    public static IReadOnlyList<string> QueryOperators(FieldInfo field) => field.Storage switch
    {
        StorageKind.Text or StorageKind.Other => [.. Comparisons, Op.StartsWith, Op.EndsWith, Op.Contains, Op.HasSome, Op.Urlized, Op.Exists],
        StorageKind.Number or StorageKind.DateTime => [.. Comparisons, Op.HasSome, Op.Exists],
        StorageKind.Boolean => [Op.Eq, Op.Ne, Op.HasSome, Op.Exists],
        StorageKind.Json when field.IsArray => [Op.HasSome, Op.HasAll, Op.Exists],
        StorageKind.Json => [Op.Eq, Op.Ne, Op.Exists],
        _ => [],
    };

    /// <summary>The filter operators (with <c>$</c>) accepted for a field.</summary>
    public static bool Accepts(FieldInfo field, string op)
    {
        if (op is Protocol.QueryOperators.Eq or Protocol.QueryOperators.Ne or Protocol.QueryOperators.Exists)
        {
            return field.IsColumn;
        }
        return Protocol.QueryOperators.CapabilityOf(op) is { } capability && QueryOperators(field).Contains(capability);
    }

    /// <summary>True for a field holding JSON objects, whose keys can be queried as <c>field.key</c> paths.</summary>
    public static bool HasNestedPaths(FieldInfo field) => field.Storage == StorageKind.Json && !field.IsArray;

    /// <summary>The V3 query operators of a nested path (<c>field.key</c>) inside such a field.</summary>
    public static readonly IReadOnlyList<string> NestedQueryOperators =
        [.. Comparisons, Op.StartsWith, Op.EndsWith, Op.Contains, Op.HasSome, Op.HasAll, Op.Urlized, Op.Exists];

    /// <summary>The legacy operator names (no <c>$</c>) of a nested path.</summary>
    public static readonly IReadOnlyList<string> LegacyNestedQueryOperators = Legacy(NestedQueryOperators);

    /// <summary>Legacy operator names (no <c>$</c>): the field's V3 operators, <c>matches</c> beside <c>urlized</c>, then the logical ones.</summary>
    public static IReadOnlyList<string> LegacyQueryOperators(FieldInfo field) =>
        field.Storage == StorageKind.None ? [] : Legacy(QueryOperators(field));

    private static string[] Legacy(IEnumerable<string> capabilities) =>
    [
        .. capabilities.SelectMany(c => c == Op.Urlized ? [Protocol.QueryOperators.Urlized, Protocol.QueryOperators.Matches] : new[] { Protocol.QueryOperators.OperatorOf(c)! })
            .Select(Protocol.QueryOperators.LegacyName),
        .. Protocol.QueryOperators.Logical.Select(Protocol.QueryOperators.LegacyName),
    ];

    public static bool IsSortable(FieldInfo field) => field.Storage is StorageKind.Text or StorageKind.Number or StorageKind.Boolean or StorageKind.DateTime or StorageKind.Other;

    /// <summary>The legacy (V1/V2) type name.</summary>
    public static string? LegacyType(FieldInfo field) => field.Type switch
    {
        FieldTypes.Number => "number",
        FieldTypes.Boolean => "boolean",
        FieldTypes.Url => "url",
        FieldTypes.DateTime => "datetime",
        FieldTypes.Image => "image",
        FieldTypes.MultiReference => "multi_reference",
        FieldTypes.Reference => "reference",
        _ when field.Storage == StorageKind.Json => "object",
        _ => "text",
    };

    /// <summary>The field type of a legacy <c>/schemas/column/add</c> column.</summary>
    public static string? FromLegacyColumn(string? type, string? subtype) => (type?.ToLowerInvariant(), subtype?.ToLowerInvariant()) switch
    {
        ("object" or "json", _) => FieldTypes.Object,
        ("datetime", "date") => FieldTypes.Date,
        ("datetime", "time") => FieldTypes.Time,
        ("datetime" or "date", _) => FieldTypes.DateTime,
        ("time", _) => null,
        var (t, _) => FieldTypes.FromLegacy(t),
    };
}
