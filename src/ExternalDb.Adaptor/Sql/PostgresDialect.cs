using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Schema;
using Npgsql;
using NpgsqlTypes;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Sql;

/// <summary>PostgreSQL: timestamptz dates, jsonb documents, binary ("C") text order, ILIKE and <c>~</c>.</summary>
internal sealed class PostgresDialect : SqlDialect, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        // Sessions in UTC so that timestamp (without zone) columns of existing tables read and compare as UTC.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Name => "postgres";

    public override string ColumnType(StorageKind kind) => kind switch
    {
        StorageKind.Number => "double precision",
        StorageKind.Boolean => "boolean",
        StorageKind.DateTime => "timestamptz",
        StorageKind.Json => "jsonb",
        _ => "text",
    };

    public override (string FieldType, StorageKind Storage) FromSqlType(string sqlType) => sqlType.ToLowerInvariant() switch
    {
        "text" or "character varying" or "character" or "name" or "citext" => ("TEXT", StorageKind.Text),
        "smallint" or "integer" or "bigint" or "real" or "double precision" or "numeric" => ("NUMBER", StorageKind.Number),
        "boolean" => ("BOOLEAN", StorageKind.Boolean),
        "timestamp with time zone" or "timestamp without time zone" => ("DATETIME", StorageKind.DateTime),
        "json" or "jsonb" => ("OBJECT", StorageKind.Json),
        "date" => ("DATE", StorageKind.Other),
        "time without time zone" or "time with time zone" => ("TIME", StorageKind.Other),
        _ => ("TEXT", StorageKind.Other),
    };

    public override string ColumnRef(FieldInfo field, string? qualifier = null)
    {
        var column = base.ColumnRef(field, qualifier);
        return field.Storage switch
        {
            StorageKind.Other => $"({column})::text",
            StorageKind.Json => $"({column})::jsonb",
            _ => column,
        };
    }

    public override string TextOrder(string column) => $"{column} COLLATE \"C\"";

    // ILIKE lower-cases both sides; so does this, with the parameter folded once at planning instead of once per row.
    public override string TextMatch(string column, TextMatchKind kind, string textParam) => kind switch
    {
        TextMatchKind.Contains => $"strpos(lower({column}), lower({textParam})) > 0",
        TextMatchKind.StartsWith => $"starts_with(lower({column}), lower({textParam}))",
        _ => $"right(lower({column}), char_length(lower({textParam}))) = lower({textParam})",
    };

    public override string RegexMatch(string column, string patternParam) => $"{column} ~ {patternParam}";

    public override string JsonEquals(string column, string jsonParam) => $"{column} = {jsonParam}";

    public override string JsonArrayContains(string column, JsonNode? element, SqlParams ps)
    {
        var p = ps.Add(new JsonArray(element?.DeepClone()).ToJsonString(), StorageKind.Json);
        return $"(jsonb_typeof({column}) = 'array' AND {column} @> {p})";
    }

    // Through text, so that it works on every number type (an integer cannot be compared with 'Infinity').
    public override string IsFiniteNumber(string column) => $"({column})::text NOT IN ('Infinity', '-Infinity', 'NaN')";

    public override string OrderTerm(string column, StorageKind kind, bool descending)
    {
        return SortKey(column, kind) + (descending ? " DESC NULLS LAST" : " ASC NULLS FIRST");
    }

    public override (string Join, string Value, string? Type) UnwindArray(string column) =>
        ($"CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({column}) = 'array' THEN {column} ELSE '[]'::jsonb END) AS je(v)", "je.v", null);

    public override string CatalogQuery(bool oneTable) =>
        "SELECT c.table_name, t.table_type, c.column_name, c.data_type FROM information_schema.columns AS c " +
        "JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name " +
        "WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '\\_externaldb\\_%'" +
        (oneTable ? " AND c.table_name = @p0" : "") + " ORDER BY c.table_name, c.ordinal_position";

    public override bool IsView(string tableType) => string.Equals(tableType, "VIEW", StringComparison.OrdinalIgnoreCase);

    public override IReadOnlyList<string> MetadataDdl { get; } =
    [
        "CREATE TABLE IF NOT EXISTS _externaldb_collections (collection_id text PRIMARY KEY, display_name text)",
        "CREATE TABLE IF NOT EXISTS _externaldb_fields (collection_id text NOT NULL, field_key text NOT NULL, field_type text NOT NULL, display_name text, options text, PRIMARY KEY (collection_id, field_key))",
        "CREATE TABLE IF NOT EXISTS _externaldb_references (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, collection_id text NOT NULL, field_key text NOT NULL, referring_id text NOT NULL, referenced_id text NOT NULL, referenced_collection_id text, UNIQUE (collection_id, field_key, referring_id, referenced_id))",
        "CREATE INDEX IF NOT EXISTS _externaldb_references_referenced ON _externaldb_references (referenced_collection_id, referenced_id)",
        "CREATE TABLE IF NOT EXISTS _externaldb_indexes (collection_id text NOT NULL, index_name text NOT NULL, sql_name text NOT NULL, definition text NOT NULL, status text NOT NULL, failure text, PRIMARY KEY (collection_id, index_name))",
    ];

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    public override void Bind(DbCommand command, SqlParam param)
    {
        var p = new NpgsqlParameter { ParameterName = param.Name.TrimStart('@') };
        (p.NpgsqlDbType, p.Value) = (param.Kind, param.Value) switch
        {
            (_, bool b) => (NpgsqlDbType.Boolean, b),
            (_, double d) => (NpgsqlDbType.Double, d),
            (_, long l) => (NpgsqlDbType.Bigint, l),
            (_, DateTime d) => (NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Utc)),
            (StorageKind.Json, var v) => (NpgsqlDbType.Jsonb, v ?? DBNull.Value),
            (StorageKind.Number, var v) => (NpgsqlDbType.Double, v ?? DBNull.Value),
            (StorageKind.Boolean, var v) => (NpgsqlDbType.Boolean, v ?? DBNull.Value),
            (StorageKind.DateTime, var v) => (NpgsqlDbType.TimestampTz, v ?? DBNull.Value),
            (StorageKind.Other, var v) => (NpgsqlDbType.Unknown, v ?? DBNull.Value),
            (_, var v) => (NpgsqlDbType.Text, v ?? DBNull.Value),
        };
        command.Parameters.Add(p);
    }

    public override bool IsUniqueViolation(Exception ex) => ex is PostgresException { SqlState: "23505" };

    // Class 54: program limit exceeded (statement too complex, too many columns, too many arguments).
    public override bool IsLimitExceeded(Exception ex) => ex is PostgresException pg && pg.SqlState.StartsWith("54", StringComparison.Ordinal);

    public override bool ReturnsWrittenRows => true;

    public override bool IsTransient(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.LockNotAvailable };

    public override string LockRows => " FOR UPDATE";

    public override SchemaConflict SchemaConflictOf(Exception ex) => (ex as PostgresException)?.SqlState switch
    {
        PostgresErrorCodes.UndefinedTable => SchemaConflict.MissingCollection,
        PostgresErrorCodes.UndefinedColumn => SchemaConflict.MissingField,
        PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateColumn => SchemaConflict.AlreadyExists,
        _ => SchemaConflict.None,
    };

    // A path is a text[] literal of quoted keys: '{"address","city"}'. FieldPath keeps quotes and backslashes out of keys.
    private static string PathLiteral(IEnumerable<string> path) =>
        "'{" + string.Join(",", path.Select(s => "\"" + s.Replace("'", "''", StringComparison.Ordinal) + "\"")) + "}'";

    public override string JsonPathValue(string column, IReadOnlyList<string> path) => $"({column} #> {PathLiteral(path)})";

    // Equality is jsonb equality (typed: 5 = 5.0, "5" <> 5), the same expression as an index on the path, which serves it;
    // so are ranges over numbers. Ranges over strings and dates compare text in binary order, as for text columns.
    public override string? JsonPathCompare(string column, IReadOnlyList<string> path, Comparison op, JsonNode operand, SqlParams ps)
    {
        var value = JsonPathValue(column, path);
        var o = JsonOperand.Of(operand);
        if (op == Comparison.Eq)
        {
            return $"{value} = {ps.Add(o.JsonText, StorageKind.Json)}";
        }
        return o.Kind switch
        {
            JsonOperandKind.Number => $"(jsonb_typeof({value}) = 'number' AND {value} {op.Operator()} {ps.Add(o.JsonText, StorageKind.Json)})",
            JsonOperandKind.String => $"(jsonb_typeof({value}) = 'string' AND {TextOrder($"({column} #>> {PathLiteral(path)})")} {op.Operator()} {ps.Add(o.Text)})",
            JsonOperandKind.Date => DateCompare(column, path, op, o.DateText!, ps),
            _ => null,
        };
    }

    private string DateCompare(string column, IReadOnlyList<string> path, Comparison op, string iso, SqlParams ps)
    {
        var datePath = PathLiteral(path.Append(QueryOperators.DateKey));
        return $"(jsonb_typeof({column} #> {datePath}) = 'string' AND {TextOrder($"({column} #>> {datePath})")} {op.Operator()} {ps.Add(iso)})";
    }

    public override string JsonPathText(string column, IReadOnlyList<string> path) =>
        $"(CASE WHEN jsonb_typeof({JsonPathValue(column, path)}) = 'string' THEN {column} #>> {PathLiteral(path)} END)";

    public override string JsonPathNumber(string column, IReadOnlyList<string> path)
    {
        var value = JsonPathValue(column, path);
        return $"(CASE WHEN jsonb_typeof({value}) = 'number' THEN ({value})::double precision END)";
    }

    public override string JsonPathIsNull(string column, IReadOnlyList<string> path) =>
        $"(COALESCE(jsonb_typeof({JsonPathValue(column, path)}), 'null') = 'null')";

    public override IReadOnlyList<string> JsonOrderTerms(string jsonValue, bool descending)
    {
        var direction = descending ? " DESC NULLS LAST" : " ASC NULLS FIRST";
        return
        [
            $"(CASE jsonb_typeof({jsonValue}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'boolean' THEN 3 WHEN 'null' THEN NULL ELSE 4 END){direction}",
            $"(CASE WHEN jsonb_typeof({jsonValue}) = 'number' THEN ({jsonValue})::double precision END){direction}",
            $"(CASE WHEN jsonb_typeof({jsonValue}) <> 'number' THEN {jsonValue} #>> '{{}}' END) COLLATE \"C\"{direction}",
        ];
    }

    public override string JsonPathIndexKey(string column, IReadOnlyList<string> path) => JsonPathValue(column, path);

    public override bool BuildsIndexesConcurrently => true;

    public override string CreateIndex(string sqlName, string table, IReadOnlyList<IndexKeySql> keys, bool unique, bool concurrently) =>
        $"CREATE {(unique ? "UNIQUE " : "")}INDEX {(concurrently ? "CONCURRENTLY " : "")}{Quote(sqlName)} ON {Quote(table)} ({KeyList(keys)})";

    protected override string DropIndex(string name, string table, bool concurrently) => $"DROP INDEX {(concurrently ? "CONCURRENTLY " : "")}IF EXISTS {name}";

    // A build in progress shows in pg_stat_progress_create_index (for this user's sessions); its index is not valid until done.
    public override string IndexStatesQuery =>
        "SELECT c.relname, i.indisvalid, EXISTS (SELECT 1 FROM pg_stat_progress_create_index AS p WHERE p.index_relid = c.oid), " +
        "i.indisunique AND i.indnatts = 1 AND i.indexprs IS NULL AND EXISTS (SELECT 1 FROM pg_attribute AS a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = '_id') " +
        "FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_class AS t ON t.oid = i.indrelid JOIN pg_namespace AS n ON n.oid = t.relnamespace " +
        "WHERE n.nspname = current_schema() AND t.relname = @p0";

    public override string? LockTable(string table) => $"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE";

    public override bool IsDependencyError(Exception ex) => ex is PostgresException { SqlState: PostgresErrorCodes.DependentObjectsStillExist };

    public override bool IsKeyTooLarge(Exception ex) => ex is PostgresException { SqlState: "54000" };

    public override string FailureText(Exception ex) => ex is PostgresException pg ? pg.MessageText : base.FailureText(ex);

    public override string JsonParameter(JsonNode? value, SqlParams ps) => ps.Add(value?.ToJsonString() ?? "null", StorageKind.Json);

    private static string ObjectOrEmpty(string json) => $"(CASE WHEN jsonb_typeof({json}) = 'object' THEN {json} ELSE '{{}}'::jsonb END)";

    private static string KeyLiteral(string key) => "'" + key.Replace("'", "''", StringComparison.Ordinal) + "'";

    // From the innermost key outwards: each level is the object found there (or {}) merged with its one changed key.
    public override string JsonSetPath(string value, IReadOnlyList<string> path, string newValue)
    {
        var inner = newValue;
        for (var i = path.Count - 1; i >= 0; i--)
        {
            var holder = i == 0 ? value : $"({value} #> {PathLiteral(path.Take(i))})";
            inner = $"({ObjectOrEmpty(holder)} || jsonb_build_object({KeyLiteral(path[i])}, {inner}))";
        }
        return inner;
    }

    public override string JsonRemovePath(string value, IReadOnlyList<string> path) => $"({value} #- {PathLiteral(path)})";

    // jsonb numbers are decimals: 0.1 + 0.2 is 0.3, and 1 + 1 stays 2.
    public override string JsonIncrementPath(string value, IReadOnlyList<string> path, double by, SqlParams ps)
    {
        var current = $"({value} #> {PathLiteral(path)})";
        var number = $"COALESCE(CASE WHEN jsonb_typeof({current}) = 'number' THEN ({current})::numeric END, 0)";
        return JsonSetPath(value, path, $"to_jsonb({number} + ({JsonParameter(JsonValue.Create(by), ps)})::numeric)");
    }

    private static string ArrayOrEmpty(string array) => $"(CASE WHEN jsonb_typeof({array}) = 'array' THEN {array} ELSE '[]'::jsonb END)";

    public override string JsonAppend(string array, JsonNode? element, SqlParams ps) =>
        $"({ArrayOrEmpty(array)} || jsonb_build_array({JsonParameter(element, ps)}))";

    public override string JsonRemoveFromArray(string array, JsonNode? element, SqlParams ps) =>
        $"(CASE WHEN jsonb_typeof({array}) = 'array' THEN (SELECT COALESCE(jsonb_agg(e.value ORDER BY e.n), '[]'::jsonb) " +
        $"FROM jsonb_array_elements({array}) WITH ORDINALITY AS e(value, n) WHERE e.value <> {JsonParameter(element, ps)}) ELSE {array} END)";

    public override string JsonIsNullOr(string json, JsonKind kind) =>
        $"(COALESCE(jsonb_typeof({json}), 'null') IN ('null', '{(kind == JsonKind.Number ? "number" : "array")}'))";

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
