using System.Data.Common;

namespace ExternalDb.Server.Storage;

/// <summary>
/// What differs between the registry's engines; everything else (the stores' SQL with <c>@name</c> parameters,
/// <c>RETURNING</c>, <c>ON CONFLICT</c>) is written once for both.
/// </summary>
internal abstract class RegistryDialect
{
    /// <summary>The schema, one script per version; version N is <c>Migrations[N - 1]</c>.</summary>
    public abstract IReadOnlyList<string> Migrations { get; }

    /// <summary>Run first in each migration's transaction: holds other servers' migrations off until it commits (or nothing).</summary>
    public abstract string MigrationLock { get; }

    /// <summary>
    /// The isolation of a migration's transaction: on SQLite serializable (its one writer); on PostgreSQL read committed,
    /// so that the statements after <see cref="MigrationLock"/> see what the server that held the lock before committed.
    /// </summary>
    public abstract System.Data.IsolationLevel MigrationIsolation { get; }

    /// <summary>
    /// A read-only transaction whose statements all see one snapshot (a total and its page). PostgreSQL: REPEATABLE
    /// READ (its default READ COMMITTED takes a snapshot per statement).
    /// </summary>
    public virtual async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

    /// <summary>Appended to a <c>SELECT</c> of due checks, so that a row another server is claiming is passed over.</summary>
    public abstract string SkipLocked { get; }

    /// <summary>A statement (parameters <c>@channel</c>, <c>@payload</c>) that tells the servers listening on a channel, or null when none can listen.</summary>
    public abstract string? Notify { get; }

    public abstract bool IsUniqueViolation(DbException e);

    /// <summary>Whether the statement failed because a table does not exist (the schema was never created).</summary>
    public abstract bool IsMissingTable(DbException e);

    /// <summary>An open connection of the registry.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>An open connection for the readiness check, which must not create or reach a registry that is gone.</summary>
    public abstract Task<DbConnection> OpenForReadinessAsync(CancellationToken ct);
}
