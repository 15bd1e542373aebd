namespace ExternalDb.Protocol;

/// <summary>The system fields every collection has, with their V3 field types (adaptor-protocol.md §2.5).</summary>
public static class SystemFields
{
    /// <summary><c>_id</c>: the item's id.</summary>
    public const string Id = "_id";

    /// <summary><c>_createdDate</c>.</summary>
    public const string CreatedDate = "_createdDate";

    /// <summary><c>_updatedDate</c>.</summary>
    public const string UpdatedDate = "_updatedDate";

    /// <summary><c>_owner</c>: the id of the user who created the item.</summary>
    public const string Owner = "_owner";

    /// <summary>Each system field with its type, in the order a V3 collection lists them.</summary>
    public static readonly IReadOnlyList<(string Key, string Type)> All =
        [(Id, FieldTypes.Text), (CreatedDate, FieldTypes.DateTime), (UpdatedDate, FieldTypes.DateTime), (Owner, FieldTypes.Text)];

    /// <summary>The system fields' keys.</summary>
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(All.Select(f => f.Key), StringComparer.Ordinal);
}
