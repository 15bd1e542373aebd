using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Data;

/// <summary>
/// Changes the type of a field whose values are stored differently (e.g. TEXT → NUMBER), inside the schema change's
/// transaction: allowed when the column is empty or every value converts without loss (<see cref="FieldConversion"/>);
/// otherwise refused with <c>COLLECTION_CHANGE_NOT_SUPPORTED</c> naming the field and the first item (by <c>_id</c>)
/// whose value does not convert, and the transaction rolls back: nothing changes.
/// </summary>
/// <remarks>
/// The values are converted by the adaptor, the same way on every engine, into a new column that then takes the old
/// one's place: the field moves to the end of the table's columns.
/// </remarks>
internal sealed class FieldTypeChanger(SqlDialect dialect, IndexRecords indexes)
{
    private const string ChangeColumn = "_externaldb_change";

    /// <summary>A checked change: every value converted, ready to be written.</summary>
    public sealed record Prepared(CollectionInfo Collection, FieldInfo Old, FieldInfo To, List<(object Id, object? Value)> Values);

    /// <summary>
    /// Checks the change and converts every value, changing nothing yet. All changes of a request are prepared before any
    /// is applied, so that a refused one changes nothing also where schema changes commit at once (MySQL).
    /// </summary>
    public async Task<Prepared> PrepareAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection, FieldInfo old, FieldSpec wanted, CancellationToken ct)
    {
        var to = new FieldInfo(old.Key, wanted.Type, FieldTypeMap.StorageOf(wanted.Type));
        if (!old.IsColumn || !to.IsColumn)
        {
            throw AdaptorException.ChangeNotSupported(old.Key, $"Field {old.Key} cannot change from {old.Type} to {wanted.Type}: MULTI_REFERENCE has no values to convert");
        }
        if ((await indexes.IndexNamesOfFieldAsync(connection, tx, collection.Id, old.Key, ct).ConfigureAwait(false)) is [var index, ..])
        {
            throw AdaptorException.ChangeNotSupported(old.Key, $"Field {old.Key} is used by index {index}; remove the index before changing the field's type");
        }
        var table = dialect.Quote(collection.Id);
        if (dialect.LockTable(table) is { } lockTable)
        {
            await Db.ExecuteAsync(dialect, connection, tx, lockTable, null, ct).ConfigureAwait(false);
        }
        return new Prepared(collection, old, to, await ConvertAllAsync(connection, tx, collection, old, to, wanted.Type, ct).ConfigureAwait(false));
    }

    /// <summary>Writes a prepared change: a new column with the converted values takes the old one's place.</summary>
    public async Task ApplyAsync(DbConnection connection, DbTransaction tx, Prepared change, CancellationToken ct)
    {
        var (collection, old, to, converted) = change;
        var table = dialect.Quote(collection.Id);
        var column = dialect.Quote(old.Key);
        var temporary = dialect.Quote(ChangeColumn);
        await Db.ExecuteAsync(dialect, connection, tx, $"ALTER TABLE {table} ADD COLUMN {temporary} {dialect.ColumnType(to.Storage)}", null, ct).ConfigureAwait(false);
        if (converted.Count > 0)
        {
            var idField = collection.Find("_id")!;
            foreach (var chunk in converted.Chunk(Math.Max(1, dialect.MaxParametersPerStatement / 2)))
            {
                var ps = new SqlParams();
                var rows = chunk.Select(r => (IReadOnlyList<string>)[ps.Add(r.Id, idField.Storage), ps.Add(r.Value, to.Storage)]).ToList();
                await Db.ExecuteAsync(dialect, connection, tx, dialect.UpdateFromRows(table, [dialect.Quote("_id"), temporary], rows), ps, ct).ConfigureAwait(false);
            }
        }
        await Db.ExecuteAsync(dialect, connection, tx, dialect.DropColumn(table, column), null, ct).ConfigureAwait(false);
        await Db.ExecuteAsync(dialect, connection, tx, dialect.RenameColumn(table, temporary, column), null, ct).ConfigureAwait(false);
    }

    /// <summary>Every stored value converted (its row's raw <c>_id</c> and the new value), in <c>_id</c> order; the first that does not convert refuses the change.</summary>
    private async Task<List<(object Id, object? Value)>> ConvertAllAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection, FieldInfo old, FieldInfo to,
        string toType, CancellationToken ct)
    {
        var column = dialect.ColumnRef(old);
        var idField = collection.Find("_id");
        var table = dialect.Quote(collection.Id);
        if (idField is not { IsColumn: true })
        {
            var count = await Db.ScalarAsync(dialect, connection, tx, $"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL", null, ct).ConfigureAwait(false);
            return Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) == 0 ? []
                : throw AdaptorException.ChangeNotSupported(old.Key, $"Field {old.Key} holds values and the collection has no _id column to convert them by");
        }
        var sql = $"SELECT {dialect.ColumnRef(idField)}, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {dialect.OrderTerm(dialect.ColumnRef(idField), idField.Storage, false)}";
        var rows = await Db.QueryAsync(dialect, connection, tx, sql, null, r => (Id: r.GetValue(0), Value: r.GetValue(1)), ct).ConfigureAwait(false);
        var result = new List<(object, object?)>(rows.Count);
        foreach (var (id, raw) in rows)
        {
            var value = ValueCodec.FromDb(raw, old);
            // A number that reads as null (±Infinity, NaN written by another tool) has no value to keep.
            if (value is null || !FieldConversion.TryConvert(value, to, out var converted))
            {
                var itemId = ValueCodec.FromDb(id, idField) is JsonValue v && v.TryGetValue<string>(out var s) ? s : Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                throw AdaptorException.ChangeNotSupported(old.Key,
                    $"Field {old.Key} cannot change from {old.Type} to {toType}: the value of item {itemId} does not convert without loss", itemId);
            }
            result.Add((id, ValueCodec.ToDb(converted, to, old.Key)));
        }
        return result;
    }
}
