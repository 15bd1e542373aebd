using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Data;

/// <summary>
/// Applies patches (the ExternalDb extension <c>/v3/items/patch</c>): each item's modifications become one
/// <c>UPDATE ... SET column = f(column) WHERE _id = ...</c>, so the database applies them to the row as it is when the
/// statement runs, under the row's lock: concurrent increments all count, and nothing is read and written back.
/// </summary>
internal sealed class ItemPatcher(ItemStore items, Catalog catalog)
{
    private SqlDialect Dialect => catalog.Dialect;

    /// <summary>
    /// Patches the items in one transaction, in item-id order (so that concurrent requests lock rows in one order), and
    /// answers per patch in request order: the stored item, <c>ITEM_NOT_FOUND</c>, or a <c>VALIDATION_ERROR</c> when the
    /// item holds a value of another type where a modification needs a number or an array. A malformed patch (unknown
    /// field, system field, wrong value type) fails the whole request before anything is written.
    /// </summary>
    public async Task<List<ItemResult>> PatchAsync(string? collectionId, IReadOnlyList<ItemPatch> patches, CancellationToken ct)
    {
        await using var connection = await items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var collection = await items.WritableAsync(connection, tx, collectionId, "patch", ct).ConfigureAwait(false);
        var now = ValueCodec.UtcNowMs();
        var statements = patches.Select(p => Compile(collection, p, now)).ToList();
        var applied = new HashSet<int>();
        foreach (var (patch, statement) in patches.Zip(statements).OrderBy(x => x.First.ItemId, StringComparer.Ordinal))
        {
            if (await Db.ExecuteAsync(Dialect, connection, tx, statement.Sql, statement.Params, ct).ConfigureAwait(false) > 0)
            {
                applied.Add(patch.Index);
            }
        }
        var notApplied = patches.Where(p => !applied.Contains(p.Index)).Select(p => p.ItemId).ToList();
        var existing = notApplied.Count == 0 ? [] : await items.ExistingIdsAsync(connection, tx, collection, notApplied, ct).ConfigureAwait(false);
        var stored = await items.ReadByIdsAsync(connection, tx, collection,
            [.. patches.Where(p => applied.Contains(p.Index)).Select(p => p.ItemId).Distinct(StringComparer.Ordinal)], ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return [.. patches.Zip(statements).Select(x => applied.Contains(x.First.Index) ? new ItemResult(stored.GetValueOrDefault(x.First.ItemId), null)
            : existing.Contains(x.First.ItemId) ? new ItemResult(null, TypeMismatch(x.First, x.Second.Guarded))
            : new ItemResult(null, AdaptorException.ItemNotFound(x.First.ItemId)))];
    }

    private static AdaptorException TypeMismatch(ItemPatch patch, IReadOnlyList<FieldModification> guarded)
    {
        var names = string.Join(", ", guarded.Select(m => m.FieldPath));
        return AdaptorException.Validation(guarded[0].Path + ".fieldPath",
            $"Item {patch.ItemId} holds a value of another type at {names}: INCREMENT_FIELD needs a number there, APPEND_TO_ARRAY and REMOVE_FROM_ARRAY an array",
            JsonValue.Create(guarded[0].FieldPath));
    }

    /// <summary>One item's statement, and the modifications whose stored value it checks (for the error when it matches no row).</summary>
    private sealed record Statement(string Sql, SqlParams Params, IReadOnlyList<FieldModification> Guarded);

    /// <summary>What a patch knows of the value at a path after its earlier modifications.</summary>
    private enum Known { Stored, Null, Number, Array, Other }

    private Statement Compile(CollectionInfo collection, ItemPatch patch, DateTime now)
    {
        var ps = new SqlParams();
        var table = Dialect.Quote(collection.Id);
        var columns = new List<(FieldInfo Field, string Expression)>();
        var guards = new List<string>();
        var guarded = new List<FieldModification>();
        var earlier = new List<(FieldModification Modification, FieldPath Path)>();
        var lets = 0;
        string Alias() => "m" + (lets++).ToString(System.Globalization.CultureInfo.InvariantCulture);

        foreach (var m in patch.Modifications)
        {
            var path = Resolve(collection, m);
            var field = path.Field;
            // Engines that assign in order see the column as the earlier modifications left it; the others get one nested expression.
            var inOrder = Dialect.AssignsColumnsInOrder;
            var index = inOrder ? -1 : columns.FindIndex(c => c.Field == field);
            var previous = index >= 0 ? columns[index].Expression : Dialect.ColumnRef(field, table);
            var known = KnownValue(earlier, path);
            var stored = path.IsNested ? Dialect.JsonPathValue(Dialect.ColumnRef(field, table), path.Segments) : Dialect.ColumnRef(field, table);
            void Require(JsonKind kind, Known expected)
            {
                if (known == Known.Stored)
                {
                    guards.Add(Dialect.JsonIsNullOr(stored, kind));
                    guarded.Add(m);
                }
                else if (known != Known.Null && known != expected)
                {
                    throw AdaptorException.Validation(m.Path + ".fieldPath",
                        $"{m.FieldPath} holds no {(kind == JsonKind.Number ? "number" : "array")} after the earlier modifications of this patch", JsonValue.Create(m.FieldPath));
                }
            }
            string expression;
            if (!path.IsNested)
            {
                switch (m.Action)
                {
                    case PatchAction.SetField:
                        expression = ps.Add(ValueCodec.ToDb(m.Value, field, m.Path + ".setFieldOptions.value"), field.Storage);
                        break;
                    case PatchAction.RemoveField:
                        // Typed, so that a later modification of the same field in this patch can build on it.
                        expression = inOrder || field.Storage == StorageKind.Other ? "NULL" : $"CAST(NULL AS {Dialect.ColumnType(field.Storage)})";
                        break;
                    case PatchAction.IncrementField:
                        RequireStorage(m, field, field.Storage == StorageKind.Number, "a NUMBER field");
                        expression = $"(COALESCE({previous}, 0) + {ps.Add(m.Value!.GetValue<double>(), StorageKind.Number)})";
                        break;
                    default:
                        RequireStorage(m, field, field.IsArray && field.Storage == StorageKind.Json, "an array field (ARRAY, ARRAY_STRING, ARRAY_DOCUMENT, MEDIA_GALLERY)");
                        Require(JsonKind.Array, Known.Array);
                        var element = Element(m);
                        expression = Dialect.Let(previous, Alias(), v => m.Action == PatchAction.AppendToArray
                            ? Dialect.JsonAppend(v, element, ps)
                            : Dialect.JsonRemoveFromArray(v, element, ps));
                        break;
                }
            }
            else
            {
                var keys = path.Segments;
                switch (m.Action)
                {
                    case PatchAction.SetField:
                        var value = Dialect.JsonParameter(m.Value is null ? null : ValueCodec.NormalizeDates(m.Value), ps);
                        expression = Dialect.Let(previous, Alias(), v => Dialect.JsonSetPath(v, keys, value));
                        break;
                    case PatchAction.RemoveField:
                        expression = Dialect.Let(previous, Alias(), v => Dialect.JsonRemovePath(v, keys));
                        break;
                    case PatchAction.IncrementField:
                        Require(JsonKind.Number, Known.Number);
                        expression = Dialect.Let(previous, Alias(), v => Dialect.JsonIncrementPath(v, keys, m.Value!.GetValue<double>(), ps));
                        break;
                    case PatchAction.AppendToArray:
                        Require(JsonKind.Array, Known.Array);
                        var appended = Element(m);
                        expression = Dialect.Let(previous, Alias(), v => Dialect.JsonSetPath(v, keys, Dialect.JsonAppend(Dialect.JsonPathValue(v, keys), appended, ps)));
                        break;
                    default:
                        Require(JsonKind.Array, Known.Array);
                        var removed = Element(m);
                        expression = Dialect.Let(previous, Alias(), v => $"(CASE WHEN {Dialect.JsonPathValue(v, keys)} IS NULL THEN {v} ELSE " +
                            $"{Dialect.JsonSetPath(v, keys, Dialect.JsonRemoveFromArray(Dialect.JsonPathValue(v, keys), removed, ps))} END)");
                        break;
                }
            }
            if (index >= 0)
            {
                columns[index] = (field, expression);
            }
            else
            {
                columns.Add((field, expression));
            }
            earlier.Add((m, path));
        }

        var assignments = columns.Select(c => $"{Dialect.Quote(c.Field.Key)} = {c.Expression}").ToList();
        if (collection.Find("_updatedDate") is { Storage: StorageKind.DateTime or StorageKind.Text } updated)
        {
            assignments.Add($"{Dialect.Quote("_updatedDate")} = {ps.Add(now, updated.Storage)}");
        }
        var where = string.Join(" AND ", guards.Prepend(items.IdIn(collection, [patch.ItemId], ps)));
        return new Statement($"UPDATE {table} SET {string.Join(", ", assignments)} WHERE {where}", ps, guarded);
    }

    private static FieldPath Resolve(CollectionInfo collection, FieldModification m)
    {
        var path = FieldPath.Resolve(m.FieldPath, collection.Find, m.Path + ".fieldPath")
            ?? throw AdaptorException.Validation(m.Path + ".fieldPath", $"Unknown field {m.FieldPath} in collection {collection.Id}", JsonValue.Create(m.FieldPath));
        if (path.Field.Key is "_id" or "_createdDate" or "_updatedDate")
        {
            throw AdaptorException.Validation(m.Path + ".fieldPath", $"System field {path.Field.Key} cannot be patched", JsonValue.Create(m.FieldPath));
        }
        if (!path.Field.IsColumn)
        {
            throw AdaptorException.Validation(m.Path + ".fieldPath",
                $"{m.FieldPath} is a MULTI_REFERENCE field; change its references with insert-references and remove-references", JsonValue.Create(m.FieldPath));
        }
        return path;
    }

    private static void RequireStorage(FieldModification m, FieldInfo field, bool ok, string what)
    {
        if (!ok)
        {
            throw AdaptorException.Validation(m.Path + ".fieldPath", $"{m.Action switch
            {
                PatchAction.IncrementField => "INCREMENT_FIELD",
                PatchAction.AppendToArray => "APPEND_TO_ARRAY",
                _ => "REMOVE_FROM_ARRAY",
            }} needs {what}; {field.Key} is {field.Type}", JsonValue.Create(m.FieldPath));
        }
    }

    private static JsonNode? Element(FieldModification m) => m.Value is null ? null : ValueCodec.NormalizeDates(m.Value);

    /// <summary>
    /// The value at <paramref name="path"/> as the patch's earlier modifications left it, when they decide it: the last
    /// one at the path or above it (a set value, a removal, a number, an array), or one below it (then it is an object).
    /// </summary>
    private static Known KnownValue(List<(FieldModification Modification, FieldPath Path)> earlier, FieldPath path)
    {
        for (var i = earlier.Count - 1; i >= 0; i--)
        {
            var (m, at) = earlier[i];
            if (at.Field != path.Field)
            {
                continue;
            }
            if (IsPrefix(at.Segments, path.Segments))
            {
                var same = at.Segments.Count == path.Segments.Count;
                return m.Action switch
                {
                    PatchAction.SetField => KindOf(Descend(m.Value, path.Segments.Skip(at.Segments.Count))),
                    PatchAction.RemoveField => Known.Null,
                    PatchAction.IncrementField => same ? Known.Number : Known.Null,
                    _ => same ? Known.Array : Known.Null,
                };
            }
            if (IsPrefix(path.Segments, at.Segments))
            {
                return Known.Other;
            }
        }
        return Known.Stored;
    }

    private static bool IsPrefix(IReadOnlyList<string> prefix, IReadOnlyList<string> of) =>
        prefix.Count <= of.Count && prefix.SequenceEqual(of.Take(prefix.Count), StringComparer.Ordinal);

    private static JsonNode? Descend(JsonNode? node, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            node = (node as JsonObject)?[key];
        }
        return node;
    }

    private static Known KindOf(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => Known.Null,
        JsonValueKind.Number => Known.Number,
        JsonValueKind.Array => Known.Array,
        _ => Known.Other,
    };
}
