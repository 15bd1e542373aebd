using System.Data.Common;
using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Sql;

/// <summary>What differs between the SQL engines: column types, operators, catalog and parameters.</summary>
internal abstract class SqlDialect
{
    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Enters the engine's write section before a write transaction begins; disposing leaves it. A no-op where the
    /// engine runs writers side by side.
    /// </summary>
    public virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken ct) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>How many parameters one multi-row statement binds at most (its rows are chunked by it).</summary>
    public virtual int MaxParametersPerStatement => 30_000;

    /// <summary>The column type the adaptor creates for a storage kind.</summary>
    public abstract string ColumnType(StorageKind kind);

    /// <summary>The field type and storage of an existing column with SQL type <paramref name="sqlType"/>.</summary>
    public abstract (string FieldType, StorageKind Storage) FromSqlType(string sqlType);

    /// <summary>The expression that reads a field, optionally qualified by a table alias.</summary>
    public virtual string ColumnRef(FieldInfo field, string? qualifier = null) =>
        qualifier is null ? Identifiers.Quote(field.Key) : qualifier + "." + Identifiers.Quote(field.Key);

    /// <summary>A column made ready for &lt; and &gt; comparisons of text, the same in both engines (binary order).</summary>
    public abstract string TextOrder(string column);

    /// <summary>A case-insensitive LIKE with <c>\</c> as escape.</summary>
    public abstract string LikeInsensitive(string column, string patternParam);

    /// <summary>A regular-expression match; the pattern may start with <c>(?i)</c>.</summary>
    public abstract string RegexMatch(string column, string patternParam);

    /// <summary>JSON equality of a JSON column and a JSON parameter.</summary>
    public abstract string JsonEquals(string column, string jsonParam);

    /// <summary>True when the JSON array in <paramref name="column"/> holds <paramref name="element"/>.</summary>
    public abstract string JsonArrayContains(string column, System.Text.Json.Nodes.JsonNode? element, SqlParams ps);

    /// <summary>An ORDER BY term; nulls sort first ascending and last descending in both engines.</summary>
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

    /// <summary>Drops a column (both engines support ALTER TABLE DROP COLUMN).</summary>
    public virtual string DropColumn(string table, string column) => $"ALTER TABLE {table} DROP COLUMN {column}";
}
