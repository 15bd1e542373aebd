using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ExternalDb.Bench;

/// <summary>A column of a collection the adaptor created: its key and how it is stored.</summary>
internal sealed record BenchColumn(string Key, ColumnKind Kind, string? FieldType = null);

/// <summary>How an engine's SQL differs in what the harness rebuilds: identifier quotes and the multi-row UPDATE.</summary>
internal enum SqlShape
{
    /// <summary>SQLite and PostgreSQL: double quotes, <c>WITH v AS (VALUES ...) UPDATE ... FROM v</c>.</summary>
    Ansi,
    /// <summary>MySQL and MariaDB: backticks, <c>UPDATE ... JOIN (SELECT ... UNION ALL SELECT ...) AS v</c>.</summary>
    MySql,
}

/// <summary>
/// A collection created through <c>/v3/collections/create</c> and the SQL the adaptor's ItemStore generates for it,
/// rebuilt here text for text (the PostgreSQL and MySQL runs check that against the statements the adaptor really sent).
/// </summary>
internal sealed class BenchTable
{
    /// <summary>The adaptor's system columns come first, in this order (Catalog.SystemSpecs).</summary>
    private static readonly BenchColumn[] SystemColumns =
    [
        new("_id", ColumnKind.Text),
        new("_createdDate", ColumnKind.DateTime),
        new("_updatedDate", ColumnKind.DateTime),
        new("_owner", ColumnKind.Text),
    ];

    private readonly SqlShape _shape;

    public BenchTable(string name, IReadOnlyList<BenchColumn> userColumns, SqlShape shape = SqlShape.Ansi)
    {
        _shape = shape;
        Name = name;
        UserColumns = userColumns;
        Columns = [.. SystemColumns, .. userColumns];
        Quoted = Q(name);
    }

    public string Name { get; }

    public string Quoted { get; }

    public IReadOnlyList<BenchColumn> UserColumns { get; }

    public IReadOnlyList<BenchColumn> Columns { get; }

    /// <summary>The benchmark collection: four user fields of four storage kinds.</summary>
    public static BenchTable Items(string name, SqlShape shape) => new(name,
    [
        new("title", ColumnKind.Text, "TEXT"),
        new("price", ColumnKind.Number, "NUMBER"),
        new("category", ColumnKind.Text, "TEXT"),
        new("flag", ColumnKind.Boolean, "BOOLEAN"),
    ], shape);

    public static string Quote(string identifier) => Quote(identifier, SqlShape.Ansi);

    public static string Quote(string identifier, SqlShape shape)
    {
        var q = shape == SqlShape.MySql ? "`" : "\"";
        return q + identifier.Replace(q, q + q, StringComparison.Ordinal) + q;
    }

    /// <summary>An identifier quoted as this table's engine quotes it.</summary>
    public string Q(string identifier) => Quote(identifier, _shape);

    public static string P(int index) => "@p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>/v3/collections/create</c> request for this table.</summary>
    public JsonObject CreateRequest() => new()
    {
        ["collection"] = new JsonObject
        {
            ["id"] = Name,
            ["displayName"] = Name,
            ["fields"] = new JsonArray([.. UserColumns.Select(c => (JsonNode)new JsonObject { ["key"] = c.Key, ["type"] = c.FieldType })]),
        },
    };

    private string AllColumns => string.Join(", ", Columns.Select(c => Q(c.Key)));

    /// <summary>ItemStore.QueryAsync: the page (one row more than the limit, to know whether there is a next page).</summary>
    public string QueryPage(string where, string orderBy, int firstLimitParam) =>
        $"SELECT {AllColumns} FROM {Quoted} WHERE {where} ORDER BY {orderBy} LIMIT {P(firstLimitParam)} OFFSET {P(firstLimitParam + 1)}";

    /// <summary>ItemStore.QueryAsync with returnTotalCount.</summary>
    public string Count(string where) => $"SELECT COUNT(*) FROM {Quoted} WHERE {where}";

