using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using NpgsqlTypes;

namespace ExternalDb.Bench;

/// <summary>How a column stores its values; decides how a parameter is bound, as the adaptor's dialects do.</summary>
internal enum ColumnKind
{
    Text,
    Number,
    Boolean,
    DateTime,
}

/// <summary>A parameter of a raw statement, named <c>@p0</c>, <c>@p1</c>... in order, as the adaptor names them.</summary>
internal readonly record struct RawParam(object? Value, ColumnKind Kind);

/// <summary>
/// The engine's own ADO.NET driver, used the way the adaptor uses it: a pooled connection per unit of work, every
/// value a parameter bound with the type the adaptor's dialect gives it (so the server sees the same statements).
/// </summary>
internal abstract class RawDriver : IAsyncDisposable
{
    public abstract string Engine { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The ORDER BY term of a text column, ascending (the adaptor's <c>_id</c> tie-breaker).</summary>
    public abstract string OrderTextAscending(string quotedColumn);

    /// <summary>The ORDER BY term of a number column, descending.</summary>
    public abstract string OrderNumberDescending(string quotedColumn);

    /// <summary>The three statements the adaptor's catalog runs before every operation to learn a collection's fields.</summary>
    public abstract IReadOnlyList<string> CatalogStatements { get; }

    /// <summary>True where the adaptor's writes answer from their own statement (RETURNING, ON CONFLICT DO NOTHING): SQLite and PostgreSQL.</summary>
    public virtual bool ReturnsWrittenRows => true;

    /// <summary>What the adaptor sends on every connection it opens, before its own statements (MySQL sets the session).</summary>
    public virtual IReadOnlyList<string> SessionStatements => [];

    /// <summary>Identifier quotes and the multi-row UPDATE of this engine.</summary>
    public virtual SqlShape Shape => SqlShape.Ansi;

    /// <summary>The isolation level of write transactions, the adaptor's dialect's (MySQL: READ COMMITTED).</summary>
    public virtual System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.Unspecified;

    /// <summary>What follows the existence check of an update, which locks the rows in id order (ItemStore.LockClause).</summary>
    public virtual string LockRows(string quotedId) => " ORDER BY " + OrderTextAscending(quotedId) + " FOR UPDATE";

    /// <summary>A column in CREATE INDEX (MySQL indexes a prefix of a LONGTEXT).</summary>
    public virtual string IndexedText(string quotedColumn) => quotedColumn;

    /// <summary>Refreshes the planner's statistics of <paramref name="table"/>.</summary>
    public virtual string Analyze(BenchTable table) => "ANALYZE";

    protected abstract void Bind(DbCommand command, string name, RawParam param);

    public DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, IReadOnlyList<RawParam> ps)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
#pragma warning disable CA2100 // Benchmark SQL is built from fixed table and column names; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        for (var i = 0; i < ps.Count; i++)
        {
            Bind(command, "p" + i.ToString(CultureInfo.InvariantCulture), ps[i]);
        }
        return command;
    }

    /// <summary>Runs a statement and reads every value of every row (as the adaptor does before making JSON); returns the row count.</summary>
    public async Task<int> ReadRowsAsync(DbConnection connection, DbTransaction? tx, string sql, IReadOnlyList<RawParam> ps, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql, ps);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = 0;
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            reader.GetValues(values);
            rows++;
        }
        return rows;
    }

    /// <summary>Runs several statements as one command (one round trip) and reads every value; returns the row count of each result.</summary>
    public async Task<List<int>> ReadResultsAsync(DbConnection connection, DbTransaction? tx, string sql, IReadOnlyList<RawParam> ps, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql, ps);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var counts = new List<int>();
        do
        {
            var rows = 0;
            var values = new object[reader.FieldCount];
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                reader.GetValues(values);
                rows++;
            }
            counts.Add(rows);
        }
        while (await reader.NextResultAsync(ct).ConfigureAwait(false));
        return counts;
    }

    public async Task<long> ScalarAsync(DbConnection connection, DbTransaction? tx, string sql, IReadOnlyList<RawParam> ps, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql, ps);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, IReadOnlyList<RawParam> ps, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql, ps);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Set-up SQL (DDL, VACUUM...) outside the measured loops.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, null, sql, [], ct).ConfigureAwait(false);
    }

    public async Task<string> ScalarTextAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, []);
        return Convert.ToString(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>
    /// Puts the database in the same state before every measured run: empties <paramref name="emptied"/> if given,
    /// then checkpoints the SQLite WAL, or VACUUM ANALYZEs PostgreSQL (updates leave dead rows behind).
    /// </summary>
    public abstract Task BeforeRunAsync(BenchTable? emptied, CancellationToken ct);

    public abstract ValueTask DisposeAsync();
}

