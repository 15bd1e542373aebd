namespace ExternalDb.Protocol;

/// <summary>The field types of the legacy (V1/V2) schema model.</summary>
public static class LegacyFieldTypes
{
    /// <summary>The legacy FieldSpec types: <c>text, number, boolean, url, datetime, image, object</c>.</summary>
    public static readonly IReadOnlyList<string> All = ["text", "number", "boolean", "url", "datetime", "image", "object"];

    /// <summary>The legacy types under their FieldType names, in the FieldType enum's order.</summary>
    public static readonly IReadOnlyList<string> AsFieldTypes =
        [.. FieldTypes.V3.Where(t => All.Any(l => FieldTypes.FromLegacy(l) == t))];
}
