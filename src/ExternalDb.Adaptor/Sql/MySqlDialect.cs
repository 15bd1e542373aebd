using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Schema;
using MySqlConnector;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Sql;

/// <summary>What the adaptor learns from the server on its first connection.</summary>
/// <param name="IsMariaDb">MariaDB rather than MySQL (JSON equality and the JSON column type differ).</param>
/// <param name="BinaryCollation">
/// The utf8mb4 collation that compares code points and keeps trailing spaces (NO PAD): <c>utf8mb4_0900_bin</c> on MySQL,
/// <c>utf8mb4_nopad_bin</c> on MariaDB. Equality, order and DISTINCT of text then agree with SQLite and PostgreSQL.
/// </param>
/// <param name="MaxAllowedPacket">The server's <c>max_allowed_packet</c>: no statement may be larger.</param>
internal sealed record MySqlServer(bool IsMariaDb, string BinaryCollation, long MaxAllowedPacket);

/// <summary>
/// MySQL 8.0.17+ and MariaDB 10.11+ (MySqlConnector): backtick identifiers, text in a binary NO PAD collation, dates as
/// <c>DATETIME(3)</c> in UTC, JSON documents, write transactions in READ COMMITTED.
/// </summary>
internal sealed class MySqlDialect : SqlDialect, IAsyncDisposable
{
    private const string NoPadCollations = "'utf8mb4_0900_bin', 'utf8mb4_nopad_bin'";

    // Every session gets the same rules whatever the server's defaults: strict values (an error, never a silent
    // truncation), backslash escapes on (MySqlConnector escapes parameters that way), dates in UTC.
    private const string SqlMode = "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

    private readonly MySqlDataSource _dataSource;
    private volatile MySqlServer? _server;

