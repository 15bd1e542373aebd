using System.Data.Common;
using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Sql;

/// <summary>What differs between the SQL engines: column types, operators, catalog and parameters.</summary>
internal abstract class SqlDialect
{
    /// <summary><c>sqlite</c>, <c>postgres</c> or <c>mysql</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Quotes an identifier (a validated name, see <see cref="Identifiers"/>); ANSI double quotes unless the engine differs.</summary>
    public virtual string Quote(string name) => Identifiers.Quote(name);

    /// <summary>
    /// Enters the engine's write section before a write transaction begins; disposing leaves it. A no-op where the
    /// engine runs writers side by side.
    /// </summary>
    public virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken ct) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>How many parameters one multi-row statement binds at most (its rows are chunked by it).</summary>
    public virtual int MaxParametersPerStatement => 30_000;

    /// <summary>
    /// The most bytes of values one statement may carry (rows are chunked by it as well); unlimited unless the engine
    /// caps the size of a statement.
    /// </summary>
    public virtual long MaxStatementBytes => long.MaxValue;

    /// <summary>The column type the adaptor creates for a storage kind.</summary>
    public abstract string ColumnType(StorageKind kind);

    /// <summary>The column type of <c>_id</c> in collections the adaptor creates (a primary key).</summary>
    public virtual string IdColumnType => ColumnType(StorageKind.Text);

    /// <summary>What follows the column list of a <c>CREATE TABLE</c> (engine, character set); empty by default.</summary>
    public virtual string TableOptions => "";

    /// <summary>The isolation level of write transactions (<see cref="System.Data.IsolationLevel.Unspecified"/>: the engine's default).</summary>
    public virtual System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.Unspecified;

    /// <summary>The field type and storage of an existing column with SQL type <paramref name="sqlType"/>.</summary>
    public abstract (string FieldType, StorageKind Storage) FromSqlType(string sqlType);

    /// <summary>The expression that reads a field, optionally qualified by a table alias.</summary>
    public virtual string ColumnRef(FieldInfo field, string? qualifier = null) =>
        qualifier is null ? Quote(field.Key) : qualifier + "." + Quote(field.Key);

    /// <summary>A column made ready for &lt; and &gt; comparisons of text, the same in every engine (binary order).</summary>
    public abstract string TextOrder(string column);

    /// <summary>
    /// True when the text in <paramref name="column"/> contains, starts or ends with the text in <paramref name="textParam"/>,
    /// ignoring case as <c>lower()</c> of the engine does. Plain string functions rather than LIKE: no wildcards to escape,
    /// no pattern length limit (SQLite's is 50,000 bytes) and no per-row cost that grows with the pattern (PostgreSQL's ILIKE).
    /// </summary>
    public abstract string TextMatch(string column, TextMatchKind kind, string textParam);

    /// <summary>A regular-expression match; the pattern may start with <c>(?i)</c>.</summary>
    public abstract string RegexMatch(string column, string patternParam);

    /// <summary>JSON equality of a JSON column and a JSON parameter.</summary>
    public abstract string JsonEquals(string column, string jsonParam);

    /// <summary>True when the JSON array in <paramref name="column"/> holds <paramref name="element"/>.</summary>
    public abstract string JsonArrayContains(string column, System.Text.Json.Nodes.JsonNode? element, SqlParams ps);

    /// <summary>True for a number column's value other than ±Infinity and NaN (which read as null).</summary>
    public abstract string IsFiniteNumber(string column);

    /// <summary>An ORDER BY term; nulls sort first ascending and last descending in every engine.</summary>
    public abstract string OrderTerm(string column, StorageKind kind, bool descending);

    /// <summary>
    /// What <see cref="OrderTerm"/> sorts by, without the direction: the expression that <c>&lt;</c>, <c>=</c> and
    /// <c>&gt;</c> compare in the same order (keyset cursors continue after a row with it).
    /// </summary>
    public string SortKey(string column, StorageKind kind) => kind is StorageKind.Text or StorageKind.Other ? TextOrder(column) : column;

    /// <summary>Table-valued expansion of a JSON array column for distinct values: the FROM addition and the value expression.</summary>
    public abstract (string Join, string Value, string? Type) UnwindArray(string column);

    /// <summary>One query listing (table, table type, column, column type) of the user's tables, optionally one table.</summary>
    public abstract string CatalogQuery(bool oneTable);

    /// <summary>True when a catalog table type means a view.</summary>
    public abstract bool IsView(string tableType);

    /// <summary>DDL of the adaptor's own metadata tables.</summary>
    public abstract IReadOnlyList<string> MetadataDdl { get; }

    /// <summary>Opens a connection ready for use.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>Binds one parameter, converting the engine-neutral value.</summary>
    public abstract void Bind(DbCommand command, SqlParam param);

    /// <summary>Translates a unique-violation exception, or null.</summary>
    public abstract bool IsUniqueViolation(Exception ex);

    /// <summary>True when the statement went beyond a limit of the engine (columns per table, expression depth, value size...).</summary>
    public abstract bool IsLimitExceeded(Exception ex);

    /// <summary>True for a failure that running the transaction again may not meet (deadlock victim, serialization failure, busy).</summary>
    public abstract bool IsTransient(Exception ex);

    /// <summary>
    /// True when INSERT and UPDATE answer the rows they wrote (<c>RETURNING</c>) and an INSERT can skip rows whose key
    /// is taken (<c>ON CONFLICT (key) DO NOTHING</c>): a write then needs no separate existence check or read-back.
    /// </summary>
    public virtual bool ReturnsWrittenRows => false;

    /// <summary>The clause that locks the rows a SELECT reads until the transaction ends ("" where writers are serialized anyway).</summary>
    public virtual string LockRows => "";

    /// <summary>What a statement found different from the collection description it was built from, if that is why it failed.</summary>
    public abstract SchemaConflict SchemaConflictOf(Exception ex);

    /// <summary>
    /// One statement that replaces the values of existing rows: <paramref name="columns"/> are quoted, the first is the
    /// key; each row holds one parameter per column. Default: <c>WITH v AS (VALUES ...) UPDATE ... FROM v</c>.
    /// </summary>
    public virtual string UpdateFromRows(string table, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var values = string.Join(", ", rows.Select(r => "(" + string.Join(", ", r) + ")"));
        var key = columns[0];
        return $"WITH v ({string.Join(", ", columns)}) AS (VALUES {values}) " +
               $"UPDATE {table} SET {string.Join(", ", columns.Skip(1).Select(c => $"{c} = v.{c}"))} FROM v WHERE {table}.{key} = v.{key}";
    }

    /// <summary>Drops a column (every engine supports ALTER TABLE DROP COLUMN).</summary>
    public virtual string DropColumn(string table, string column) => $"ALTER TABLE {table} DROP COLUMN {column}";

    /// <summary>
    /// The statement that keeps other writers off a table until the transaction ends (a schema change that reads every
    /// row first), or null where the transaction already does (SQLite's write transactions).
    /// </summary>
    public virtual string? LockTable(string table) => null;

    /// <summary>True when a schema change failed because other database objects (a view) depend on what it changes.</summary>
    public virtual bool IsDependencyError(Exception ex) => false;

    /// <summary>Renames a column (<c>ALTER TABLE ... RENAME COLUMN</c>).</summary>
    public virtual string RenameColumn(string table, string column, string newName) => $"ALTER TABLE {table} RENAME COLUMN {column} TO {newName}";

    // ---------- nested paths into JSON object fields ----------
    // A path's keys were checked by FieldPath (no quotes, backslashes or control characters, not starting with $) and are
    // written into the SQL as literals: an expression index on the same path then matches the query's expression.

    /// <summary>The JSON value at <paramref name="path"/> inside the JSON column (SQL NULL when missing): projections, distinct values, grouping.</summary>
    public abstract string JsonPathValue(string column, IReadOnlyList<string> path);

    /// <summary>
    /// The value at <paramref name="path"/> compared with <paramref name="operand"/>, typed by the operand: a number with
    /// numbers, a string with strings (binary order), a date <c>{"$date": ...}</c> with dates, a boolean, object or array
    /// only for equality. Values of another type never match. Null when <paramref name="op"/> does not apply to the operand.
    /// </summary>
    public abstract string? JsonPathCompare(string column, IReadOnlyList<string> path, Comparison op, System.Text.Json.Nodes.JsonNode operand, SqlParams ps);

    /// <summary>The text of a string at <paramref name="path"/>, SQL NULL for any other value: string operators and patterns.</summary>
    public abstract string JsonPathText(string column, IReadOnlyList<string> path);

    /// <summary>The number at <paramref name="path"/> as a double, SQL NULL for any other value: aggregation operands.</summary>
    public abstract string JsonPathNumber(string column, IReadOnlyList<string> path);

    /// <summary>True when nothing (or JSON <c>null</c>) is at <paramref name="path"/>.</summary>
    public abstract string JsonPathIsNull(string column, IReadOnlyList<string> path);

    /// <summary>True when the value at <paramref name="path"/> is an array holding <paramref name="element"/>.</summary>
    public string JsonPathArrayContains(string column, IReadOnlyList<string> path, System.Text.Json.Nodes.JsonNode? element, SqlParams ps) =>
        JsonArrayContains(JsonPathValue(column, path), element, ps);

    /// <summary>
    /// ORDER BY terms of a JSON value (as <see cref="JsonPathValue"/> gives it): missing first ascending, then numbers
    /// (numerically), then strings (binary order), then booleans, then objects and arrays.
    /// </summary>
    public abstract IReadOnlyList<string> JsonOrderTerms(string jsonValue, bool descending);

    /// <summary>The key expression of an index on a nested path: the expression equality on the path compares (see <see cref="JsonPathCompare"/>).</summary>
    public abstract string JsonPathIndexKey(string column, IReadOnlyList<string> path);

    // ---------- indexes ----------

    /// <summary>
    /// True when the engine builds indexes without blocking writers, outside a transaction (PostgreSQL's
    /// <c>CREATE INDEX CONCURRENTLY</c>): the adaptor then builds in the background and reports BUILDING meanwhile.
    /// </summary>
    public virtual bool BuildsIndexesConcurrently => false;

    /// <summary>
    /// The key of an index on a field or a path inside it (without ASC/DESC): the expression the queries on it use,
    /// so that they can use the index; lower-cased text when <paramref name="caseInsensitive"/>. Null when the engine
    /// cannot index it.
    /// </summary>
    public virtual IndexKeySql? IndexTerm(FieldInfo field, IReadOnlyList<string> path, bool caseInsensitive)
    {
        var column = ColumnRef(field);
        if (path.Count > 0)
        {
            return new IndexKeySql(caseInsensitive ? $"(lower({JsonPathText(column, path)}))" : $"({JsonPathIndexKey(column, path)})", IsExpression: true);
        }
        return caseInsensitive && field.Storage is StorageKind.Text or StorageKind.Other
            ? new IndexKeySql($"(lower({column}))", IsExpression: true)
            : new IndexKeySql($"({column})", IsExpression: false);
    }

    /// <summary>The statement that creates the index <paramref name="sqlName"/> of <paramref name="table"/> (names unquoted) over <paramref name="keys"/>.</summary>
    public virtual string CreateIndex(string sqlName, string table, IReadOnlyList<IndexKeySql> keys, bool unique, bool concurrently) =>
        $"CREATE {(unique ? "UNIQUE " : "")}INDEX {Quote(sqlName)} ON {Quote(table)} ({KeyList(keys)})";

    /// <summary>The column list of an index: its keys with their order.</summary>
    protected static string KeyList(IReadOnlyList<IndexKeySql> keys) => string.Join(", ", keys.Select(k => k.Term(k.Sql)));

    /// <summary>The statement that drops an index (quoted names) if it exists.</summary>
    protected virtual string DropIndex(string name, string table, bool concurrently) => $"DROP INDEX IF EXISTS {name}";

    /// <summary>
    /// Drops the index <paramref name="sqlName"/> of <paramref name="table"/> (names unquoted), with whatever the engine
    /// made for it (MariaDB's generated columns); outside a transaction when <paramref name="concurrently"/>.
    /// </summary>
    public virtual async Task DropIndexAsync(DbConnection connection, DbTransaction? tx, string sqlName, string table, bool concurrently, CancellationToken ct) =>
        await Data.Db.ExecuteAsync(this, connection, tx, DropIndex(Quote(sqlName), Quote(table), concurrently), null, ct).ConfigureAwait(false);

    /// <summary>
    /// One query listing the indexes of the table named by parameter <c>@p0</c>: (name, valid, being built, unique on
    /// <c>_id</c> alone). "Valid" is false for an index whose build failed or has not finished.
    /// </summary>
    public abstract string IndexStatesQuery { get; }

    /// <summary>True when a failed index build failed because rows hold the same key (a unique index over duplicates).</summary>
    public virtual bool IsDuplicateKey(Exception ex) => IsUniqueViolation(ex);

    /// <summary>True when a failed index build failed because a key is too large for the index.</summary>
    public virtual bool IsKeyTooLarge(Exception ex) => false;

    /// <summary>What the engine said about a failure, without the values it may quote (PostgreSQL's <c>DETAIL</c>).</summary>
    public virtual string FailureText(Exception ex) => ex.Message;

    // ---------- patch: expressions of one UPDATE statement per item ----------
    // "value" arguments are short expressions (a column or a Let alias) that may be written more than once.

    /// <summary>
    /// <paramref name="body"/> applied to <paramref name="value"/> once evaluated: a scalar subquery over a one-row derived
    /// table, so that a body naming the value several times does not repeat (and grow) its expression.
    /// </summary>
    public virtual string Let(string value, string alias, Func<string, string> body) =>
        $"(SELECT {body(alias + ".v")} FROM (SELECT {value} AS v) AS {alias})";

    /// <summary>
    /// True when an UPDATE's assignments run in order, each seeing the columns as the previous ones left them (MySQL):
    /// a patch then assigns a column once per modification instead of nesting the modifications in one expression.
    /// </summary>
    public virtual bool AssignsColumnsInOrder => false;

    /// <summary>A JSON value as an expression <see cref="JsonSetPath"/>, <see cref="JsonAppend"/> and <see cref="JsonRemoveFromArray"/> take.</summary>
    public abstract string JsonParameter(System.Text.Json.Nodes.JsonNode? value, SqlParams ps);

    /// <summary>
    /// <paramref name="value"/> (a JSON object column, or NULL) with <paramref name="newValue"/> (as <see cref="JsonParameter"/>
    /// gives it) at <paramref name="path"/>; missing objects on the way, and values on the way that are not objects, become objects.
    /// </summary>
    public abstract string JsonSetPath(string value, IReadOnlyList<string> path, string newValue);

    /// <summary><paramref name="value"/> without the key at <paramref name="path"/>.</summary>
    public abstract string JsonRemovePath(string value, IReadOnlyList<string> path);

    /// <summary><paramref name="value"/> with the number at <paramref name="path"/> (missing counts as 0) increased by <paramref name="by"/>.</summary>
    public abstract string JsonIncrementPath(string value, IReadOnlyList<string> path, double by, SqlParams ps);

    /// <summary>The JSON array <paramref name="array"/> (missing counts as empty) with <paramref name="element"/> appended.</summary>
    public abstract string JsonAppend(string array, System.Text.Json.Nodes.JsonNode? element, SqlParams ps);

    /// <summary>The JSON array <paramref name="array"/> without the elements equal to <paramref name="element"/>; missing stays missing.</summary>
    public abstract string JsonRemoveFromArray(string array, System.Text.Json.Nodes.JsonNode? element, SqlParams ps);

    /// <summary>True when the JSON value <paramref name="json"/> is missing, JSON null or of <paramref name="kind"/>.</summary>
    public abstract string JsonIsNullOr(string json, JsonKind kind);
}

