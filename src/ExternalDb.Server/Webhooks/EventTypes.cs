namespace ExternalDb.Server.Webhooks;

/// <summary>
/// The event types the server writes to its outbox: Wix's names for connection and item changes, ours for a
/// connection's status change and a webhook's ping. API validation, the writers and the documentation use these.
/// </summary>
internal static class EventTypes
{
    public const string ConnectionCreated = "wix.data.v1.external_database_connection_created";
    public const string ConnectionUpdated = "wix.data.v1.external_database_connection_updated";
    public const string ConnectionDeleted = "wix.data.v1.external_database_connection_deleted";

    /// <summary>Ours: a check (background or <c>/probe</c>) changed <c>successful</c> or <c>causeOfFailure</c>.</summary>
    public const string ConnectionStatusChanged = "wix.data.v1.external_database_connection_status_changed";

    public const string ItemCreated = "wix.data.v2.data_item_created";
    public const string ItemUpdated = "wix.data.v2.data_item_updated";
    public const string ItemDeleted = "wix.data.v2.data_item_deleted";

    /// <summary>Ours: sent to one webhook only, by <c>POST /v1/webhooks/{id}/ping</c>; not subscribable.</summary>
    public const string Ping = "webhook.ping";

    /// <summary>The Wix entity of connection events (<c>metadata.entityFqdn</c>).</summary>
    public const string ConnectionEntity = "wix.data.v1.external_database_connection";

    /// <summary>What a webhook may subscribe to (all of them when it names none).</summary>
    public static readonly IReadOnlyList<string> Subscribable =
    [
        ConnectionCreated, ConnectionUpdated, ConnectionDeleted, ConnectionStatusChanged, ItemCreated, ItemUpdated, ItemDeleted,
    ];

    public static bool IsSubscribable(string type) => Subscribable.Contains(type, StringComparer.Ordinal);
}
