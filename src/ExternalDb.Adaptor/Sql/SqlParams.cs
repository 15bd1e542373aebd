using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Sql;

/// <summary>A SQL parameter with its engine-neutral value (string, double, bool, DateTime UTC, JSON text).</summary>
internal sealed record SqlParam(string Name, object? Value, StorageKind Kind);

/// <summary>The parameters of one statement; every value goes through here, never into SQL text.</summary>
internal sealed class SqlParams
{
    private readonly List<SqlParam> _items = [];

    public IReadOnlyList<SqlParam> Items => _items;

    public string Add(object? value, StorageKind kind = StorageKind.Text)
    {
        var name = "@p" + _items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _items.Add(new SqlParam(name, value, kind));
        return name;
    }
}
