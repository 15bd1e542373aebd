using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Sql;

/// <summary>A SQL parameter with its engine-neutral value (string, double, bool, DateTime UTC, JSON text).</summary>
internal sealed record SqlParam(string Name, object? Value, StorageKind Kind);

/// <summary>The parameters of one statement; every value goes through here, never into SQL text.</summary>
internal sealed class SqlParams
{
    private readonly List<SqlParam> _items = [];

    public IReadOnlyList<SqlParam> Items => _items;

    /// <summary>
    /// About how many bytes <paramref name="value"/> takes in a statement: UTF-8 text plus one per character that is
    /// escaped in a literal (MySQL sends values inside the statement text).
    /// </summary>
    public static long EstimateBytes(object? value) => value switch
    {
        string s => System.Text.Encoding.UTF8.GetByteCount(s) + s.AsSpan().Count('\'') + s.AsSpan().Count('\\') + 4,
        _ => 32,
    };

    public string Add(object? value, StorageKind kind = StorageKind.Text)
    {
        var name = "@p" + _items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _items.Add(new SqlParam(name, value, kind));
        return name;
    }
}