    public MySqlDialect(string connectionString, MySqlServer? server = null)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString)
        {
            // CHAR(36) columns stay text (ids keep their case); zero dates of existing tables read as the minimum date.
            GuidFormat = MySqlGuidFormat.None,
            ConvertZeroDateTime = true,
        };
        _dataSource = new MySqlDataSource(builder.ConnectionString);
        _server = server;
    }

    public override string Name => "mysql";

    /// <summary>The server's traits; known once a connection was opened.</summary>
    public MySqlServer Server => _server ?? throw new InvalidOperationException("The MySQL dialect has not connected yet.");

    private string Collation => Server.BinaryCollation;

    public override string Quote(string name) => Identifiers.Quote(name, '`');

    // The statement travels as one packet; keep a margin for the SQL text around the values.
    public override long MaxStatementBytes => Math.Max(64 * 1024, Server.MaxAllowedPacket - 1024 * 1024);

    public override string ColumnType(StorageKind kind) => kind switch
    {
        StorageKind.Number => "DOUBLE",
        StorageKind.Boolean => "BOOLEAN",
        StorageKind.DateTime => "DATETIME(3)",
        StorageKind.Json => "JSON",
        _ => $"LONGTEXT CHARACTER SET utf8mb4 COLLATE {Collation}",
    };

    // A primary key cannot be LONGTEXT; item ids are at most 255 characters.
    public override string IdColumnType => $"VARCHAR(255) CHARACTER SET utf8mb4 COLLATE {Collation}";

    public override string TableOptions => $" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={Collation}";

    /// <summary>Reads the catalog's type column: <c>collation|column_type</c> (see <see cref="CatalogQuery"/>).</summary>
    public override (string FieldType, StorageKind Storage) FromSqlType(string sqlType)
    {
        var bar = sqlType.IndexOf('|', StringComparison.Ordinal);
        var collation = bar < 0 ? "" : sqlType[..bar].ToLowerInvariant();
        var type = (bar < 0 ? sqlType : sqlType[(bar + 1)..]).Trim().ToLowerInvariant();
        var baseType = type.Split('(', ' ')[0];
        if (type.StartsWith("tinyint(1)", StringComparison.Ordinal) || baseType is "bool" or "boolean")
        {
            return ("BOOLEAN", StorageKind.Boolean);
        }
        return baseType switch
        {
            "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" or "decimal" or "numeric" or "float" or "double" or "real" or "year"
                => ("NUMBER", StorageKind.Number),
            "datetime" or "timestamp" => ("DATETIME", StorageKind.DateTime),
            "json" => ("OBJECT", StorageKind.Json),
            "date" => ("DATE", StorageKind.Other),
            "time" => ("TIME", StorageKind.Other),
            "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set"
                => ("TEXT", IsNoPadBinary(collation) ? StorageKind.Text : StorageKind.Other),
            _ => ("TEXT", StorageKind.Other),
        };
    }

    private static bool IsNoPadBinary(string collation) =>
        collation.EndsWith("_nopad_bin", StringComparison.Ordinal) || collation.EndsWith("_0900_bin", StringComparison.Ordinal);

    /// <summary>
    /// Columns of other types and text columns in another collation (case-insensitive, PAD SPACE) are compared as
    /// utf8mb4 text in the binary NO PAD collation, like every column the adaptor creates. Such a comparison cannot use
    /// the column's index.
    /// </summary>
    public override string ColumnRef(FieldInfo field, string? qualifier = null)
    {
        var column = base.ColumnRef(field, qualifier);
        return field.Storage == StorageKind.Other ? $"CAST({column} AS CHAR CHARACTER SET utf8mb4) COLLATE {Collation}" : column;
    }

    public override string TextOrder(string column) => column;

    // InnoDB's default, REPEATABLE READ, locks the gaps next to the keys a locking read finds missing, and two writers
    // that hold the same gap then deadlock on their inserts. READ COMMITTED locks rows only (PostgreSQL's default too).
    public override System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.ReadCommitted;

    // LOWER keeps the binary collation, so the match is case-insensitive and nothing else (accents stay apart).
    public override string TextMatch(string column, TextMatchKind kind, string textParam) => kind switch
    {
        TextMatchKind.Contains => $"LOCATE(LOWER({textParam}), LOWER({column})) > 0",
        TextMatchKind.StartsWith => $"LEFT(LOWER({column}), CHAR_LENGTH(LOWER({textParam}))) = LOWER({textParam})",
        _ => $"RIGHT(LOWER({column}), CHAR_LENGTH(LOWER({textParam}))) = LOWER({textParam})",
    };

    // Case-sensitive in a binary collation unless the pattern starts with (?i) (PCRE on MariaDB, ICU on MySQL).
    public override string RegexMatch(string column, string patternParam) => $"{column} REGEXP {patternParam}";

    // MariaDB 10.11 lets a row through when a bare JSON_EQUALS(NULL, ...) is the whole WHERE clause: compare its result.
    public override string JsonEquals(string column, string jsonParam) =>
        Server.IsMariaDb ? $"JSON_EQUALS({column}, {jsonParam}) = 1" : $"{column} = CAST({jsonParam} AS JSON)";

    public override string JsonArrayContains(string column, JsonNode? element, SqlParams ps)
    {
        var p = ps.Add(new JsonArray(element?.DeepClone()).ToJsonString(), StorageKind.Json);
        return $"(JSON_TYPE({column}) = 'ARRAY' AND JSON_CONTAINS({column}, {p}))";
    }

    // DOUBLE columns cannot hold ±Infinity or NaN.
    public override string IsFiniteNumber(string column) => "1 = 1";

    // MySQL sorts NULL first ascending and last descending, as the other engines are told to.
    public override string OrderTerm(string column, StorageKind kind, bool descending) => column + (descending ? " DESC" : " ASC");

    public override (string Join, string Value, string? Type) UnwindArray(string column) =>
        ($"CROSS JOIN JSON_TABLE(CASE WHEN JSON_TYPE({column}) = 'ARRAY' THEN {column} ELSE '[]' END, '$[*]' COLUMNS (v JSON PATH '$')) AS je", "je.v", null);

    /// <summary>
    /// (table, table type, column, <c>collation|column_type</c>) of the current database. MariaDB reports a JSON column as
    /// LONGTEXT with a <c>json_valid</c> check, which is read back as <c>json</c>. Each information_schema table is read
    /// in a derived table of its own with constant conditions, so that the server looks up the one schema (and table)
    /// instead of opening every table of every database for the join (30 ms → 10 ms on MariaDB 10.11). The name is
    /// compared as bytes as well: information_schema compares names case-insensitively. Columns with the adaptor's
    /// reserved prefix (the generated columns of its indexes) are not fields.
    /// </summary>
    public override string CatalogQuery(bool oneTable)
    {
        var table = oneTable ? " AND TABLE_NAME = @p0" : "";
        var mariaDb = Server.IsMariaDb;
        var type = mariaDb ? "CASE WHEN k.CONSTRAINT_NAME IS NULL THEN c.COLUMN_TYPE ELSE 'json' END" : "c.COLUMN_TYPE";
        var checks = mariaDb
            ? " LEFT JOIN (SELECT DISTINCT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()" + table +
              " AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)')) AS k ON k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.COLUMN_NAME"
            : "";
        return $"SELECT c.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, CONCAT(COALESCE(c.COLLATION_NAME, ''), '|', {type}) " +
               "FROM information_schema.COLUMNS AS c " +
               $"JOIN (SELECT DISTINCT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE(){table}) AS t ON t.TABLE_NAME = c.TABLE_NAME" + checks +
               " WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME NOT LIKE '\\_externaldb\\_%' AND c.COLUMN_NAME NOT LIKE '\\_externaldb\\_%'" +
               (oneTable ? " AND c.TABLE_NAME = @p0 AND CAST(c.TABLE_NAME AS BINARY) = CAST(@p0 AS BINARY)" : "") +
               " ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";
    }

    public override bool IsView(string tableType) => string.Equals(tableType, "VIEW", StringComparison.OrdinalIgnoreCase);

    // Key columns are VARCHAR: an index key holds at most 3,072 bytes (768 utf8mb4 characters); names are at most 64.
    public override IReadOnlyList<string> MetadataDdl =>
    [
        $"CREATE TABLE IF NOT EXISTS _externaldb_collections (collection_id VARCHAR(64) NOT NULL PRIMARY KEY, display_name LONGTEXT){TableOptions}",
        "CREATE TABLE IF NOT EXISTS _externaldb_fields (collection_id VARCHAR(64) NOT NULL, field_key VARCHAR(64) NOT NULL, field_type VARCHAR(64) NOT NULL, " +
        $"display_name LONGTEXT, options LONGTEXT, PRIMARY KEY (collection_id, field_key)){TableOptions}",
        "CREATE TABLE IF NOT EXISTS _externaldb_references (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, collection_id VARCHAR(64) NOT NULL, " +
        "field_key VARCHAR(64) NOT NULL, referring_id VARCHAR(255) NOT NULL, referenced_id VARCHAR(255) NOT NULL, referenced_collection_id VARCHAR(64), " +
        "UNIQUE KEY _externaldb_references_link (collection_id, field_key, referring_id, referenced_id), " +
        $"KEY _externaldb_references_referenced (referenced_collection_id, referenced_id)){TableOptions}",
        "CREATE TABLE IF NOT EXISTS _externaldb_indexes (collection_id VARCHAR(64) NOT NULL, index_name VARCHAR(64) NOT NULL, sql_name VARCHAR(64) NOT NULL, " +
        $"definition LONGTEXT NOT NULL, status VARCHAR(16) NOT NULL, failure LONGTEXT, PRIMARY KEY (collection_id, index_name)){TableOptions}",
    ];

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        try
        {
            // Pooled connections are reset on reuse, so every opening sets the session again (one round trip).
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SET SESSION sql_mode = '{SqlMode}', time_zone = '+00:00'";
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            _server ??= await DetectAsync(connection, ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<MySqlServer> DetectAsync(MySqlConnection connection, CancellationToken ct)
    {
        var mariaDb = connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @@max_allowed_packet, (SELECT MIN(COLLATION_NAME) FROM information_schema.COLLATIONS " +
                              $"WHERE COLLATION_NAME IN ({NoPadCollations}))";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var packet = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        var collation = reader.IsDBNull(1) ? null : reader.GetString(1);
        return new MySqlServer(mariaDb, collation ?? throw new InvalidOperationException(
            $"The server ({connection.ServerVersion}) has neither utf8mb4_0900_bin nor utf8mb4_nopad_bin: the mysql engine needs MySQL 8.0.17+ or MariaDB 10.11+."),
            packet);
    }

    public override void Bind(DbCommand command, SqlParam param)
    {
        var p = new MySqlParameter { ParameterName = param.Name };
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

    public override bool IsUniqueViolation(Exception ex) => ex is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

    public override bool IsTransient(Exception ex) => ex is MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock };

    public override string LockRows => " FOR UPDATE";

    public override bool IsLimitExceeded(Exception ex) => ex is MySqlException
    {
        ErrorCode: MySqlErrorCode.PacketTooLarge or MySqlErrorCode.TooManyFields or MySqlErrorCode.TooBigRowSize or MySqlErrorCode.StackOverrun
            or MySqlErrorCode.TooBigSelect or MySqlErrorCode.TooLongKey,
    };

    public override SchemaConflict SchemaConflictOf(Exception ex) => (ex as MySqlException)?.ErrorCode switch
    {
        MySqlErrorCode.NoSuchTable => SchemaConflict.MissingCollection,
        MySqlErrorCode.BadFieldError or MySqlErrorCode.CannotDropFieldOrKey => SchemaConflict.MissingField,
        MySqlErrorCode.TableExists or MySqlErrorCode.DuplicateFieldName => SchemaConflict.AlreadyExists,
        _ => SchemaConflict.None,
    };

    /// <summary>
    /// A derived table of the rows (<c>SELECT ... UNION ALL SELECT ...</c>, which MySQL and MariaDB both read) joined to
    /// the table by key: MySQL has no <c>UPDATE ... FROM</c>.
    /// </summary>
    public override string UpdateFromRows(string table, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var key = columns[0];
        var derived = string.Join(" UNION ALL ", rows.Select((row, i) =>
            "SELECT " + string.Join(", ", i == 0 ? row.Select((p, j) => $"{p} AS {columns[j]}") : row)));
        return $"UPDATE {table} JOIN ({derived}) AS v ON {table}.{key} = v.{key} " +
               $"SET {string.Join(", ", columns.Skip(1).Select(c => $"{table}.{c} = v.{c}"))}";
    }

    // ---------- nested paths (JSON functions common to MySQL 8 and MariaDB 10.11) ----------

    private const string NumberTypes = "'INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL'";

    // A path is a JSON path of quoted keys: '$."address"."city"'. FieldPath keeps quotes and backslashes out of keys,
    // and the session runs with backslash escapes on, so the key is written as is.
    private static string PathLiteral(IEnumerable<string> path) =>
        "'$" + string.Concat(path.Select(s => ".\"" + s.Replace("'", "''", StringComparison.Ordinal) + "\"")) + "'";

    private static string Extract(string json, IEnumerable<string> path) => $"JSON_EXTRACT({json}, {PathLiteral(path)})";

    public override string JsonPathValue(string column, IReadOnlyList<string> path) => Extract(column, path);

    public override string? JsonPathCompare(string column, IReadOnlyList<string> path, Comparison op, JsonNode operand, SqlParams ps)
    {
        var value = Extract(column, path);
        var o = JsonOperand.Of(operand);
        string Typed(string types, string at, string left, string param) => $"(JSON_TYPE({at}) IN ({types}) AND {left} {op.Operator()} {param})";
        return (o.Kind, op) switch
        {
            (JsonOperandKind.Number, _) => Typed(NumberTypes, value, $"CAST({value} AS DOUBLE)", ps.Add(o.Number, StorageKind.Number)),
            (JsonOperandKind.String, _) => Typed("'STRING'", value, $"JSON_UNQUOTE({value}) COLLATE {Collation}", ps.Add(o.Text)),
            (JsonOperandKind.Date, _) => Typed("'STRING'", Extract(column, path.Append(QueryOperators.DateKey)),
                $"JSON_UNQUOTE({Extract(column, path.Append(QueryOperators.DateKey))}) COLLATE {Collation}", ps.Add(o.DateText)),
            (JsonOperandKind.Boolean, Comparison.Eq) => $"(JSON_TYPE({value}) = 'BOOLEAN' AND {JsonEquals(value, ps.Add(o.JsonText, StorageKind.Json))})",
            (JsonOperandKind.Json, Comparison.Eq) => $"(JSON_TYPE({value}) IN ('OBJECT', 'ARRAY') AND {JsonEquals(value, ps.Add(o.JsonText, StorageKind.Json))})",
            _ => null,
        };
    }

    public override string JsonPathText(string column, IReadOnlyList<string> path)
    {
        var value = Extract(column, path);
        return $"(CASE WHEN JSON_TYPE({value}) = 'STRING' THEN JSON_UNQUOTE({value}) COLLATE {Collation} END)";
    }

    public override string JsonPathNumber(string column, IReadOnlyList<string> path)
    {
        var value = Extract(column, path);
        return $"(CASE WHEN JSON_TYPE({value}) IN ({NumberTypes}) THEN CAST({value} AS DOUBLE) END)";
    }

    public override string JsonPathIsNull(string column, IReadOnlyList<string> path) => $"(COALESCE(JSON_TYPE({Extract(column, path)}), 'NULL') = 'NULL')";

    public override IReadOnlyList<string> JsonOrderTerms(string jsonValue, bool descending)
    {
        var direction = descending ? " DESC" : " ASC";
        return
        [
            $"(CASE WHEN JSON_TYPE({jsonValue}) IN ({NumberTypes}) THEN 1 WHEN JSON_TYPE({jsonValue}) = 'STRING' THEN 2 " +
            $"WHEN JSON_TYPE({jsonValue}) = 'BOOLEAN' THEN 3 WHEN JSON_TYPE({jsonValue}) = 'NULL' THEN NULL ELSE 4 END){direction}",
            $"(CASE WHEN JSON_TYPE({jsonValue}) IN ({NumberTypes}) THEN CAST({jsonValue} AS DOUBLE) END){direction}",
            $"(CASE WHEN JSON_TYPE({jsonValue}) NOT IN ({NumberTypes}) THEN JSON_UNQUOTE({jsonValue}) COLLATE {Collation} END){direction}",
        ];
    }

    // ---------- indexes ----------

    // MariaDB has no functional key parts, and a JSON (or MariaDB's LONGTEXT JSON) column cannot be a key: fields are
    // indexed as columns, text by its first 255 characters (which is also what a unique index compares). A nested path
    // and text without case are expressions, indexed through a generated column (below).
    public override IndexKeySql? IndexTerm(FieldInfo field, IReadOnlyList<string> path, bool caseInsensitive)
    {
        var column = Quote(field.Key);
        if (path.Count > 0)
        {
            // The JSON text of the value (so that "1" and 1 stay apart), or the lower-cased string without case.
            return field.Storage != StorageKind.Json ? null
                : new IndexKeySql(caseInsensitive ? $"LOWER({JsonPathText(column, path)})" : $"CAST({Extract(column, path)} AS CHAR CHARACTER SET utf8mb4)", IsExpression: true);
        }
        return field.Storage switch
        {
            StorageKind.Text when caseInsensitive => new IndexKeySql($"LOWER({column})", IsExpression: true),
            StorageKind.Text => new IndexKeySql($"{column}(255)", IsExpression: false),
            StorageKind.Number or StorageKind.Boolean or StorageKind.DateTime => new IndexKeySql(column, IsExpression: false),
            _ => null,
        };
    }

    public override string JsonPathIndexKey(string column, IReadOnlyList<string> path) => Extract(column, path);

    /// <summary>
    /// Generated columns that hold an index's expression keys: VIRTUAL (computed, stored only in the index), the first 255
    /// characters in the binary collation, named after the index with the adaptor's reserved prefix, so that the
    /// catalog does not list them as fields (see <see cref="CatalogQuery"/>) and the drop finds them.
    /// </summary>
    private static string GeneratedColumnPrefix(string sqlName) =>
        Identifiers.InternalPrefix + "ix_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sqlName)))[..16] + "_";

    // One ALTER TABLE adds the generated columns and the index: when the build fails (duplicates under a unique index)
    // nothing is left behind. InnoDB adds both online: writers go on meanwhile.
    public override string CreateIndex(string sqlName, string table, IReadOnlyList<IndexKeySql> keys, bool unique, bool concurrently)
    {
        var changes = new List<string>();
        var terms = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (!keys[i].IsExpression)
            {
                terms.Add(keys[i].Term(keys[i].Sql));
                continue;
            }
            var generated = Quote(GeneratedColumnPrefix(sqlName) + i.ToString(CultureInfo.InvariantCulture));
            changes.Add($"ADD COLUMN {generated} VARCHAR(255) CHARACTER SET utf8mb4 COLLATE {Collation} AS (LEFT({keys[i].Sql}, 255)) VIRTUAL");
            terms.Add(keys[i].Term(generated));
        }
        changes.Add($"ADD {(unique ? "UNIQUE " : "")}INDEX {Quote(sqlName)} ({string.Join(", ", terms)})");
        return $"ALTER TABLE {Quote(table)} {string.Join(", ", changes)}";
    }

    /// <summary>Drops the index and its generated columns in one statement.</summary>
    public override async Task DropIndexAsync(DbConnection connection, DbTransaction? tx, string sqlName, string table, bool concurrently, CancellationToken ct)
    {
        var ps = new SqlParams();
        var p = ps.Add(table);
        var prefix = GeneratedColumnPrefix(sqlName);
        var columns = await Data.Db.QueryAsync(this, connection, tx,
            $"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {p} AND CAST(TABLE_NAME AS BINARY) = CAST({p} AS BINARY)",
            ps, r => r.GetString(0), ct).ConfigureAwait(false);
        var changes = columns.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).Select(c => "DROP COLUMN " + Quote(c)).Prepend("DROP INDEX " + Quote(sqlName));
        await Data.Db.ExecuteAsync(this, connection, tx, $"ALTER TABLE {Quote(table)} {string.Join(", ", changes)}", null, ct).ConfigureAwait(false);
    }

    // InnoDB adds indexes online (writers go on): the adaptor builds them in the background as for PostgreSQL.
    public override bool BuildsIndexesConcurrently => true;

    public override string IndexStatesQuery =>
        "SELECT INDEX_NAME, 1, 0, MAX(NON_UNIQUE) = 0 AND COUNT(*) = 1 AND MAX(COLUMN_NAME) = '_id' FROM information_schema.STATISTICS " +
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @p0 AND CAST(TABLE_NAME AS BINARY) = CAST(@p0 AS BINARY) GROUP BY INDEX_NAME";

    // ---------- patch ----------

    // MariaDB derived tables cannot name the updated row; MySQL runs a single-table UPDATE's assignments in order, each
    // seeing what the earlier ones left, so a patch assigns a column once per modification (see AssignsColumnsInOrder).
    public override string Let(string value, string alias, Func<string, string> body) => body(value);

    public override bool AssignsColumnsInOrder => true;

    public override string JsonParameter(JsonNode? value, SqlParams ps) => $"JSON_EXTRACT({ps.Add(value?.ToJsonString() ?? "null", StorageKind.Json)}, '$')";

    // JSON_SET creates no missing objects on the way: each level is set first, to itself when it is an object, else to {}.
    public override string JsonSetPath(string value, IReadOnlyList<string> path, string newValue)
    {
        var root = $"(CASE WHEN JSON_TYPE({value}) = 'OBJECT' THEN {value} ELSE JSON_OBJECT() END)";
        var arguments = new List<string> { root };
        for (var i = 1; i < path.Count; i++)
        {
            var level = Extract(root, path.Take(i));
            arguments.Add(PathLiteral(path.Take(i)));
            arguments.Add($"(CASE WHEN JSON_TYPE({level}) = 'OBJECT' THEN {level} ELSE JSON_OBJECT() END)");
        }
        arguments.Add(PathLiteral(path));
        arguments.Add(newValue);
        return $"JSON_SET({string.Join(", ", arguments)})";
    }

    public override string JsonRemovePath(string value, IReadOnlyList<string> path) => $"JSON_REMOVE({value}, {PathLiteral(path)})";

    public override string JsonIncrementPath(string value, IReadOnlyList<string> path, double by, SqlParams ps)
    {
        // An integral step is bound as an integer, so that 1 + 1 stays 2 rather than 2.0.
        var step = by == Math.Floor(by) && Math.Abs(by) < 9e15 ? ps.Add((long)by, StorageKind.Number) : ps.Add(by, StorageKind.Number);
        var current = Extract(value, path);
        return JsonSetPath(value, path, $"(COALESCE(CASE WHEN JSON_TYPE({current}) IN ({NumberTypes}) THEN {current} + 0 END, 0) + {step})");
    }

    private static string ArrayOrEmpty(string array) => $"(CASE WHEN JSON_TYPE({array}) = 'ARRAY' THEN {array} ELSE JSON_ARRAY() END)";

    public override string JsonAppend(string array, JsonNode? element, SqlParams ps) =>
        $"JSON_ARRAY_APPEND({ArrayOrEmpty(array)}, '$', {JsonParameter(element, ps)})";

    // JSON_TABLE keeps the elements in order (MariaDB is also told so; MySQL's JSON_ARRAYAGG takes no ORDER BY).
    public override string JsonRemoveFromArray(string array, JsonNode? element, SqlParams ps) =>
        $"(CASE WHEN JSON_TYPE({array}) = 'ARRAY' THEN (SELECT COALESCE(JSON_ARRAYAGG(JSON_EXTRACT(e.v, '$'){(Server.IsMariaDb ? " ORDER BY e.n" : "")}), JSON_ARRAY()) " +
        $"FROM JSON_TABLE({array}, '$[*]' COLUMNS (n FOR ORDINALITY, v JSON PATH '$')) AS e WHERE NOT {JsonEquals("e.v", ps.Add(element?.ToJsonString() ?? "null", StorageKind.Json))}) ELSE {array} END)";

    public override string JsonIsNullOr(string json, JsonKind kind) =>
        $"(COALESCE(JSON_TYPE({json}), 'NULL') IN ('NULL', {(kind == JsonKind.Number ? NumberTypes : "'ARRAY'")}))";

    /// <summary>True when the server refused a value (strict mode, a JSON check): the client's mistake.</summary>
    public static bool IsValueError(MySqlException e) => e.ErrorCode is
        MySqlErrorCode.DataTooLong or MySqlErrorCode.WarningDataOutOfRange or MySqlErrorCode.DataOutOfRange or MySqlErrorCode.TruncatedWrongValueForField
        or MySqlErrorCode.TruncatedWrongValue or MySqlErrorCode.WarningDataTruncated or MySqlErrorCode.WrongValue or MySqlErrorCode.WrongValueForType
        or MySqlErrorCode.ColumnCannotBeNull or MySqlErrorCode.InvalidJsonText or MySqlErrorCode.InvalidJsonTextInParam
        || (int)e.ErrorCode is 1364 /* no default value */ or 3819 /* MySQL check constraint */ or 4025 /* MariaDB check constraint */;

    /// <summary>True when the regular-expression engine refused the pattern or gave up matching it.</summary>
    public static bool IsRegexError(MySqlException e) => e.ErrorCode == MySqlErrorCode.RegExpError || (int)e.ErrorCode is >= 3685 and <= 3699;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
