using ExternalDb.Server.Hosting;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Storage;

/// <summary>The durable registry of connections (SQLite or PostgreSQL), with secrets encrypted.</summary>
internal sealed class ConnectionStore(
    Database database, SecretProtector protector, StatusHistoryStore history, EventOutbox outbox, RegistryChanges changes, TimeProvider time)
{
    private const string Columns =
        "name, connection_type, endpoint, configuration, successful, cause_of_failure, has_collections, checked_date, latency_ms, status_message, " +
        "collection_modifications_supported, field_types, protocol_version, public_key, application_id, private_key, created_date, updated_date, name_key";

    private const string NameKeyVersionSetting = "connection_name_key_version";
    private const string NameKeyVersion = "2";

    private long _queries;

    /// <summary>
    /// The form names are compared by: NFC, case-folded (upper, lower, then upper again, so that ẞ and ß are one letter),
    /// NFC again. Invalid UTF-16 (an unpaired surrogate) has no key: the empty key matches no connection.
    /// </summary>
    public static string NameKey(string name) => ConnectionNames.IsValidText(name)
        ? ConnectionNames.Nfc(ConnectionNames.Nfc(name).ToUpperInvariant().ToLowerInvariant().ToUpperInvariant())
        : "";

    /// <summary>
    /// Brings rows written before names were normalized to NFC and keyed by <see cref="NameKey"/>'s version 2 (version 1
    /// was NFC and upper case only): each name is stored in NFC and re-keyed, its secrets encrypted again for the new
    /// key. Two old names that now share a key both stay; the later one keeps its old key (reachable through List only)
    /// and a warning names it. Runs once per registry.
    /// </summary>
    public async Task MigrateNameKeysAsync(ILogger logger, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await database.BeginMigrationAsync(connection, ct);
        await using (var version = connection.CreateCommand())
        {
            version.Transaction = transaction;
            version.CommandText = "SELECT value FROM settings WHERE key = @key";
            version.With("@key", NameKeyVersionSetting);
            if (await version.ExecuteScalarAsync(ct) as string == NameKeyVersion)
            {
                return;
            }
        }

        var rows = new List<(long Seq, string Name, string Key, byte[]? Configuration, byte[]? PrivateKey)>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT seq, name, name_key, configuration, private_key FROM connections ORDER BY seq";
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3), reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4)));
            }
        }
        var taken = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var name = ConnectionNames.IsValidText(row.Name) ? ConnectionNames.Nfc(row.Name) : row.Name;
            var key = NameKey(name);
            if (key.Length == 0 || (key != row.Key && taken.Contains(key)))
            {
                logger.LogWarning("Connection {Connection} keeps its old name key: its name now equals another connection's name", row.Name);
                key = row.Key;
            }
            if (key == row.Key && name == row.Name)
            {
                continue;
            }
            taken.Remove(row.Key);
            taken.Add(key);
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE connections SET name = @name, name_key = @key, configuration = @configuration, private_key = @privateKey WHERE seq = @seq";
            update.With("@seq", row.Seq);
            update.With("@name", name);
            update.With("@key", key);
            update.With("@configuration", (object?)Reprotect(row.Configuration, "configuration:", row.Key, key) ?? DBNull.Value);
            update.With("@privateKey", (object?)Reprotect(row.PrivateKey, "private-key:", row.Key, key) ?? DBNull.Value);
            await update.ExecuteNonQueryAsync(ct);
        }

        await using (var record = connection.CreateCommand())
        {
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
            record.With("@key", NameKeyVersionSetting);
            record.With("@value", NameKeyVersion);
            await record.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    private byte[]? Reprotect(byte[]? protectedData, string purpose, string oldKey, string newKey) =>
        protectedData is null || oldKey == newKey ? protectedData : protector.Protect(protector.Unprotect(protectedData, purpose + oldKey), purpose + newKey);

    /// <summary>How many times the connections were read or written (tests prove with it what a warm cache spares).</summary>
    internal long Queries => Interlocked.Read(ref _queries);

    private Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _queries);
        return database.OpenAsync(ct);
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM connections WHERE name_key = @key";
        command.With("@key", NameKey(name));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<StoredConnection?> GetAsync(string name, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM connections WHERE name_key = @key";
        command.With("@key", NameKey(name));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The public key of the V3 connection whose application id is <paramref name="applicationId"/>.</summary>
    public async Task<string?> FindPublicKeyAsync(string applicationId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT public_key FROM connections WHERE application_id = @id";
        command.With("@id", applicationId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task<(IReadOnlyList<ExternalDatabaseConnection> Page, int Total)> ListAsync(int offset, int limit, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        // One snapshot for the total and the page (PostgreSQL's default READ COMMITTED would let a create land between).
        await using var transaction = await database.Dialect.BeginSnapshotAsync(connection, ct);
        await using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = "SELECT COUNT(*) FROM connections";
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM connections ORDER BY seq LIMIT @limit OFFSET @offset";
        command.With("@limit", limit);
        command.With("@offset", offset);
        var page = new List<ExternalDatabaseConnection>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                page.Add(Read(reader).Connection);
            }
        }
        await transaction.CommitAsync(ct);
        return (page, total);
    }

    /// <summary>Stores a new connection; throws <see cref="DuplicateConnectionNameException"/> when the name is taken.</summary>
    public async Task InsertAsync(StoredConnection stored, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO connections ({Columns}) VALUES (@name, @type, @endpoint, @configuration, @successful, @cause, @has, @checked, @latency, @message, @mods, @fieldTypes, @protocol, @publicKey, @applicationId, @privateKey, @created, @updated, @key) RETURNING seq";
        Bind(command, stored);
        long seq;
        try
        {
            seq = (long)(await command.ExecuteScalarAsync(ct))!;
        }
        catch (DbException e) when (database.IsUniqueViolation(e))
        {
            throw new DuplicateConnectionNameException(stored.Connection.Name);
        }
        await RecordCheckAsync(connection, transaction, seq, stored.Connection, ct);
        await outbox.AppendAsync(connection, transaction, OutboxEvent.Connection(EventTypes.ConnectionCreated, stored.Connection, time.UtcNowToMillisecond()), ct);
        await changes.PublishAsync(connection, transaction, RegistryChangeKind.Connection, stored.Connection.Name, ct);
        await transaction.CommitAsync(ct);
        outbox.Wake();
    }

    /// <summary>Replaces a stored connection (same name); false when it no longer exists.</summary>
    public async Task<bool> ReplaceAsync(StoredConnection stored, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE connections SET endpoint = @endpoint, configuration = @configuration, successful = @successful, cause_of_failure = @cause, " +
            "has_collections = @has, checked_date = @checked, latency_ms = @latency, status_message = @message, collection_modifications_supported = @mods, " +
            "field_types = @fieldTypes, protocol_version = @protocol, public_key = @publicKey, application_id = @applicationId, private_key = @privateKey, " +
            "updated_date = @updated WHERE name_key = @key AND name = @name AND connection_type = @type AND created_date = @created RETURNING seq";
        Bind(command, stored);
        return await ExecuteWithCheckAsync(connection, command, stored.Connection,
            OutboxEvent.Connection(EventTypes.ConnectionUpdated, stored.Connection, time.UtcNowToMillisecond()), ct);
    }

    /// <summary>
    /// Stores the result of a check, but only if the connection has not changed since it was read (an Update that
    /// finished meanwhile wins over a check of the old endpoint). False when it changed or no longer exists.
    /// </summary>
    public async Task<bool> UpdateStatusAsync(StoredConnection checkedConnection, DateTimeOffset previousUpdatedDate, ConnectionStatus previousStatus, CancellationToken ct)
    {
        var c = checkedConnection.Connection;
        await using var connection = await OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE connections SET successful = @successful, cause_of_failure = @cause, has_collections = @has, checked_date = @checked, " +
            "latency_ms = @latency, status_message = @message, collection_modifications_supported = @mods, field_types = @fieldTypes, " +
            "protocol_version = @protocol, updated_date = @updated WHERE name_key = @key AND updated_date = @previous RETURNING seq";
        Bind(command, checkedConnection);
        command.With("@previous", Date(previousUpdatedDate));
        var statusChanged = previousStatus.Successful != c.ConnectionStatus.Successful || previousStatus.CauseOfFailure != c.ConnectionStatus.CauseOfFailure;
        return await ExecuteWithCheckAsync(connection, command, c,
            statusChanged ? OutboxEvent.Connection(EventTypes.ConnectionStatusChanged, c, time.UtcNowToMillisecond(), previousStatus) : null, ct);
    }

    /// <summary>
    /// Runs an UPDATE ... RETURNING seq and, when it changed the connection, records its check and the event it is (if
    /// any), and tells the other servers, in one transaction.
    /// </summary>
    private async Task<bool> ExecuteWithCheckAsync(DbConnection connection, DbCommand command, ExternalDatabaseConnection checkedConnection, OutboxEvent? change, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        command.Transaction = transaction;
        if (await command.ExecuteScalarAsync(ct) is not long seq)
        {
            return false;
        }
        await RecordCheckAsync(connection, transaction, seq, checkedConnection, ct);
        if (change is not null)
        {
            await outbox.AppendAsync(connection, transaction, change, ct);
        }
        await changes.PublishAsync(connection, transaction, RegistryChangeKind.Connection, checkedConnection.Name, ct);
        await transaction.CommitAsync(ct);
        if (change is not null)
        {
            outbox.Wake();
        }
        return true;
    }

    private Task RecordCheckAsync(DbConnection connection, DbTransaction transaction, long seq, ExternalDatabaseConnection checkedConnection, CancellationToken ct) =>
        history.RecordAsync(connection, transaction, seq, checkedConnection.ConnectionStatus, checkedConnection.ProtocolVersion, ct);

    /// <summary>Deletes a connection: whether it existed, and its application id if it had one.</summary>
    public async Task<(bool Found, string? ApplicationId)> DeleteAsync(string name, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = connection.Command(transaction, $"DELETE FROM connections WHERE name_key = @key RETURNING {Columns}").With("@key", NameKey(name));
        StoredConnection deleted;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return (false, null);
            }
            deleted = Read(reader);
        }
        await outbox.AppendAsync(connection, transaction, OutboxEvent.Connection(EventTypes.ConnectionDeleted, deleted.Connection, time.UtcNowToMillisecond()), ct);
        await changes.PublishAsync(connection, transaction, RegistryChangeKind.Connection, deleted.Connection.Name, ct);
        await transaction.CommitAsync(ct);
        outbox.Wake();
        return (true, deleted.Connection.ApplicationId);
    }

    private void Bind(DbCommand command, StoredConnection stored)
    {
        var c = stored.Connection;
        var key = NameKey(c.Name);
        command.With("@name", c.Name);
        command.With("@key", key);
        command.With("@type", Enum(c.ConnectionType));
        command.With("@endpoint", (object?)c.Endpoint ?? DBNull.Value);
        command.With("@configuration", c.Configuration is null
            ? DBNull.Value
            : protector.Protect(Encoding.UTF8.GetBytes(c.Configuration.ToJsonString()), "configuration:" + key));
        command.With("@successful", c.ConnectionStatus.Successful ? 1 : 0);
        command.With("@cause", Enum(c.ConnectionStatus.CauseOfFailure));
        command.With("@has", Enum(c.ConnectionStatus.HasCollections));
        command.With("@checked", (object?)Date(c.ConnectionStatus.CheckedDate) ?? DBNull.Value);
        command.With("@latency", (object?)c.ConnectionStatus.LatencyMs ?? DBNull.Value);
        command.With("@message", (object?)c.ConnectionStatus.Message ?? DBNull.Value);
        command.With("@mods", c.Capabilities.CollectionModificationsSupported ? 1 : 0);
        command.With("@fieldTypes", JsonSerializer.Serialize(c.Capabilities.FieldTypes));
        command.With("@protocol", Enum(c.ProtocolVersion));
        command.With("@publicKey", (object?)c.PublicKey ?? DBNull.Value);
        command.With("@applicationId", (object?)c.ApplicationId ?? DBNull.Value);
        command.With("@privateKey", stored.PrivateKey is null ? DBNull.Value : protector.Protect(stored.PrivateKey.Pkcs8, "private-key:" + key));
        command.With("@created", Date(c.CreatedDate));
        command.With("@updated", Date(c.UpdatedDate));
    }

    private StoredConnection Read(DbDataReader r)
    {
        var name = r.GetString(0);
        var key = r.GetString(18);
        JsonObject? configuration = null;
        if (!r.IsDBNull(3))
        {
            var json = protector.Unprotect((byte[])r.GetValue(3), "configuration:" + key);
            configuration = JsonNode.Parse(json)!.AsObject();
        }
        var connection = new ExternalDatabaseConnection
        {
            Name = name,
            ConnectionType = Parse<ConnectionType>(r.GetString(1)),
            Endpoint = r.IsDBNull(2) ? null : r.GetString(2),
            Configuration = configuration,
            ConnectionStatus = new ConnectionStatus
            {
                Successful = r.GetInt64(4) == 1,
                CauseOfFailure = Parse<CauseOfFailure>(r.GetString(5)),
                HasCollections = Parse<CollectionsFound>(r.GetString(6)),
                CheckedDate = r.IsDBNull(7) ? null : DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture),
                LatencyMs = r.IsDBNull(8) ? null : r.GetInt64(8),
                Message = r.IsDBNull(9) ? null : r.GetString(9),
            },
            Capabilities = new ConnectionCapabilities
            {
                CollectionModificationsSupported = r.GetInt64(10) == 1,
                FieldTypes = JsonSerializer.Deserialize<string[]>(r.GetString(11)) ?? [],
            },
            ProtocolVersion = Parse<ProtocolVersion>(r.GetString(12)),
            PublicKey = r.IsDBNull(13) ? null : r.GetString(13),
            ApplicationId = r.IsDBNull(14) ? null : r.GetString(14),
            CreatedDate = DateTimeOffset.Parse(r.GetString(16), CultureInfo.InvariantCulture),
            UpdatedDate = DateTimeOffset.Parse(r.GetString(17), CultureInfo.InvariantCulture),
        };
        var privateKey = r.IsDBNull(15) ? null : new PrivateKeyMaterial(protector.Unprotect((byte[])r.GetValue(15), "private-key:" + key));
        return new StoredConnection(connection, privateKey);
    }

    private static string Enum<T>(T value) where T : struct, System.Enum => value.ToString();

    private static T Parse<T>(string value) where T : struct, System.Enum => System.Enum.Parse<T>(value);

    private static string? Date(DateTimeOffset? date) => date?.ToWireString();

    private static string Date(DateTimeOffset date) => Date((DateTimeOffset?)date)!;
}