/// <summary>Microsoft.Data.Sqlite over the adaptor's database file, with the adaptor's connection string.</summary>
internal sealed class SqliteRawDriver(string connectionString) : RawDriver
{
    public override string Engine => "sqlite";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    public override string OrderTextAscending(string quotedColumn) => quotedColumn + " ASC";

    public override string OrderNumberDescending(string quotedColumn) => quotedColumn + " DESC";

    // One writer at a time: SQLite locks nothing row by row.
    public override string LockRows(string quotedId) => "";

    // SqliteDialect.CatalogQuery(oneTable: true) and the two metadata reads of Catalog.ListAsync.
    public override IReadOnlyList<string> CatalogStatements { get; } =
    [
        "SELECT m.name, m.type, p.name, p.type FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p " +
        "WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_externaldb\\_%' ESCAPE '\\'" +
        " AND m.name = @p0 ORDER BY m.name, p.cid",
        "SELECT collection_id, field_key, field_type, display_name, options FROM _externaldb_fields WHERE collection_id = @p0",
        "SELECT collection_id, display_name FROM _externaldb_collections WHERE collection_id = @p0",
        // SqliteDialect.IndexStatesQuery: whether _id alone is unique (an insert then skips taken ids in its own statement).
        "SELECT l.name, 1, 0, l.\"unique\" = 1 AND (SELECT COUNT(*) FROM pragma_index_info(l.name)) = 1 " +
        "AND EXISTS (SELECT 1 FROM pragma_index_info(l.name) AS c WHERE c.name = '_id') FROM pragma_index_list(@p0) AS l",
    ];

    protected override void Bind(DbCommand command, string name, RawParam param)
    {
        var p = command.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = param.Value switch
        {
            null => DBNull.Value,
            bool b => b ? 1L : 0L,
            DateTime d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            var v => v,
        };
        command.Parameters.Add(p);
    }

