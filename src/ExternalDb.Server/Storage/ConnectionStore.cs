using ExternalDb.Server.Hosting;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Connections;
using Microsoft.Data.Sqlite;

namespace ExternalDb.Server.Storage;

/// <summary>A private key kept as its own type so that it is never printed or serialized by accident.</summary>
public sealed class PrivateKeyMaterial(byte[] pkcs8)
{
    public byte[] Pkcs8 { get; } = pkcs8;

    public override string ToString() => "[private key]";
}

/// <summary>A connection with what the API never shows: its signing key.</summary>
public sealed record StoredConnection(ExternalDatabaseConnection Connection, PrivateKeyMaterial? PrivateKey);

/// <summary>Raised when a name is already taken (compared case-insensitively).</summary>
public sealed class DuplicateConnectionNameException(string name)
    : Exception($"A connection named '{name}' already exists.");

/// <summary>The durable registry of connections, in SQLite, with secrets encrypted.</summary>
public sealed class ConnectionStore(Database database, SecretProtector protector)
{
    private const string Columns =
        "name, connection_type, endpoint, configuration, successful, cause_of_failure, has_collections, checked_date, latency_ms, status_message, " +
        "collection_modifications_supported, field_types, protocol_version, public_key, application_id, private_key, created_date, updated_date, name_key";

    /// <summary>The key names are compared by: case-insensitive, normalized.</summary>
    public static string NameKey(string name) => name.Normalize(NormalizationForm.FormC).ToUpperInvariant();

    public async Task<bool> ExistsAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM connections WHERE name_key = $key";
        command.Parameters.AddWithValue("$key", NameKey(name));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    public async Task<StoredConnection?> GetAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM connections WHERE name_key = $key";
        command.Parameters.AddWithValue("$key", NameKey(name));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The public key of the V3 connection whose application id is <paramref name="applicationId"/>.</summary>
    public async Task<string?> FindPublicKeyAsync(string applicationId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT public_key FROM connections WHERE application_id = $id";
        command.Parameters.AddWithValue("$id", applicationId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task<(IReadOnlyList<ExternalDatabaseConnection> Page, int Total)> ListAsync(int offset, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM connections";
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM connections ORDER BY seq LIMIT $limit OFFSET $offset";
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
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
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO connections ({Columns}) VALUES ($name, $type, $endpoint, $configuration, $successful, $cause, $has, $checked, $latency, $message, $mods, $fieldTypes, $protocol, $publicKey, $applicationId, $privateKey, $created, $updated, $key)";
        Bind(command, stored);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (SqliteException e) when (Database.IsUniqueViolation(e))
        {
            throw new DuplicateConnectionNameException(stored.Connection.Name);
        }
    }

    /// <summary>Replaces a stored connection (same name); false when it no longer exists.</summary>
    public async Task<bool> ReplaceAsync(StoredConnection stored, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE connections SET endpoint = $endpoint, configuration = $configuration, successful = $successful, cause_of_failure = $cause, " +
            "has_collections = $has, checked_date = $checked, latency_ms = $latency, status_message = $message, collection_modifications_supported = $mods, " +
            "field_types = $fieldTypes, protocol_version = $protocol, public_key = $publicKey, application_id = $applicationId, private_key = $privateKey, " +
            "updated_date = $updated WHERE name_key = $key AND name = $name AND connection_type = $type AND created_date = $created";
        Bind(command, stored);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Stores the result of a check, but only if the connection has not changed since it was read (an Update that
    /// finished meanwhile wins over a check of the old endpoint). False when it changed or no longer exists.
    /// </summary>
    public async Task<bool> UpdateStatusAsync(StoredConnection checkedConnection, DateTimeOffset previousUpdatedDate, CancellationToken ct)
    {
        var c = checkedConnection.Connection;
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE connections SET successful = $successful, cause_of_failure = $cause, has_collections = $has, checked_date = $checked, " +
            "latency_ms = $latency, status_message = $message, collection_modifications_supported = $mods, field_types = $fieldTypes, " +
            "protocol_version = $protocol, updated_date = $updated WHERE name_key = $key AND updated_date = $previous";
        Bind(command, checkedConnection);
        command.Parameters.AddWithValue("$previous", Date(previousUpdatedDate));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM connections WHERE name_key = $key";
        command.Parameters.AddWithValue("$key", NameKey(name));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private void Bind(SqliteCommand command, StoredConnection stored)
    {
        var c = stored.Connection;
        var key = NameKey(c.Name);
        var p = command.Parameters;
        p.AddWithValue("$name", c.Name);
        p.AddWithValue("$key", key);
        p.AddWithValue("$type", Enum(c.ConnectionType));
        p.AddWithValue("$endpoint", (object?)c.Endpoint ?? DBNull.Value);
        p.AddWithValue("$configuration", c.Configuration is null
            ? DBNull.Value
            : protector.Protect(Encoding.UTF8.GetBytes(c.Configuration.ToJsonString()), "configuration:" + key));
        p.AddWithValue("$successful", c.ConnectionStatus.Successful ? 1 : 0);
        p.AddWithValue("$cause", Enum(c.ConnectionStatus.CauseOfFailure));
        p.AddWithValue("$has", Enum(c.ConnectionStatus.HasCollections));
        p.AddWithValue("$checked", (object?)Date(c.ConnectionStatus.CheckedDate) ?? DBNull.Value);
        p.AddWithValue("$latency", (object?)c.ConnectionStatus.LatencyMs ?? DBNull.Value);
        p.AddWithValue("$message", (object?)c.ConnectionStatus.Message ?? DBNull.Value);
        p.AddWithValue("$mods", c.Capabilities.CollectionModificationsSupported ? 1 : 0);
        p.AddWithValue("$fieldTypes", JsonSerializer.Serialize(c.Capabilities.FieldTypes));
        p.AddWithValue("$protocol", Enum(c.ProtocolVersion));
        p.AddWithValue("$publicKey", (object?)c.PublicKey ?? DBNull.Value);
        p.AddWithValue("$applicationId", (object?)c.ApplicationId ?? DBNull.Value);
        p.AddWithValue("$privateKey", stored.PrivateKey is null ? DBNull.Value : protector.Protect(stored.PrivateKey.Pkcs8, "private-key:" + key));
        p.AddWithValue("$created", Date(c.CreatedDate));
        p.AddWithValue("$updated", Date(c.UpdatedDate));
    }

    private StoredConnection Read(SqliteDataReader r)
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
