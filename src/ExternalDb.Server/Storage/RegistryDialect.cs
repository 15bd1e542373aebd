using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

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

/// <summary>The embedded SQLite file: WAL, synchronous FULL, a busy timeout, one writer at a time.</summary>
internal sealed class SqliteRegistryDialect : RegistryDialect
{
    private static readonly string[] Scripts =
    [
        """
        CREATE TABLE connections (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            connection_type TEXT NOT NULL,
            endpoint TEXT NULL,
            configuration BLOB NULL,
            successful INTEGER NOT NULL,
            cause_of_failure TEXT NOT NULL,
            has_collections TEXT NOT NULL,
            checked_date TEXT NULL,
            latency_ms INTEGER NULL,
            status_message TEXT NULL,
            collection_modifications_supported INTEGER NOT NULL,
            field_types TEXT NOT NULL,
            protocol_version TEXT NOT NULL,
            public_key TEXT NULL,
            application_id TEXT NULL,
            private_key BLOB NULL,
            created_date TEXT NOT NULL,
            updated_date TEXT NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            permissions TEXT NOT NULL,
            key_hash BLOB NOT NULL UNIQUE,
            is_bootstrap INTEGER NOT NULL DEFAULT 0,
            created_date TEXT NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        // Status history, and the schedule of background checks whose rows are also the per-connection leases. The
        // history starts with each connection's last check; the first background checks spread over five minutes.
        """
        CREATE TABLE status_checks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            connection_seq INTEGER NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
            checked_date TEXT NOT NULL,
            successful INTEGER NOT NULL,
            cause_of_failure TEXT NOT NULL,
            latency_ms INTEGER NOT NULL,
            protocol_version TEXT NOT NULL,
            message TEXT NULL
        );
        CREATE INDEX status_checks_by_connection ON status_checks (connection_seq, id);
        CREATE TABLE check_schedule (
            connection_seq INTEGER PRIMARY KEY REFERENCES connections (seq) ON DELETE CASCADE,
            next_check_ms INTEGER NOT NULL,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            lease_holder TEXT NULL,
            lease_expires_ms INTEGER NULL
        );
        CREATE INDEX check_schedule_by_due ON check_schedule (next_check_ms);
        INSERT INTO status_checks (connection_seq, checked_date, successful, cause_of_failure, latency_ms, protocol_version, message)
            SELECT seq, checked_date, successful, cause_of_failure, COALESCE(latency_ms, 0), protocol_version, status_message
            FROM connections WHERE checked_date IS NOT NULL ORDER BY seq;
        INSERT INTO check_schedule (connection_seq, next_check_ms, consecutive_failures)
            SELECT seq, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + abs(random() % 300000), 1 - successful
            FROM connections;
        """,
        // What a collection's adaptor cannot keep (display names, Wix permissions, reference metadata), kept by the
        // gateway per connection and collection, and removed with the connection.
        """
        CREATE TABLE collection_metadata (
            connection_seq INTEGER NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
            collection_id TEXT NOT NULL,
            metadata TEXT NOT NULL,
            version INTEGER NOT NULL,
            updated_date TEXT NOT NULL,
            PRIMARY KEY (connection_seq, collection_id)
        );
        """,
        // Events: the outbox, written in the transaction of the change it tells of; one delivery per matching webhook,
        // fanned out in that same transaction, each delivery's attempts kept; deliveries' rows are also their leases.
        """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            event_time TEXT NOT NULL,
            connection_name TEXT NULL,
            data TEXT NOT NULL
        );
        CREATE TABLE webhooks (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            event_types TEXT NULL,
            connection_name TEXT NULL,
            connection_key TEXT NULL,
            secret BLOB NOT NULL,
            created_date TEXT NOT NULL
        );
        CREATE TABLE deliveries (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            event_seq INTEGER NOT NULL REFERENCES events (seq),
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            lease_holder TEXT NULL,
            lease_expires_ms INTEGER NULL,
            last_status_code INTEGER NULL,
            last_error TEXT NULL,
            created_date TEXT NOT NULL
        );
        CREATE INDEX deliveries_by_due ON deliveries (state, next_attempt_ms);
        CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, seq);
        CREATE TABLE delivery_attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_seq INTEGER NOT NULL REFERENCES deliveries (seq) ON DELETE CASCADE,
            attempted_date TEXT NOT NULL,
            status_code INTEGER NULL,
            error TEXT NULL,
            duration_ms INTEGER NOT NULL
        );
        CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_seq, id);
        """,
    ];

    private readonly string _connectionString;
    private readonly string _readinessConnectionString;

    public SqliteRegistryDialect(StorageOptions options)
    {
        var path = options.DatabasePath;
        Database.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        // Its own unpooled connection that never creates the file: a pooled one would still reach a registry that is gone.
        _readinessConnectionString = new SqliteConnectionStringBuilder(_connectionString)
        {
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
    }

    public override IReadOnlyList<string> Migrations => Scripts;

    // SQLite runs one writer at a time: a migration's transaction already excludes every other.
    public override string MigrationLock => "";

    public override System.Data.IsolationLevel MigrationIsolation => System.Data.IsolationLevel.Serializable;

    public override string SkipLocked => "";

    public override string? Notify => null;

    public override bool IsUniqueViolation(DbException e) =>
        e is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public override bool IsMissingTable(DbException e) => e is SqliteException { SqliteErrorCode: 1 /* SQLITE_ERROR: no such table */ };

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
        await pragmas.ExecuteNonQueryAsync(ct);
        return connection;
    }

    public override async Task<DbConnection> OpenForReadinessAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_readinessConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}

/// <summary>
/// A PostgreSQL database shared by several servers: migrations under an advisory lock, leases taken with
/// <c>FOR UPDATE SKIP LOCKED</c>, changes announced with <c>NOTIFY</c>.
/// </summary>
internal sealed class PostgresRegistryDialect(NpgsqlDataSource dataSource) : RegistryDialect
{
    /// <summary>The key of the advisory lock that serializes migrations ("extdb" in ASCII).</summary>
    private const long MigrationLockKey = 0x6578746462;

    private static readonly string[] Scripts =
    [
        """
        CREATE TABLE connections (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            connection_type TEXT NOT NULL,
            endpoint TEXT NULL,
            configuration BYTEA NULL,
            successful BIGINT NOT NULL,
            cause_of_failure TEXT NOT NULL,
            has_collections TEXT NOT NULL,
            checked_date TEXT NULL,
            latency_ms BIGINT NULL,
            status_message TEXT NULL,
            collection_modifications_supported BIGINT NOT NULL,
            field_types TEXT NOT NULL,
            protocol_version TEXT NOT NULL,
            public_key TEXT NULL,
            application_id TEXT NULL,
            private_key BYTEA NULL,
            created_date TEXT NOT NULL,
            updated_date TEXT NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT COLLATE "C" PRIMARY KEY,
            name TEXT NOT NULL,
            permissions TEXT NOT NULL,
            key_hash BYTEA NOT NULL UNIQUE,
            is_bootstrap BIGINT NOT NULL DEFAULT 0,
            created_date TEXT COLLATE "C" NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE status_checks (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            connection_seq BIGINT NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
            checked_date TEXT NOT NULL,
            successful BIGINT NOT NULL,
            cause_of_failure TEXT NOT NULL,
            latency_ms BIGINT NOT NULL,
            protocol_version TEXT NOT NULL,
            message TEXT NULL
        );
        CREATE INDEX status_checks_by_connection ON status_checks (connection_seq, id);
        CREATE TABLE check_schedule (
            connection_seq BIGINT PRIMARY KEY REFERENCES connections (seq) ON DELETE CASCADE,
            next_check_ms BIGINT NOT NULL,
            consecutive_failures BIGINT NOT NULL DEFAULT 0,
            lease_holder TEXT NULL,
            lease_expires_ms BIGINT NULL
        );
        CREATE INDEX check_schedule_by_due ON check_schedule (next_check_ms);
        INSERT INTO status_checks (connection_seq, checked_date, successful, cause_of_failure, latency_ms, protocol_version, message)
            SELECT seq, checked_date, successful, cause_of_failure, COALESCE(latency_ms, 0), protocol_version, status_message
            FROM connections WHERE checked_date IS NOT NULL ORDER BY seq;
        INSERT INTO check_schedule (connection_seq, next_check_ms, consecutive_failures)
            SELECT seq, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + floor(random() * 300000)::bigint, 1 - successful
            FROM connections;
        """,
        // What a collection's adaptor cannot keep (display names, Wix permissions, reference metadata), kept by the
        // gateway per connection and collection, and removed with the connection.
        """
        CREATE TABLE collection_metadata (
            connection_seq BIGINT NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
            collection_id TEXT NOT NULL,
            metadata TEXT NOT NULL,
            version BIGINT NOT NULL,
            updated_date TEXT NOT NULL,
            PRIMARY KEY (connection_seq, collection_id)
        );
        """,
        // Events: the outbox, written in the transaction of the change it tells of; one delivery per matching webhook,
        // fanned out in that same transaction, each delivery's attempts kept; deliveries' rows are also their leases.
        """
        CREATE TABLE events (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            event_time TEXT NOT NULL,
            connection_name TEXT NULL,
            data TEXT NOT NULL
        );
        CREATE TABLE webhooks (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            event_types TEXT NULL,
            connection_name TEXT NULL,
            connection_key TEXT NULL,
            secret BYTEA NOT NULL,
            created_date TEXT NOT NULL
        );
        CREATE TABLE deliveries (
            seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            event_seq BIGINT NOT NULL REFERENCES events (seq),
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_ms BIGINT NOT NULL,
            lease_holder TEXT NULL,
            lease_expires_ms BIGINT NULL,
            last_status_code BIGINT NULL,
            last_error TEXT NULL,
            created_date TEXT NOT NULL
        );
        CREATE INDEX deliveries_by_due ON deliveries (state, next_attempt_ms);
        CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, seq);
        CREATE TABLE delivery_attempts (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            delivery_seq BIGINT NOT NULL REFERENCES deliveries (seq) ON DELETE CASCADE,
            attempted_date TEXT NOT NULL,
            status_code BIGINT NULL,
            error TEXT NULL,
            duration_ms BIGINT NOT NULL
        );
        CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_seq, id);
        """,
    ];

    public override IReadOnlyList<string> Migrations => Scripts;

    public override string MigrationLock => $"SELECT pg_advisory_xact_lock({MigrationLockKey})";

    public override System.Data.IsolationLevel MigrationIsolation => System.Data.IsolationLevel.ReadCommitted;

    public override string SkipLocked => " FOR UPDATE SKIP LOCKED";

    public override string? Notify => "SELECT pg_notify(@channel, @payload)";

    public override bool IsUniqueViolation(DbException e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override bool IsMissingTable(DbException e) => e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);

    public override Task<DbConnection> OpenForReadinessAsync(CancellationToken ct) => OpenAsync(ct);

    /// <summary>A connection of its own, kept open to <c>LISTEN</c>.</summary>
    public async Task<NpgsqlConnection> OpenListenerAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);
}