    public override async Task BeforeRunAsync(BenchTable? emptied, CancellationToken ct)
    {
        if (emptied is not null)
        {
            await ExecuteAsync("DELETE FROM " + emptied.Quoted, ct).ConfigureAwait(false);
        }
        await ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Npgsql through one data source, sessions in UTC, as the adaptor's PostgresDialect opens them.</summary>
internal sealed class PostgresRawDriver : RawDriver
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresRawDriver(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public NpgsqlDataSource DataSource => _dataSource;

    public override string Engine => "postgres";

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    public override string OrderTextAscending(string quotedColumn) => quotedColumn + " COLLATE \"C\" ASC NULLS FIRST";

    public override string OrderNumberDescending(string quotedColumn) => quotedColumn + " DESC NULLS LAST";

    // PostgresDialect.CatalogQuery(oneTable: true) and the two metadata reads of Catalog.ListAsync.
    public override IReadOnlyList<string> CatalogStatements { get; } =
    [
        "SELECT c.table_name, t.table_type, c.column_name, c.data_type FROM information_schema.columns AS c " +
        "JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name " +
        "WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '\\_externaldb\\_%'" +
        " AND c.table_name = @p0 ORDER BY c.table_name, c.ordinal_position",
        "SELECT collection_id, field_key, field_type, display_name, options FROM _externaldb_fields WHERE collection_id = @p0",
        "SELECT collection_id, display_name FROM _externaldb_collections WHERE collection_id = @p0",
        // PostgresDialect.IndexStatesQuery: whether _id alone is unique (an insert then skips taken ids in its own statement).
        "SELECT c.relname, i.indisvalid, EXISTS (SELECT 1 FROM pg_stat_progress_create_index AS p WHERE p.index_relid = c.oid), " +
        "i.indisunique AND i.indnatts = 1 AND i.indexprs IS NULL AND EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = '_id') " +
        "FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_class AS t ON t.oid = i.indrelid JOIN pg_namespace AS n ON n.oid = t.relnamespace " +
        "WHERE n.nspname = current_schema() AND t.relname = @p0",
    ];

    protected override void Bind(DbCommand command, string name, RawParam param)
    {
        var p = new NpgsqlParameter { ParameterName = name };
        (p.NpgsqlDbType, p.Value) = (param.Kind, param.Value) switch
        {
            (_, bool b) => (NpgsqlDbType.Boolean, b),
            (_, double d) => (NpgsqlDbType.Double, d),
            (_, long l) => (NpgsqlDbType.Bigint, l),
            (_, DateTime d) => (NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Utc)),
            (ColumnKind.Number, var v) => (NpgsqlDbType.Double, v ?? DBNull.Value),
            (ColumnKind.Boolean, var v) => (NpgsqlDbType.Boolean, v ?? DBNull.Value),
            (ColumnKind.DateTime, var v) => (NpgsqlDbType.TimestampTz, v ?? DBNull.Value),
            (_, var v) => (NpgsqlDbType.Text, v ?? DBNull.Value),
        };
        command.Parameters.Add(p);
    }

    public override async Task BeforeRunAsync(BenchTable? emptied, CancellationToken ct)
    {
        if (emptied is not null)
        {
            await ExecuteAsync("TRUNCATE " + emptied.Quoted, ct).ConfigureAwait(false);
        }
        await ExecuteAsync("VACUUM ANALYZE", ct).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>MySqlConnector through one data source, each session set as the adaptor's MySqlDialect sets it.</summary>
internal sealed class MySqlRawDriver : RawDriver
{
    private const string Session = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'";

    private readonly MySqlDataSource _dataSource;

    public MySqlRawDriver(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { GuidFormat = MySqlGuidFormat.None, ConvertZeroDateTime = true };
        _dataSource = new MySqlDataSource(builder.ConnectionString);
    }

    public override string Engine => "mysql";

    public override SqlShape Shape => SqlShape.MySql;

    // MySQL has no RETURNING on UPDATE (MariaDB neither) and no ON CONFLICT: writes check, write, then read back.
    public override bool ReturnsWrittenRows => false;

    // Under InnoDB's REPEATABLE READ the locking existence check of 16 concurrent inserts deadlocks on gap locks.
    public override System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.ReadCommitted;

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = new MySqlCommand(Session, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return connection;
    }

    public override string OrderTextAscending(string quotedColumn) => quotedColumn + " ASC";

    public override string OrderNumberDescending(string quotedColumn) => quotedColumn + " DESC";

    public override string IndexedText(string quotedColumn) => quotedColumn + "(64)";

    public override string Analyze(BenchTable table) => "ANALYZE TABLE " + table.Quoted;

    public override IReadOnlyList<string> SessionStatements { get; } = [Session];

    // MySqlDialect.CatalogQuery(oneTable: true) on MariaDB and the two metadata reads of Catalog.ListAsync.
    public override IReadOnlyList<string> CatalogStatements { get; } =
    [
        "SELECT c.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, CONCAT(COALESCE(c.COLLATION_NAME, ''), '|', CASE WHEN k.CONSTRAINT_NAME IS NULL THEN c.COLUMN_TYPE ELSE 'json' END) " +
        "FROM information_schema.COLUMNS AS c " +
        "JOIN (SELECT DISTINCT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @p0) AS t ON t.TABLE_NAME = c.TABLE_NAME" +
        " LEFT JOIN (SELECT DISTINCT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = @p0" +
        " AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)')) AS k ON k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.COLUMN_NAME" +
        " WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME NOT LIKE '\\_externaldb\\_%'" +
        " AND c.TABLE_NAME = @p0 AND CAST(c.TABLE_NAME AS BINARY) = CAST(@p0 AS BINARY) ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
        "SELECT collection_id, field_key, field_type, display_name, options FROM _externaldb_fields WHERE collection_id = @p0",
        "SELECT collection_id, display_name FROM _externaldb_collections WHERE collection_id = @p0",
    ];

    protected override void Bind(DbCommand command, string name, RawParam param)
    {
        var p = new MySqlParameter { ParameterName = "@" + name };
        (p.MySqlDbType, p.Value) = param.Value switch
        {
            null => (MySqlDbType.VarChar, DBNull.Value),
            bool b => (MySqlDbType.Bool, b),
            double d => (MySqlDbType.Double, d),
            long l => (MySqlDbType.Int64, l),
            DateTime d => (MySqlDbType.DateTime, DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Unspecified)),
            var v => (MySqlDbType.VarChar, v),
        };
        command.Parameters.Add(p);
    }

    public override async Task BeforeRunAsync(BenchTable? emptied, CancellationToken ct)
    {
        if (emptied is not null)
        {
            await ExecuteAsync("TRUNCATE TABLE " + emptied.Quoted, ct).ConfigureAwait(false);
        }
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