/// <summary>The kinds of stored JSON value a patch checks before it changes them.</summary>
internal enum JsonKind
{
    /// <summary>A number (to increment).</summary>
    Number,
    /// <summary>An array (to append to or remove from).</summary>
    Array,
}

/// <summary>The comparisons of a filter on a nested path.</summary>
internal enum Comparison
{
    /// <summary><c>=</c></summary>
    Eq,
    /// <summary><c>&lt;</c></summary>
    Lt,
    /// <summary><c>&lt;=</c></summary>
    Lte,
    /// <summary><c>&gt;</c></summary>
    Gt,
    /// <summary><c>&gt;=</c></summary>
    Gte,
}

/// <summary>SQL spellings shared by the dialects.</summary>
internal static class ComparisonSql
{
    public static string Operator(this Comparison op) => op switch
    {
        Comparison.Eq => "=",
        Comparison.Lt => "<",
        Comparison.Lte => "<=",
        Comparison.Gt => ">",
        _ => ">=",
    };
}

/// <summary>A statement built from one description of a collection met another schema (a change committed meanwhile).</summary>
internal enum SchemaConflict
{
    /// <summary>The failure has another cause.</summary>
    None,
    /// <summary>The table is gone.</summary>
    MissingCollection,
    /// <summary>A column is gone.</summary>
    MissingField,
    /// <summary>The table or column to create is already there.</summary>
    AlreadyExists,
}

/// <summary>The string operators <c>$contains</c>, <c>$startsWith</c>, <c>$endsWith</c>.</summary>
internal enum TextMatchKind
{
    /// <summary><c>$contains</c></summary>
    Contains,
    /// <summary><c>$startsWith</c></summary>
    StartsWith,
    /// <summary><c>$endsWith</c></summary>
    EndsWith,
}
