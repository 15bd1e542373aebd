using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ExternalDb.Server.Storage;

/// <summary>
/// The registry: the embedded SQLite file (default) or a PostgreSQL database shared by several servers
/// (<c>Storage:Provider</c>). Opens connections and migrates the schema; <see cref="Dialect"/> holds the few differences.
/// </summary>
internal sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _dataSource;

    public Database(IOptions<StorageOptions> options)
    {
        var o = options.Value;
        if (o.Provider == StorageProvider.Postgres)
        {
            _dataSource = NpgsqlDataSource.Create(o.ConnectionString!);
            Dialect = new PostgresRegistryDialect(_dataSource);
        }
        else
        {
            Dialect = new SqliteRegistryDialect(o);
        }
    }

    public RegistryDialect Dialect { get; }

    private int SchemaVersion => Dialect.Migrations.Count;

    /// <summary>Null when the registry can be reached and every migration has run; else why not (never a secret).</summary>
    public async Task<string?> ReadinessProblemAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await Dialect.OpenForReadinessAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            var version = Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            return version >= SchemaVersion ? null : $"The registry's schema is at version {version} of {SchemaVersion}: migrations have not run.";
        }
        catch (DbException e) when (Dialect.IsMissingTable(e))
        {
            return "The registry's schema has not been created: migrations have not run.";
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
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

    /// <summary>An open connection of the registry (SQLite: with WAL, synchronous FULL and a busy timeout).</summary>
    public Task<DbConnection> OpenAsync(CancellationToken ct) => Dialect.OpenAsync(ct);

    /// <summary>
    /// Brings the schema to the newest version, each migration in its own transaction. Safe when several servers start
    /// at once: each transaction first takes the migration lock (PostgreSQL: an advisory lock; SQLite: its one writer),
    /// then looks whether another server has applied that version meanwhile.
    /// </summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        for (var version = 1; version <= SchemaVersion; version++)
        {
            await using var transaction = await BeginMigrationAsync(connection, ct);
            await connection.ExecuteAsync(transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_date TEXT NOT NULL)", ct);
            await using var check = connection.Command(transaction, "SELECT COUNT(*) FROM schema_migrations WHERE version = @v").With("@v", version);
            if (Convert.ToInt64(await check.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0)
            {
                continue;
            }
            await connection.ExecuteAsync(transaction, Dialect.Migrations[version - 1], ct);
            await using var record = connection.Command(transaction, "INSERT INTO schema_migrations (version, applied_date) VALUES (@v, @d)")
                .With("@v", version)
                .With("@d", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>A transaction holding the migration lock: one-time changes of the registry's content run in it.</summary>
    public async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(Dialect.MigrationIsolation, ct);
        if (Dialect.MigrationLock.Length > 0)
        {
            await connection.ExecuteAsync(transaction, Dialect.MigrationLock, ct);
        }
        return transaction;
    }

    /// <summary>Whether an exception is the unique constraint failure of the registry's engine.</summary>
    public bool IsUniqueViolation(DbException e) => Dialect.IsUniqueViolation(e);

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}

/// <summary>Commands on either engine's connection, with <c>@name</c> parameters.</summary>
internal static class DbCommands
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // The registry's SQL is constants of the stores; values go in parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        return command;
    }

    public static DbCommand Command(this DbConnection connection, string sql) => connection.Command(null, sql);

    /// <summary>Adds the parameter <paramref name="name"/> (with its <c>@</c>); null is SQL NULL.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static async Task ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
