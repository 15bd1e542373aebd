using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Schema;
using Microsoft.Data.Sqlite;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Sql;

/// <summary>SQLite (embedded): dates as ISO-8601 text with milliseconds, JSON as text, REGEXP via .NET.</summary>
internal sealed class SqliteDialect(string connectionString) : SqlDialect
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(500);

    public override string Name => "sqlite";

    // Binding many named parameters costs SQLite more than linearly: 1,000-row inserts of 7 columns ran 7x faster
    // as 100-row statements. About a thousand parameters per statement keeps the statements set-based and fast.
    public override int MaxParametersPerStatement => 1_000;

    public string ConnectionString { get; } = connectionString;

    public override string ColumnType(StorageKind kind) => kind switch
    {
        StorageKind.Number => "REAL",
        StorageKind.Boolean => "BOOLEAN",
        _ => "TEXT",
    };

    public override (string FieldType, StorageKind Storage) FromSqlType(string sqlType)
    {
        var t = sqlType.ToUpperInvariant();
        if (t.Contains("BOOL", StringComparison.Ordinal)) return ("BOOLEAN", StorageKind.Boolean);
        if (t.Contains("INT", StringComparison.Ordinal) || t.Contains("REAL", StringComparison.Ordinal) || t.Contains("FLOA", StringComparison.Ordinal)
            || t.Contains("DOUB", StringComparison.Ordinal) || t.Contains("NUMERIC", StringComparison.Ordinal) || t.Contains("DECIMAL", StringComparison.Ordinal))
        {
            return ("NUMBER", StorageKind.Number);
        }
        if (t.Contains("DATETIME", StringComparison.Ordinal) || t.Contains("TIMESTAMP", StringComparison.Ordinal)) return ("DATETIME", StorageKind.DateTime);
        if (t.Contains("DATE", StringComparison.Ordinal)) return ("DATE", StorageKind.Text);
        if (t.Contains("TIME", StringComparison.Ordinal)) return ("TIME", StorageKind.Text);
        if (t.Contains("JSON", StringComparison.Ordinal)) return ("OBJECT", StorageKind.Json);
        if (t.Contains("BLOB", StringComparison.Ordinal)) return ("TEXT", StorageKind.Other);
        return ("TEXT", StorageKind.Text);
    }

    public override string TextOrder(string column) => column;

    // lower() folds ASCII only, as SQLite's LIKE did. A suffix longer than the text starts at 0 or below, where substr
    // returns less than the whole suffix, so it never compares equal.
    public override string TextMatch(string column, TextMatchKind kind, string textParam) => kind switch
    {
        TextMatchKind.Contains => $"instr(lower({column}), lower({textParam})) > 0",
        TextMatchKind.StartsWith => $"substr(lower({column}), 1, length(lower({textParam}))) = lower({textParam})",
        _ => $"substr(lower({column}), length(lower({column})) - length(lower({textParam})) + 1) = lower({textParam})",
    };

    public override string RegexMatch(string column, string patternParam) => $"{column} REGEXP {patternParam}";

    public override string JsonEquals(string column, string jsonParam) =>
        $"(json_valid({column}) AND json({column}) = json({jsonParam}))";

    public override string JsonArrayContains(string column, JsonNode? element, SqlParams ps)
    {
        var (value, kind) = element switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => ((object?)s, StorageKind.Text),
            JsonValue v when v.TryGetValue<bool>(out var b) => (b, StorageKind.Boolean),
            JsonValue v when v.TryGetValue<double>(out var d) => (d, StorageKind.Number),
            null => (null, StorageKind.Text),
            _ => (element.ToJsonString(), StorageKind.Json),
        };
        var p = ps.Add(value, kind);
        return $"EXISTS (SELECT 1 FROM json_each({ArrayOrEmpty(column)}) AS je WHERE je.value = {p})";
    }

    private static string ArrayOrEmpty(string column) =>
        $"CASE WHEN json_valid({column}) AND json_type({column}) = 'array' THEN {column} ELSE '[]' END";

    // A path is a JSON path of quoted keys: '$."address"."city"'. FieldPath keeps quotes and backslashes out of keys.
    private static string PathLiteral(IEnumerable<string> path) =>
        "'$" + string.Concat(path.Select(s => ".\"" + s.Replace("'", "''", StringComparison.Ordinal) + "\"")) + "'";

    // Text that is not JSON (written by another tool) holds no nested values; the JSON functions would fail on it.
    public override string JsonPathValue(string column, IReadOnlyList<string> path) =>
        $"(CASE WHEN json_valid({column}) THEN {column} -> {PathLiteral(path)} END)";

    // json_extract(column, path) compared with a typed parameter: the same expression as an index on the path, which serves it.
    public override string? JsonPathCompare(string column, IReadOnlyList<string> path, Comparison op, JsonNode operand, SqlParams ps)
    {
        var o = JsonOperand.Of(operand);
        var literal = PathLiteral(path);
        string Typed(string types, string target, string param) =>
            $"(json_valid({column}) AND json_type({column}, {target}) IN ({types}) AND json_extract({column}, {target}) {op.Operator()} {param})";
        return (o.Kind, op) switch
        {
            (JsonOperandKind.Number, _) => Typed("'integer', 'real'", literal, ps.Add(o.Number, StorageKind.Number)),
            (JsonOperandKind.String, _) => Typed("'text'", literal, ps.Add(o.Text)),
            (JsonOperandKind.Date, _) => Typed("'text'", PathLiteral(path.Append(QueryOperators.DateKey)), ps.Add(o.DateText)),
            (JsonOperandKind.Boolean, Comparison.Eq) => $"(json_valid({column}) AND json_type({column}, {literal}) = '{(o.Node.GetValue<bool>() ? "true" : "false")}')",
            (JsonOperandKind.Json, Comparison.Eq) =>
                $"(json_valid({column}) AND json_type({column}, {literal}) IN ('object', 'array') AND ({column} -> {literal}) = json({ps.Add(o.JsonText, StorageKind.Json)}))",
            _ => null,
        };
    }

    public override string JsonPathText(string column, IReadOnlyList<string> path) =>
        $"(CASE WHEN json_valid({column}) AND json_type({column}, {PathLiteral(path)}) = 'text' THEN json_extract({column}, {PathLiteral(path)}) END)";

    public override string JsonPathNumber(string column, IReadOnlyList<string> path) =>
        $"(CASE WHEN json_valid({column}) AND json_type({column}, {PathLiteral(path)}) IN ('integer', 'real') THEN json_extract({column}, {PathLiteral(path)}) END)";

    public override string JsonPathIsNull(string column, IReadOnlyList<string> path) =>
        $"(COALESCE(CASE WHEN json_valid({column}) THEN json_type({column}, {PathLiteral(path)}) END, 'null') = 'null')";

    public override IReadOnlyList<string> JsonOrderTerms(string json, bool descending)
    {
        var direction = descending ? " DESC" : " ASC";
        var jsonValue = $"(CASE WHEN json_valid({json}) THEN {json} END)";
        return
        [
            $"(CASE json_type({jsonValue}) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'true' THEN 3 WHEN 'false' THEN 3 WHEN 'null' THEN NULL ELSE 4 END){direction}",
            $"(CASE WHEN json_type({jsonValue}) IN ('integer', 'real') THEN json_extract({jsonValue}, '$') END){direction}",
            $"(CASE WHEN json_type({jsonValue}) NOT IN ('integer', 'real') THEN json_extract({jsonValue}, '$') END){direction}",
        ];
    }

    public override string JsonPathIndexKey(string column, IReadOnlyList<string> path) => $"json_extract({column}, {PathLiteral(path)})";

    public override string IndexStatesQuery =>
        "SELECT l.name, 1, 0, l.\"unique\" = 1 AND (SELECT COUNT(*) FROM pragma_index_info(l.name)) = 1 " +
        "AND EXISTS (SELECT 1 FROM pragma_index_info(l.name) AS c WHERE c.name = '_id') FROM pragma_index_list(@p0) AS l";

    public override string JsonParameter(JsonNode? value, SqlParams ps) => $"json({ps.Add(value?.ToJsonString() ?? "null", StorageKind.Json)})";

    // json_set creates missing objects on the way but leaves the value alone when one on the way is not an object, so
    // each level on the way is set first: to itself when it is an object, else to {}.
    public override string JsonSetPath(string value, IReadOnlyList<string> path, string newValue)
    {
        var root = $"(CASE WHEN json_valid({value}) AND json_type({value}) = 'object' THEN {value} ELSE '{{}}' END)";
        var arguments = new List<string> { root };
        for (var i = 1; i < path.Count; i++)
        {
            var level = PathLiteral(path.Take(i));
            arguments.Add(level);
            arguments.Add($"(CASE WHEN json_type({root}, {level}) = 'object' THEN json({root} -> {level}) ELSE json('{{}}') END)");
        }
        arguments.Add(PathLiteral(path));
        arguments.Add(newValue);
        return $"json_set({string.Join(", ", arguments)})";
    }

    public override string JsonRemovePath(string value, IReadOnlyList<string> path) =>
        $"(CASE WHEN json_valid({value}) THEN json_remove({value}, {PathLiteral(path)}) ELSE {value} END)";

    public override string JsonIncrementPath(string value, IReadOnlyList<string> path, double by, SqlParams ps)
    {
        var literal = PathLiteral(path);
        // An integral step is bound as an integer, so that 1 + 1 stays 2 rather than 2.0.
        var step = by == Math.Floor(by) && Math.Abs(by) < 9e15 ? ps.Add((long)by, StorageKind.Number) : ps.Add(by, StorageKind.Number);
        var current = $"COALESCE(CASE WHEN json_valid({value}) AND json_type({value}, {literal}) IN ('integer', 'real') THEN json_extract({value}, {literal}) END, 0)";
        return JsonSetPath(value, path, $"({current} + {step})");
    }

    private static string ArrayOrEmptyText(string array) => $"(CASE WHEN json_valid({array}) AND json_type({array}) = 'array' THEN {array} ELSE '[]' END)";

    public override string JsonAppend(string array, JsonNode? element, SqlParams ps) =>
        $"json_insert({ArrayOrEmptyText(array)}, '$[#]', {JsonParameter(element, ps)})";

    public override string JsonRemoveFromArray(string array, JsonNode? element, SqlParams ps) =>
        $"(CASE WHEN json_valid({array}) AND json_type({array}) = 'array' THEN (SELECT json_group_array(json(CASE je.type WHEN 'text' THEN json_quote(je.value) " +
        $"WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE je.value END)) FROM json_each({array}) AS je " +
        $"WHERE NOT {ElementEquals("je", element, ps)}) ELSE {array} END)";

    /// <summary>True when the <c>json_each</c> row <paramref name="each"/> holds <paramref name="element"/> (typed: "1" is not 1, true is not 1).</summary>
    private static string ElementEquals(string each, JsonNode? element, SqlParams ps) => element?.GetValueKind() switch
    {
        null or System.Text.Json.JsonValueKind.Null => $"({each}.type = 'null')",
        System.Text.Json.JsonValueKind.True => $"({each}.type = 'true')",
        System.Text.Json.JsonValueKind.False => $"({each}.type = 'false')",
        System.Text.Json.JsonValueKind.String => $"({each}.type = 'text' AND {each}.value = {ps.Add(element.GetValue<string>())})",
        System.Text.Json.JsonValueKind.Number => $"({each}.type IN ('integer', 'real') AND {each}.value = {ps.Add(element.GetValue<double>(), StorageKind.Number)})",
        _ => $"({each}.type IN ('object', 'array') AND json({each}.value) = json({ps.Add(element.ToJsonString(), StorageKind.Json)}))",
    };

    public override string JsonIsNullOr(string json, JsonKind kind) =>
        $"({json} IS NULL OR (json_valid({json}) AND json_type({json}) IN ('null', {(kind == JsonKind.Number ? "'integer', 'real'" : "'array'")})))";

    // 9e999 is how SQLite writes Infinity; NaN is stored as NULL.
    public override string IsFiniteNumber(string column) => $"{column} NOT IN (9e999, -9e999)";

    public override string OrderTerm(string column, StorageKind kind, bool descending) => column + (descending ? " DESC" : " ASC");

    public override (string Join, string Value, string? Type) UnwindArray(string column) =>
        ($"JOIN json_each({ArrayOrEmpty(column)}) AS je", "je.value", "je.type");

    public override string CatalogQuery(bool oneTable) =>
        "SELECT m.name, m.type, p.name, p.type FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p " +
        "WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_externaldb\\_%' ESCAPE '\\'" +
        (oneTable ? " AND m.name = @p0" : "") + " ORDER BY m.name, p.cid";

    public override bool IsView(string tableType) => string.Equals(tableType, "view", StringComparison.OrdinalIgnoreCase);

    public override IReadOnlyList<string> MetadataDdl { get; } =
    [
        // WAL lets readers go on while a request writes (a no-op for in-memory databases).
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE IF NOT EXISTS _externaldb_collections (collection_id TEXT PRIMARY KEY, display_name TEXT)",
        "CREATE TABLE IF NOT EXISTS _externaldb_fields (collection_id TEXT NOT NULL, field_key TEXT NOT NULL, field_type TEXT NOT NULL, display_name TEXT, options TEXT, PRIMARY KEY (collection_id, field_key))",
        "CREATE TABLE IF NOT EXISTS _externaldb_references (seq INTEGER PRIMARY KEY AUTOINCREMENT, collection_id TEXT NOT NULL, field_key TEXT NOT NULL, referring_id TEXT NOT NULL, referenced_id TEXT NOT NULL, referenced_collection_id TEXT, UNIQUE (collection_id, field_key, referring_id, referenced_id))",
        "CREATE INDEX IF NOT EXISTS _externaldb_references_referenced ON _externaldb_references (referenced_collection_id, referenced_id)",
        "CREATE TABLE IF NOT EXISTS _externaldb_indexes (collection_id TEXT NOT NULL, index_name TEXT NOT NULL, sql_name TEXT NOT NULL, definition TEXT NOT NULL, status TEXT NOT NULL, failure TEXT, PRIMARY KEY (collection_id, index_name))",
    ];

    // SQLite has one writer at a time; a busy writer otherwise waits in the driver's retry loop (150 ms naps). Writers of
    // this process queue here instead and go the moment the previous one commits.
    private readonly SemaphoreSlim _writer = new(1, 1);

    public override async ValueTask<IDisposable?> EnterWriteAsync(CancellationToken ct)
    {
        await _writer.WaitAsync(ct).ConfigureAwait(false);
        return new WriterRelease(_writer);
    }

    private sealed class WriterRelease(SemaphoreSlim writer) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                writer.Release();
            }
        }
    }

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        connection.CreateFunction<string?, string?, bool?>("regexp", static (pattern, input) =>
            pattern is null || input is null ? null : Regex.IsMatch(input, pattern, RegexOptions.CultureInvariant, RegexTimeout), isDeterministic: true);
        return connection;
    }

    public override void Bind(DbCommand command, SqlParam param)
    {
        var p = command.CreateParameter();
        p.ParameterName = param.Name;
        p.Value = param.Value switch
        {
            null => DBNull.Value,
            bool b => b ? 1L : 0L,
            DateTime d => FormatDate(d),
            var v => v,
        };
        command.Parameters.Add(p);
    }

    public static string FormatDate(DateTime d) => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public override bool IsUniqueViolation(Exception ex) => ex is SqliteException { SqliteErrorCode: 19 };

    public override bool ReturnsWrittenRows => true;

    // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another process held the database longer than the busy timeout.
    public override bool IsTransient(Exception ex) => ex is SqliteException { SqliteErrorCode: 5 or 6 };

    // SQLITE_TOOBIG (18), or SQLITE_ERROR (1) with "too many columns", "Expression tree is too large", "too many SQL
    // variables", "LIKE or GLOB pattern too complex", "parser stack overflow"...
    public override bool IsLimitExceeded(Exception ex) => ex is SqliteException e && (e.SqliteErrorCode == 18 || (e.SqliteErrorCode == 1 &&
        new[] { "too many", "too large", "too complex", "too big", "stack overflow" }.Any(m => e.Message.Contains(m, StringComparison.Ordinal))));

    // SQLite reports these as the generic SQLITE_ERROR (1); the message is all that tells them apart.
    public override SchemaConflict SchemaConflictOf(Exception ex) => ex is SqliteException { SqliteErrorCode: 1 } e ? e.Message switch
    {
        var m when m.Contains("no such table", StringComparison.Ordinal) => SchemaConflict.MissingCollection,
        var m when m.Contains("no such column", StringComparison.Ordinal) || m.Contains("has no column named", StringComparison.Ordinal) => SchemaConflict.MissingField,
        var m when m.Contains("already exists", StringComparison.Ordinal) || m.Contains("duplicate column name", StringComparison.Ordinal) => SchemaConflict.AlreadyExists,
        _ => SchemaConflict.None,
    } : SchemaConflict.None;
}
