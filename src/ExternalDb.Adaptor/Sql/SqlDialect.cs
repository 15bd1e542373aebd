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
