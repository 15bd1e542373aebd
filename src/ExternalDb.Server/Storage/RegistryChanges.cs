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

    public async Task PublishAsync(RegistryChangeKind kind, string connectionName, CancellationToken ct)
    {
        if (database.Dialect.Notify is not { } notify)
        {
            return;
        }
        try
        {
            await using var connection = await database.OpenAsync(ct);
            await using var command = connection.Command(notify)
                .With("@channel", Channel)
                .With("@payload", Payload(kind, ConnectionStore.NameKey(connectionName)));
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            // The change itself is committed; other servers read it again when their entry's time bound ends.
            logger.LogWarning("Other servers could not be told of a change of connection {Connection} ({ExceptionType})", connectionName, e.GetType().Name);
        }
    }

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