    /// <summary>ItemStore.ExistingIdsAsync; <paramref name="lockRows"/> is what follows when it locks them (updates).</summary>
    public string ExistingIds(int count, string lockRows = "") => $"SELECT {Q("_id")} FROM {Quoted} WHERE {Q("_id")} IN ({ParamList(0, count)}){lockRows}";

    /// <summary>ItemStore.ReadByIdsAsync (the read-back of written items).</summary>
    public string ReadByIds(int count) => $"SELECT {AllColumns} FROM {Quoted} WHERE {Q("_id")} IN ({ParamList(0, count)})";

    /// <summary>
    /// ItemStore.InsertRowsAsync where the engine answers the rows it wrote (SQLite, PostgreSQL): one INSERT that skips
    /// taken ids and returns the stored rows.
    /// </summary>
    public string InsertReturning(IReadOnlyList<BenchColumn> columns, int rows) =>
        Insert(columns, rows) + $" ON CONFLICT ({Q("_id")}) DO NOTHING RETURNING {AllColumns}";

    /// <summary>ItemStore.UpdateRowsAsync where the engine answers the rows it wrote: the changed rows, qualified by the table.</summary>
    public string Returning => " RETURNING " + string.Join(", ", Columns.Select(c => $"{Quoted}.{Q(c.Key)}"));

    /// <summary>ItemStore.InsertRowsAsync: one multi-row INSERT of the columns the items carry.</summary>
    public string Insert(IReadOnlyList<BenchColumn> columns, int rows) =>
        $"INSERT INTO {Quoted} ({string.Join(", ", columns.Select(c => Q(c.Key)))}) VALUES {Tuples(columns.Count, rows)}";

    /// <summary>ItemStore.UpdateRowsAsync: full replacement of every column but <c>_id</c> and <c>_createdDate</c>.</summary>
    public string UpdateFromValues(int rows, int firstParam = 0)
    {
        var columns = UpdateColumns.Select(c => Q(c.Key)).ToList();
        if (_shape == SqlShape.MySql)
        {
            var width = columns.Count;
            var selects = Enumerable.Range(0, rows).Select(r => "SELECT " + string.Join(", ",
                Enumerable.Range(0, width).Select(c => r == 0 ? $"{P(firstParam + c)} AS {columns[c]}" : P(firstParam + r * width + c))));
            return $"UPDATE {Quoted} JOIN ({string.Join(" UNION ALL ", selects)}) AS v ON {Quoted}.{columns[0]} = v.{columns[0]} " +
                   $"SET {string.Join(", ", columns.Skip(1).Select(c => $"{Quoted}.{c} = v.{c}"))}";
        }
        var set = columns.Skip(1).Select(c => $"{c} = v.{c}");
        return $"WITH v ({string.Join(", ", columns)}) AS (VALUES {Tuples(columns.Count, rows, firstParam)}) " +
               $"UPDATE {Quoted} SET {string.Join(", ", set)} FROM v WHERE {Quoted}.{columns[0]} = v.{columns[0]}";
    }

    /// <summary><c>_id</c> then every column the update sets, in catalog order.</summary>
    public IReadOnlyList<BenchColumn> UpdateColumns => [Columns[0], .. Columns.Where(c => c.Key is not ("_id" or "_createdDate"))];

    /// <summary>The columns an insert of items without <c>_owner</c> writes.</summary>
    public IReadOnlyList<BenchColumn> InsertColumns => [.. Columns.Where(c => c.Key != "_owner")];

    private static string ParamList(int first, int count) => string.Join(", ", Enumerable.Range(first, count).Select(P));

    private static string Tuples(int width, int rows, int firstParam = 0)
    {
        var sb = new StringBuilder();
        var p = firstParam;
        for (var r = 0; r < rows; r++)
        {
            sb.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < width; c++)
            {
                sb.Append(c == 0 ? "" : ", ").Append(P(p++));
            }
            sb.Append(')');
        }
        return sb.ToString();
    }
}
