using System.Data.Common;

namespace ExternalDb.Server.Storage;

/// <summary>What another server may hold in a cache and must read again.</summary>
internal enum RegistryChangeKind
{
    /// <summary>A connection was created, updated, checked or deleted: its resolved entry is stale.</summary>
    Connection,

    /// <summary>A collection of a connection was created, updated or deleted through the gateway: its cached schemas are stale.</summary>
    Schemas,
}

/// <summary>
/// Tells the other servers sharing a PostgreSQL registry that a committed change made their cached copy stale, with
/// <c>NOTIFY</c> on <see cref="Channel"/> (payload: kind, origin and the connection's name key, on three lines). On SQLite, where one
/// server owns the registry, it does nothing (the caches' time bounds still cover a second process on the same file).
/// </summary>
internal sealed class RegistryChanges(Database database, ILogger<RegistryChanges> logger)
{
    public const string Channel = "externaldb_registry_changes";

    /// <summary>
    /// Tells of a change in the transaction that makes it: PostgreSQL delivers the notification when the transaction
    /// commits, and never when it rolls back.
    /// </summary>
    public async Task PublishAsync(DbConnection connection, DbTransaction transaction, RegistryChangeKind kind, string connectionName, CancellationToken ct)
    {
        if (NotifyCommand(connection, kind, connectionName) is { } command)
        {
            await using (command)
            {
                command.Transaction = transaction;
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>Tells of a change committed elsewhere than in the registry (a collection changed through its adaptor).</summary>
    public async Task PublishAsync(RegistryChangeKind kind, string connectionName, CancellationToken ct)
    {
        if (database.Dialect.Notify is null)
        {
            return;
        }
        try
        {
            await using var connection = await database.OpenAsync(ct);
            await using var command = NotifyCommand(connection, kind, connectionName)!;
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            // The change itself is made; other servers read it again when their entry's time bound ends.
            logger.LogWarning("Other servers could not be told of a change of connection {Connection} ({ExceptionType})", connectionName, e.GetType().Name);
        }
    }

    private DbCommand? NotifyCommand(DbConnection connection, RegistryChangeKind kind, string connectionName) =>
        database.Dialect.Notify is { } notify
            ? connection.Command(notify).With("@channel", Channel).With("@payload", Payload(kind, ConnectionStore.NameKey(connectionName)))
            : null;

    /// <summary>This server's mark on what it publishes: it has already dropped its own entries, so it skips them when they come back.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("N");

    private string Payload(RegistryChangeKind kind, string nameKey) => $"{kind}\n{Origin}\n{nameKey}";

    /// <summary>The change a payload tells of, or null when it is not one of ours or came from this very server.</summary>
    internal (RegistryChangeKind Kind, string NameKey)? FromOtherServer(string payload)
    {
        var parts = payload.Split('\n', 3);
        return parts.Length == 3 && parts[1] != Origin && Enum.TryParse<RegistryChangeKind>(parts[0], out var kind) ? (kind, parts[2]) : null;
    }
}
