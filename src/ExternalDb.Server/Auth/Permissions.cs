namespace ExternalDb.Server.Auth;

/// <summary>Permission IDs an API key can hold. <see cref="Admin"/> holds them all.</summary>
internal static class Permissions
{
    public const string Admin = "ADMIN";

    public const string CreateConnection = "WIX_DATA.CREATE_EXTERNAL_DATABASE_CONNECTION";
    public const string GetConnection = "WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION";
    public const string ListConnections = "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS";
    public const string UpdateConnection = "WIX_DATA.UPDATE_EXTERNAL_DATABASE_CONNECTION";
    public const string DeleteConnection = "WIX_DATA.DELETE_EXTERNAL_DATABASE_CONNECTION";

    /// <summary>
    /// Reading a connection's <c>configuration</c> values (usually secrets). Without it, Get, List, Create, Update and
    /// Probe answers carry the configuration's structure with every value masked. No grouped grant includes it.
    /// </summary>
    public const string ReadConnectionSecrets = "WIX_DATA.READ_EXTERNAL_DATABASE_CONNECTION_SECRETS";

    /// <summary>Grouped grants: each stands for the permissions listed under it.</summary>
    public const string DataRead = "DATA_READ";
    public const string DataWrite = "DATA_WRITE";
    public const string CollectionsManage = "COLLECTIONS_MANAGE";

    /// <summary>Read permissions of the data gateway (Wix Data Items permission IDs).</summary>
    public static readonly IReadOnlyList<string> DataReadPermissions =
    [
        "WIX_DATA.GET", "WIX_DATA.QUERY", "WIX_DATA.COUNT", "WIX_DATA.AGGREGATE", "WIX_DATA.QUERY_DISTINCT_VALUES",
        "WIX_DATA.QUERY_REFERENCED", "WIX_DATA.IS_REFERENCED", "WIX_DATA.LIST_COLLECTIONS", "WIX_DATA.GET_COLLECTION",
        "WIX_DATA.LIST_INDEXES",
    ];

    /// <summary>Write permissions of the data gateway.</summary>
    public static readonly IReadOnlyList<string> DataWritePermissions =
    [
        "WIX_DATA.INSERT", "WIX_DATA.UPDATE", "WIX_DATA.SAVE", "WIX_DATA.REMOVE", "WIX_DATA.TRUNCATE",
        "WIX_DATA.BULK_INSERT", "WIX_DATA.BULK_UPDATE", "WIX_DATA.BULK_SAVE", "WIX_DATA.BULK_REMOVE", "WIX_DATA.PATCH", "WIX_DATA.BULK_PATCH",
        "WIX_DATA.INSERT_REFERENCE", "WIX_DATA.REMOVE_REFERENCE", "WIX_DATA.BULK_INSERT_REFERENCES",
        "WIX_DATA.BULK_REMOVE_REFERENCES", "WIX_DATA.REPLACE_REFERENCES",
    ];

    /// <summary>Collection management permissions of the data gateway.</summary>
    public static readonly IReadOnlyList<string> CollectionsManagePermissions =
    [
        "WIX_DATA.CREATE_COLLECTION", "WIX_DATA.UPDATE_COLLECTION", "WIX_DATA.DELETE_COLLECTION",
        "WIX_DATA.CREATE_COLLECTION_FIELD", "WIX_DATA.UPDATE_COLLECTION_FIELD", "WIX_DATA.DELETE_COLLECTION_FIELD",
        "WIX_DATA.CREATE_INDEX", "WIX_DATA.DROP_INDEX",
    ];

    /// <summary>Every permission a key may be given.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(
        new[] { Admin, CreateConnection, GetConnection, ListConnections, UpdateConnection, DeleteConnection, ReadConnectionSecrets, DataRead, DataWrite, CollectionsManage }
            .Concat(DataReadPermissions).Concat(DataWritePermissions).Concat(CollectionsManagePermissions),
        StringComparer.Ordinal);

    /// <summary>Whether a key holding <paramref name="held"/> may do what <paramref name="required"/> guards.</summary>
    public static bool Grants(IEnumerable<string> held, string required)
    {
        foreach (var permission in held)
        {
            if (permission == Admin || permission == required)
            {
                return true;
            }
            var group = permission switch
            {
                DataRead => DataReadPermissions,
                DataWrite => DataWritePermissions,
                CollectionsManage => CollectionsManagePermissions,
                _ => null,
            };
            if (group is not null && group.Contains(required))
            {
                return true;
            }
        }
        return false;
    }
}
