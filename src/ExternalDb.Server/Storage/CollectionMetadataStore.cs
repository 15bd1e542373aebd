using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Server.Hosting;
using System.Data.Common;

namespace ExternalDb.Server.Storage;

/// <summary>
/// What the gateway keeps about a collection beyond its adaptor (a JSON object per connection and collection id: display
/// names, Wix permissions, reference metadata). Rows go with their connection (<c>ON DELETE CASCADE</c>) and are removed
/// with their collection. Changes are optimistic (a version per row, retried when another writer came first), so
/// concurrent patches of one collection each apply in full.
/// </summary>
internal sealed class CollectionMetadataStore(Database database, TimeProvider time)
{
    private const int MaxAttempts = 100;

    /// <summary>The metadata kept for one collection, or null.</summary>
    public async Task<JsonObject?> GetAsync(string connectionName, string collectionId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await ReadAsync(connection, connectionName, collectionId, ct))?.Metadata;
    }

    /// <summary>The metadata kept for every collection of a connection, by collection id.</summary>
    public async Task<IReadOnlyDictionary<string, JsonObject>> ListAsync(string connectionName, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT m.collection_id, m.metadata FROM collection_metadata m JOIN connections c ON c.seq = m.connection_seq WHERE c.name_key = @key";
        command.With("@key", ConnectionStore.NameKey(connectionName));
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (JsonNode.Parse(reader.GetString(1)) is JsonObject metadata)
            {
                result[reader.GetString(0)] = metadata;
            }
        }
        return result;
    }

    /// <summary>
    /// Replaces a collection's metadata with what <paramref name="change"/> makes of the current one (null: none kept);
    /// a null result removes the row. Answers what was stored; nothing when the connection no longer exists.
    /// </summary>
    public async Task<JsonObject?> ChangeAsync(string connectionName, string collectionId, Func<JsonObject?, JsonObject?> change, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var key = ConnectionStore.NameKey(connectionName);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await ReadAsync(connection, connectionName, collectionId, ct);
            var next = change(current?.Metadata?.DeepClone().AsObject());
            await using var command = connection.CreateCommand();
            command.With("@key", key);
            command.With("@collection", collectionId);
            if (next is null)
            {
                if (current is null)
                {
                    return null;
                }
                command.CommandText =
                    "DELETE FROM collection_metadata WHERE collection_id = @collection AND version = @version " +
                    "AND connection_seq = (SELECT seq FROM connections WHERE name_key = @key)";
                command.With("@version", current.Value.Version);
            }
            else if (current is null)
            {
                command.CommandText =
                    "INSERT INTO collection_metadata (connection_seq, collection_id, metadata, version, updated_date) " +
                    "SELECT seq, @collection, @metadata, 1, @now FROM connections WHERE name_key = @key " +
                    "ON CONFLICT (connection_seq, collection_id) DO NOTHING";
            }
            else
            {
                command.CommandText =
                    "UPDATE collection_metadata SET metadata = @metadata, version = version + 1, updated_date = @now " +
                    "WHERE collection_id = @collection AND version = @version " +
                    "AND connection_seq = (SELECT seq FROM connections WHERE name_key = @key)";
                command.With("@version", current.Value.Version);
            }
            if (next is not null)
            {
                command.With("@metadata", next.ToJsonString());
                command.With("@now", time.GetUtcNow().ToWireString());
            }
            if (await command.ExecuteNonQueryAsync(ct) > 0)
            {
                return next;
            }
            if (current is null && next is not null && !await ConnectionExistsAsync(connection, key, ct))
            {
                return null;
            }
            // Another writer changed the row since it was read: read it again and apply the change to what it wrote.
        }
        throw new InvalidOperationException($"The metadata of collection {collectionId} kept changing under {MaxAttempts} attempts to change it.");
    }

    /// <summary>Forgets a collection's metadata (after the collection was deleted).</summary>
    public async Task DeleteAsync(string connectionName, string collectionId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "DELETE FROM collection_metadata WHERE collection_id = @collection AND connection_seq = (SELECT seq FROM connections WHERE name_key = @key)";
        command.With("@key", ConnectionStore.NameKey(connectionName));
        command.With("@collection", collectionId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<(JsonObject? Metadata, long Version)?> ReadAsync(DbConnection connection, string connectionName, string collectionId, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT m.metadata, m.version FROM collection_metadata m JOIN connections c ON c.seq = m.connection_seq " +
            "WHERE c.name_key = @key AND m.collection_id = @collection";
        command.With("@key", ConnectionStore.NameKey(connectionName));
        command.With("@collection", collectionId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return (JsonNode.Parse(reader.GetString(0)) as JsonObject, Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    private static async Task<bool> ConnectionExistsAsync(DbConnection connection, string key, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM connections WHERE name_key = @key";
        command.With("@key", key);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0;
    }
}
