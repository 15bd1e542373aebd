namespace ExternalDb.Protocol;

/// <summary>Field type names of the data model (<c>capabilities.fieldTypes</c>, V3 <c>Field.type</c>).</summary>
public static class FieldTypes
{
    /// <summary><c>TEXT</c>.</summary>
    public const string Text = "TEXT";

    /// <summary><c>NUMBER</c>.</summary>
    public const string Number = "NUMBER";

    /// <summary><c>DATE</c>.</summary>
    public const string Date = "DATE";

    /// <summary><c>DATETIME</c>.</summary>
    public const string DateTime = "DATETIME";

    /// <summary><c>IMAGE</c>.</summary>
    public const string Image = "IMAGE";

    /// <summary><c>BOOLEAN</c>.</summary>
    public const string Boolean = "BOOLEAN";

    /// <summary><c>DOCUMENT</c>.</summary>
    public const string Document = "DOCUMENT";

    /// <summary><c>URL</c>.</summary>
    public const string Url = "URL";

    /// <summary><c>RICH_TEXT</c>.</summary>
    public const string RichText = "RICH_TEXT";

    /// <summary><c>VIDEO</c>.</summary>
    public const string Video = "VIDEO";

    /// <summary><c>ANY</c>.</summary>
    public const string Any = "ANY";

    /// <summary><c>ARRAY_STRING</c>.</summary>
    public const string ArrayString = "ARRAY_STRING";

    /// <summary><c>ARRAY_DOCUMENT</c>.</summary>
    public const string ArrayDocument = "ARRAY_DOCUMENT";

    /// <summary><c>AUDIO</c>.</summary>
    public const string Audio = "AUDIO";

    /// <summary><c>TIME</c>.</summary>
    public const string Time = "TIME";

    /// <summary><c>LANGUAGE</c>.</summary>
    public const string Language = "LANGUAGE";

    /// <summary><c>RICH_CONTENT</c>.</summary>
    public const string RichContent = "RICH_CONTENT";

    /// <summary><c>MEDIA_GALLERY</c>.</summary>
    public const string MediaGallery = "MEDIA_GALLERY";

    /// <summary><c>ADDRESS</c>.</summary>
    public const string Address = "ADDRESS";

    /// <summary><c>PAGE_LINK</c>.</summary>
    public const string PageLink = "PAGE_LINK";

    /// <summary><c>REFERENCE</c>.</summary>
    public const string Reference = "REFERENCE";

    /// <summary><c>MULTI_REFERENCE</c>.</summary>
    public const string MultiReference = "MULTI_REFERENCE";

    /// <summary><c>OBJECT</c>.</summary>
    public const string Object = "OBJECT";

    /// <summary><c>ARRAY</c>.</summary>
    public const string Array = "ARRAY";

    /// <summary>Every field type V3 adaptors may report in <c>supportedFieldTypes</c>, in the FieldType enum's order.</summary>
    public static readonly IReadOnlyList<string> V3 =
    [
        Text, Number, Date, DateTime, Image, Boolean, Document, Url, RichText, Video, Any, ArrayString, ArrayDocument, Audio, Time, Language, RichContent, MediaGallery, Address, PageLink, Reference, MultiReference, Object, Array,
    ];

    /// <summary>Every public field type of the connections API (V3's plus the deprecated legacy ones).</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(V3.Concat(
    [
        "LEGACY_TIME", "LEGACY_BOOK", "LEGACY_EXTERNAL_URL", "LEGACY_BROKEN_REFERENCE", "LEGACY_IMAGE",
        "LEGACY_COLOR", "LEGACY_EXTERNAL_VIDEO",
    ]), StringComparer.Ordinal);

    /// <summary>Whether <paramref name="type"/> is one of <see cref="V3"/>.</summary>
    public static bool IsV3(string type) => V3.Contains(type, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="type"/> holds a reference to another collection's items.</summary>
    public static bool IsReference(string? type) => type is Reference or MultiReference;

    /// <summary>Maps a legacy (V1/V2) lower-case column type to the field type name.</summary>
    public static string? FromLegacy(string? legacyType) => legacyType?.ToLowerInvariant() switch
    {
        "text" or "string" => Text,
        "number" => Number,
        "boolean" => Boolean,
        "url" => Url,
        "datetime" => DateTime,
        "date" => Date,
        "time" => Time,
        "image" => Image,
        "object" => Object,
        "array" => Array,
        "reference" => Reference,
        "multi_reference" or "multireference" => MultiReference,
        _ => null,
    };
}
