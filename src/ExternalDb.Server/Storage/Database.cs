using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Storage;

/// <summary>The embedded SQLite registry: opens connections with the durability pragmas and migrates the schema.</summary>
public sealed class Database
{
    private static readonly string[] Migrations =
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
    ];

    private readonly string _connectionString;
    private readonly string _readinessConnectionString;

    public Database(IOptions<StorageOptions> options)
    {
        var path = options.Value.DatabasePath;
        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
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

    /// <summary>Null when the registry can be reached and every migration has run; else why not (never a secret).</summary>
    public async Task<string?> ReadinessProblemAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = new SqliteConnection(_readinessConnectionString);
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            var version = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            return version >= Migrations.Length ? null : $"The registry's schema is at version {version} of {Migrations.Length}: migrations have not run.";
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 /* SQLITE_ERROR: no such table */)
        {
            return "The registry's schema has not been created: migrations have not run.";
        }
        catch (SqliteException)
        {
            return "The registry cannot be reached.";
        }
    }

    /// <summary>Creates the data directory readable by its owner only (it holds the registry and the encryption key).</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>An open connection with WAL, synchronous FULL and a busy timeout.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
        await pragmas.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>Brings the schema to the newest version, each migration in its own transaction.</summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_date TEXT NOT NULL)";
            await create.ExecuteNonQueryAsync(ct);
        }
        for (var version = 1; version <= Migrations.Length; version++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
            await using var check = connection.CreateCommand();
            check.Transaction = transaction;
            check.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = $v";
            check.Parameters.AddWithValue("$v", version);
            if (Convert.ToInt64(await check.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                continue;
            }
            await using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
#pragma warning disable CA2100 // The migrations are constants of this class.
            migrate.CommandText = Migrations[version - 1];
#pragma warning restore CA2100
            await migrate.ExecuteNonQueryAsync(ct);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, applied_date) VALUES ($v, $d)";
            record.Parameters.AddWithValue("$v", version);
            record.Parameters.AddWithValue("$d", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>Whether an exception is SQLite's UNIQUE constraint failure.</summary>
    public static bool IsUniqueViolation(SqliteException e) => e.SqliteErrorCode == 19 && e.SqliteExtendedErrorCode is 2067 or 1555;
}
