using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Hosting;

namespace ExternalDb.Server.Webhooks;

/// <summary>An event as the outbox keeps it; its delivery body is <c>{"id", "type", "timestamp", "data"}</c>.</summary>
internal sealed record OutboxEvent(string Id, string Type, DateTimeOffset Time, string? ConnectionName, JsonObject Data)
{
    private static readonly JsonSerializerOptions ApiJson = CreateApiJson();

    /// <summary>The body every delivery of this event posts.</summary>
    public string Body() => new JsonObject
    {
        ["id"] = Id,
        ["type"] = Type,
        ["timestamp"] = Time.ToWireString(),
        ["data"] = Data.DeepClone(),
    }.ToJsonString();

    /// <summary>
    /// A connection event, the Wix way: <c>{"entity": connection, "metadata": {...}}</c> for created, updated and status
    /// changed (with the previous status), <c>{"metadata"}</c> only for deleted. The connection is shown as to a key
    /// without the secrets permission: configuration values masked.
    /// </summary>
    public static OutboxEvent Connection(string type, ExternalDatabaseConnection connection, DateTimeOffset time, ConnectionStatus? previousStatus = null)
    {
        var id = NewId();
        var metadata = new JsonObject
        {
            ["id"] = id,
            ["entityFqdn"] = EventTypes.ConnectionEntity,
            ["slug"] = type[(EventTypes.ConnectionEntity.Length + 1)..],
            ["entityId"] = connection.Name,
            ["eventTime"] = time.ToWireString(),
        };
        var data = new JsonObject();
        if (type != EventTypes.ConnectionDeleted)
        {
            var shown = connection.Configuration is null ? connection : connection with { Configuration = ConfigurationMask.Mask(connection.Configuration) };
            data["entity"] = JsonSerializer.SerializeToNode(shown, ApiJson);
        }
        if (previousStatus is not null)
        {
            metadata["previousConnectionStatus"] = JsonSerializer.SerializeToNode(previousStatus, ApiJson);
        }
        data["metadata"] = metadata;
        return new OutboxEvent(id, type, time, connection.Name, data);
    }

    /// <summary>An item written through the gateway: <c>{"dataCollectionId", "dataItem"}</c>.</summary>
    public static OutboxEvent ItemWritten(string type, string connectionName, string dataCollectionId, JsonObject dataItem, DateTimeOffset time) =>
        new(NewId(), type, time, connectionName, new JsonObject { ["dataCollectionId"] = dataCollectionId, ["dataItem"] = dataItem });

    /// <summary>An item removed through the gateway: <c>{"dataCollectionId", "dataItemId"}</c>.</summary>
    public static OutboxEvent ItemRemoved(string connectionName, string dataCollectionId, string dataItemId, DateTimeOffset time) =>
        new(NewId(), EventTypes.ItemDeleted, time, connectionName, new JsonObject { ["dataCollectionId"] = dataCollectionId, ["dataItemId"] = dataItemId });

    /// <summary>The ping of one webhook: <c>{"webhookId"}</c>.</summary>
    public static OutboxEvent Ping(string webhookId, DateTimeOffset time) =>
        new(NewId(), EventTypes.Ping, time, null, new JsonObject { ["webhookId"] = webhookId });

    private static string NewId() => "evt_" + Guid.CreateVersion7().ToString("N");

    private static JsonSerializerOptions CreateApiJson()
    {
        var options = new JsonSerializerOptions();
        ServerApp.ConfigureJson(options);
        return options;
    }
}
