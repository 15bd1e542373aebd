using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ExternalDb.Bench;

/// <summary>A column of a collection the adaptor created: its key and how it is stored.</summary>
internal sealed record BenchColumn(string Key, ColumnKind Kind, string? FieldType = null);

/// <summary>
/// A collection created through <c>/v3/collections/create</c> and the SQL the adaptor's ItemStore generates for it,
/// rebuilt here text for text (the PostgreSQL run checks that against the statements the adaptor really sent).
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

    public BenchTable(string name, IReadOnlyList<BenchColumn> userColumns)
    {
        Name = name;
        UserColumns = userColumns;
        Columns = [.. SystemColumns, .. userColumns];
        Quoted = Quote(name);
    }

    public string Name { get; }

    public string Quoted { get; }

    public IReadOnlyList<BenchColumn> UserColumns { get; }

    public IReadOnlyList<BenchColumn> Columns { get; }

    /// <summary>The benchmark collection: four user fields of four storage kinds.</summary>
    public static BenchTable Items(string name) => new(name,
    [
        new("title", ColumnKind.Text, "TEXT"),
        new("price", ColumnKind.Number, "NUMBER"),
        new("category", ColumnKind.Text, "TEXT"),
        new("flag", ColumnKind.Boolean, "BOOLEAN"),
    ]);

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

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

    private string AllColumns => string.Join(", ", Columns.Select(c => Quote(c.Key)));

    /// <summary>ItemStore.QueryAsync: the page (one row more than the limit, to know whether there is a next page).</summary>
    public string QueryPage(string where, string orderBy, int firstLimitParam) =>
        $"SELECT {AllColumns} FROM {Quoted} WHERE {where} ORDER BY {orderBy} LIMIT {P(firstLimitParam)} OFFSET {P(firstLimitParam + 1)}";

    /// <summary>ItemStore.QueryAsync with returnTotalCount.</summary>
    public string Count(string where) => $"SELECT COUNT(*) FROM {Quoted} WHERE {where}";

    /// <summary>ItemStore.ExistingIdsAsync.</summary>
    public string ExistingIds(int count) => $"SELECT \"_id\" FROM {Quoted} WHERE \"_id\" IN ({ParamList(0, count)})";

    /// <summary>ItemStore.ReadByIdsAsync (the read-back of written items).</summary>
    public string ReadByIds(int count) => $"SELECT {AllColumns} FROM {Quoted} WHERE \"_id\" IN ({ParamList(0, count)})";

    /// <summary>ItemStore.InsertRowsAsync: one multi-row INSERT of the columns the items carry.</summary>
    public string Insert(IReadOnlyList<BenchColumn> columns, int rows) =>
        $"INSERT INTO {Quoted} ({string.Join(", ", columns.Select(c => Quote(c.Key)))}) VALUES {Tuples(columns.Count, rows)}";

    /// <summary>ItemStore.UpdateRowsAsync: full replacement of every column but <c>_id</c> and <c>_createdDate</c>.</summary>
    public string UpdateFromValues(int rows)
    {
        var columns = UpdateColumns;
        var set = columns.Skip(1).Select(c => $"{Quote(c.Key)} = v.{Quote(c.Key)}");
        return $"WITH v ({string.Join(", ", columns.Select(c => Quote(c.Key)))}) AS (VALUES {Tuples(columns.Count, rows)}) " +
               $"UPDATE {Quoted} SET {string.Join(", ", set)} FROM v WHERE {Quoted}.\"_id\" = v.\"_id\"";
    }

    /// <summary><c>_id</c> then every column the update sets, in catalog order.</summary>
    public IReadOnlyList<BenchColumn> UpdateColumns => [Columns[0], .. Columns.Where(c => c.Key is not ("_id" or "_createdDate"))];

    /// <summary>The columns an insert of items without <c>_owner</c> writes.</summary>
    public IReadOnlyList<BenchColumn> InsertColumns => [.. Columns.Where(c => c.Key != "_owner")];

    private static string ParamList(int first, int count) => string.Join(", ", Enumerable.Range(first, count).Select(P));

    private static string Tuples(int width, int rows)
    {
        var sb = new StringBuilder();
        var p = 0;
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
