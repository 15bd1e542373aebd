using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ExternalDb.Client;

/// <summary>
/// A data collection (Wix Data Collections v2). External collections are named
/// <c>connectionName/collectionId</c> and have <see cref="CollectionType"/> <c>EXTERNAL</c>.
/// To create one, set <see cref="Id"/>, at least one field and <see cref="Permissions"/>; to update one,
/// also send the current <see cref="Revision"/> (an update is a full replacement).
/// </summary>
public sealed record DataCollection
{
    /// <summary>The collection ID, e.g. <c>myDb/products</c>.</summary>
    public string? Id { get; init; }

    /// <summary><c>NATIVE</c>, <c>WIX_APP</c>, <c>BLOCKS_APP</c> or <c>EXTERNAL</c> (read-only).</summary>
    public string? CollectionType { get; init; }

    /// <summary>The app that defined the collection, if any (read-only).</summary>
    public string? OwnerAppId { get; init; }

    /// <summary>The largest page a query may ask for (read-only).</summary>
    public int? MaxPageSize { get; init; }

    /// <summary>The name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The field shown when the collection is referenced.</summary>
    public string? DisplayField { get; init; }

    /// <summary>What the collection supports (read-only).</summary>
    public DataCollectionCapabilities? Capabilities { get; init; }

    /// <summary>The collection's fields.</summary>
    public IReadOnlyList<DataCollectionField>? Fields { get; init; }

    /// <summary>The lowest role allowed per action.</summary>
    public DataCollectionPermissions? Permissions { get; init; }

    /// <summary>Increments on each update; required when updating (read-only otherwise).</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? Revision { get; init; }

    /// <summary>The collection's plugins, as JSON objects.</summary>
    public IReadOnlyList<JsonObject>? Plugins { get; init; }

    /// <summary>The paging modes the collection supports: <c>OFFSET</c>, <c>CURSOR</c> (read-only).</summary>
    public IReadOnlyList<string>? PagingModes { get; init; }

    /// <summary>When the collection was created (read-only).</summary>
    public DateTimeOffset? CreatedDate { get; init; }

    /// <summary>When the collection was last changed (read-only).</summary>
    public DateTimeOffset? UpdatedDate { get; init; }
}

/// <summary>What a collection supports.</summary>
public sealed record DataCollectionCapabilities
{
    /// <summary>The item operations allowed, e.g. <c>FIND</c>, <c>GET</c>, <c>INSERT</c>, <c>BULK_INSERT</c>, <c>TRUNCATE</c>.</summary>
    public IReadOnlyList<string> DataOperations { get; init; } = [];

    /// <summary>The structure operations allowed: <c>UPDATE</c>, <c>REMOVE</c>.</summary>
    public IReadOnlyList<string> CollectionOperations { get; init; } = [];

    /// <summary>How many indexes the collection may have (zeros when its adaptor offers none or does not say).</summary>
    public DataCollectionIndexLimits? IndexLimits { get; init; }
}

/// <summary>How many indexes a collection may have, besides its primary key's.</summary>
public sealed record DataCollectionIndexLimits
{
    /// <summary>Indexes that are not unique.</summary>
    public int Regular { get; init; }

    /// <summary>Unique indexes.</summary>
    public int Unique { get; init; }

    /// <summary>Indexes in all.</summary>
    public int Total { get; init; }
}

/// <summary>A field of a collection.</summary>
public sealed record DataCollectionField
{
    /// <summary>The field's key, as used in item data.</summary>
    public string? Key { get; init; }

    /// <summary>The name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The field type: <c>TEXT</c>, <c>NUMBER</c>, <c>BOOLEAN</c>, <c>DATE</c>, <c>DATETIME</c>, <c>REFERENCE</c>, <c>OBJECT</c>, ...</summary>
    public string? Type { get; init; }

    /// <summary>Type details, e.g. <c>{"reference": {"referencedCollectionId": "..."}}</c>.</summary>
    public JsonObject? TypeMetadata { get; init; }

    /// <summary>Whether this is a system field such as <c>_id</c> (read-only).</summary>
    public bool? SystemField { get; init; }

    /// <summary>How the field can be queried (read-only).</summary>
    public DataCollectionFieldCapabilities? Capabilities { get; init; }

    /// <summary>Whether the field is encrypted.</summary>
    public bool? Encrypted { get; init; }

    /// <summary>A description of the field.</summary>
    public string? Description { get; init; }
}

/// <summary>How a field can be queried.</summary>
public sealed record DataCollectionFieldCapabilities
{
    /// <summary>Whether queries can sort by the field.</summary>
    public bool Sortable { get; init; }

    /// <summary>The filter operators allowed on it: <c>EQ</c>, <c>NE</c>, <c>LT</c>, <c>STARTS_WITH</c>, <c>HAS_SOME</c>, ...</summary>
    public IReadOnlyList<string> QueryOperators { get; init; } = [];
}

/// <summary>The lowest role allowed per action: <c>ADMIN</c>, <c>SITE_MEMBER_AUTHOR</c>, <c>SITE_MEMBER</c> or <c>ANYONE</c>.</summary>
/// <param name="Insert">Who may insert.</param>
/// <param name="Update">Who may update.</param>
/// <param name="Remove">Who may remove.</param>
/// <param name="Read">Who may read.</param>
public sealed record DataCollectionPermissions(string Insert, string Update, string Remove, string Read)
{
    /// <summary>Only administrators may do anything.</summary>
    public static DataCollectionPermissions AdminOnly { get; } = new("ADMIN", "ADMIN", "ADMIN", "ADMIN");
}

/// <summary>A page of collections.</summary>
public sealed record ListDataCollectionsResponse
{
    /// <summary>The collections of this page, by ID.</summary>
    public IReadOnlyList<DataCollection> Collections { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public PagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>Reads a revision sent either as a string (Wix's int64 form) or as a number.</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.GetInt64().ToString(CultureInfo.InvariantCulture),
        _ => reader.GetString(),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
