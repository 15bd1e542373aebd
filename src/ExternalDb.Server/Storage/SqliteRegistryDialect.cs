using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ExternalDb.Server.Storage;

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

    /// <summary>
    /// A deferred transaction: in WAL mode its first read fixes the snapshot, and it takes no write lock. (Any other
    /// isolation level makes Microsoft.Data.Sqlite begin IMMEDIATE, which queues a list behind every writer.)
    /// </summary>
    public override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

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
