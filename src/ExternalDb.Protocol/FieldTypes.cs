namespace ExternalDb.Protocol;

/// <summary>Field type names of the data model (<c>capabilities.fieldTypes</c>, V3 <c>Field.type</c>).</summary>
public static class FieldTypes
{
    /// <summary>Every field type V3 adaptors may report in <c>supportedFieldTypes</c>.</summary>
    public static readonly IReadOnlyList<string> V3 =
    [
        "TEXT", "NUMBER", "DATE", "DATETIME", "IMAGE", "BOOLEAN", "DOCUMENT", "URL", "RICH_TEXT", "VIDEO",
        "ANY", "ARRAY_STRING", "ARRAY_DOCUMENT", "AUDIO", "TIME", "LANGUAGE", "RICH_CONTENT", "MEDIA_GALLERY",
        "ADDRESS", "PAGE_LINK", "REFERENCE", "MULTI_REFERENCE", "OBJECT", "ARRAY",
    ];

    /// <summary>Every public field type of the connections API (V3's plus the deprecated legacy ones).</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(V3.Concat(
    [
        "LEGACY_TIME", "LEGACY_BOOK", "LEGACY_EXTERNAL_URL", "LEGACY_BROKEN_REFERENCE", "LEGACY_IMAGE",
        "LEGACY_COLOR", "LEGACY_EXTERNAL_VIDEO",
    ]), StringComparer.Ordinal);

    /// <summary>Maps a legacy (V1/V2) lower-case column type to the field type name.</summary>
    public static string? FromLegacy(string? legacyType) => legacyType?.ToLowerInvariant() switch
    {
        "text" or "string" => "TEXT",
        "number" => "NUMBER",
        "boolean" => "BOOLEAN",
        "url" => "URL",
        "datetime" => "DATETIME",
        "date" => "DATE",
        "time" => "TIME",
        "image" => "IMAGE",
        "object" => "OBJECT",
        "array" => "ARRAY",
        "reference" => "REFERENCE",
        "multi_reference" or "multireference" => "MULTI_REFERENCE",
        _ => null,
    };
}
