using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Data;

/// <summary>The outcome for one item (or reference) of a bulk request: a value or an error.</summary>
internal sealed record ItemResult(JsonObject? Value, AdaptorException? Error);

/// <summary>A reference between two items through a multi-reference field.</summary>
internal sealed record ItemReference(string ReferringItemId, string ReferencedItemId);

/// <summary>
/// Reads and writes items. Each request runs on one connection; writes run in one transaction with
/// set-based statements (one existence check, multi-row INSERT, one UPDATE from a table of rows, one DELETE).
/// </summary>
internal sealed class ItemStore(Catalog catalog, FilterTranslator translator, bool readOnly)
{
    private const int IdChunk = 900;

    private SqlDialect Dialect => catalog.Dialect;

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = await Dialect.OpenAsync(ct).ConfigureAwait(false);
        try
        {
            await catalog.EnsureMetadataAsync(connection, ct).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection;
    }

    internal async Task<CollectionInfo> WritableAsync(DbConnection connection, DbTransaction? tx, string? collectionId, string operation, CancellationToken ct)
    {
        var collection = await catalog.GetAsync(connection, tx, collectionId, ct).ConfigureAwait(false);
        if (readOnly)
        {
            throw AdaptorException.Unsupported(collection.Id, operation, "The adaptor is read-only");
        }
        if (!collection.IsWritable)
        {
            throw AdaptorException.Unsupported(collection.Id, operation, $"Collection {collection.Id} is read-only (no _id column)");
        }
        return collection;
    }

    // ---------- reads ----------

    public async Task<PageResult<JsonObject>> QueryAsync(string? collectionId, ItemQuery query, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        var selected = Projection(collection, query.Fields);
        var ps = new SqlParams();
        var where = translator.Translate(query.Filter, collection.Find, ps);
        var order = OrderBy(collection.Find, query.Sort, collection.HasIdColumn ? "_id" : null);
        var keys = query.Keyset || query.After is not null ? KeysetTerms(collection, query.Sort) : null;
        var pageWhere = where;
        var offset = query.Offset;
        if (keys is not null && query.After is { } after)
        {
            if (after.Count != keys.Count)
            {
                throw AdaptorException.Validation("cursorPaging.cursor", "The cursor is not valid");
            }
            pageWhere = $"({where}) AND {After(keys, after, ps)}";
            offset = 0;
        }
        var keyColumns = keys is null || !query.Keyset ? "" : string.Concat(keys.Select(k => ", " + k.Expression));
        var sql = $"SELECT {selected.SelectList(Dialect)}{keyColumns} FROM {Dialect.Quote(collection.Id)} WHERE {pageWhere}{order}" +
                  $" LIMIT {ps.Add((long)query.Limit + 1, StorageKind.Number)} OFFSET {ps.Add((long)offset, StorageKind.Number)}";
        var rows = new List<JsonObject>();
        var rowKeys = new List<object?[]>();
        void ReadRow(DbDataReader r)
        {
            rows.Add(selected.Read(r));
            if (keyColumns.Length > 0)
            {
                var first = r.FieldCount - keys!.Count;
                rowKeys.Add([.. Enumerable.Range(first, keys.Count).Select(i => r.IsDBNull(i) ? null : r.GetValue(i))]);
            }
        }
        long? total = null;
        if (query.ReturnTotal)
        {
            // The page and the total in one round trip. (COUNT(*) OVER () in the page statement cost PostgreSQL more: it
            // reads and sorts every matching row instead of keeping the top ones; see docs/benchmarks.md.)
            sql += $"; SELECT COUNT(*) FROM {Dialect.Quote(collection.Id)} WHERE {where}";
            await Db.ReadResultsAsync(Dialect, connection, null, sql, ps, (r, result) =>
            {
                if (result == 0)
                {
                    ReadRow(r);
                }
                else
                {
                    total = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture);
                }
            }, ct).ConfigureAwait(false);
        }
        else
        {
            await Db.ReadResultsAsync(Dialect, connection, null, sql, ps, (r, _) => ReadRow(r), ct).ConfigureAwait(false);
        }
        var hasMore = rows.Count > query.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        foreach (var (fieldKey, limit) in query.Include)
        {
            await IncludeReferencedAsync(connection, collection, rows, fieldKey, limit, ct).ConfigureAwait(false);
        }
        return new PageResult<JsonObject>(rows, total, hasMore) { Keyset = hasMore && rowKeys.Count > 0 ? rowKeys[rows.Count - 1] : null };
    }

    /// <summary>One term of a keyset: what the query sorts by, and which way.</summary>
    private sealed record KeysetTerm(string Expression, bool Descending);

    /// <summary>
    /// The terms a cursor continues after: the sort's fields, then <c>_id</c> (unique, so the position is exact). Null
    /// when the order is not one of plain columns (a nested path or a JSON field sorts by several computed terms) or
    /// there is no <c>_id</c>: such cursors carry an offset instead.
    /// </summary>
    private List<KeysetTerm>? KeysetTerms(CollectionInfo collection, IReadOnlyList<SortSpec> sort)
    {
        if (collection.Find("_id") is not { IsColumn: true } id)
        {
            return null;
        }
        var terms = new List<KeysetTerm>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in sort)
        {
            if (FieldPath.Resolve(spec.Field, collection.Find, "sort") is not { IsNested: false } path
                || path.Field.Storage == StorageKind.Json || !FieldTypeMap.IsSortable(path.Field))
            {
                return null;
            }
            if (used.Add(path.Name))
            {
                terms.Add(new KeysetTerm(Dialect.SortKey(Dialect.ColumnRef(path.Field), path.Field.Storage), spec.Descending));
            }
        }
        if (!used.Contains("_id"))
        {
            terms.Add(new KeysetTerm(Dialect.SortKey(Dialect.ColumnRef(id), id.Storage), false));
        }
        return terms;
    }

    /// <summary>
    /// Rows that sort after <paramref name="values"/>: after on the first term, or equal on it and after on the next, and
    /// so on. Nulls sort first ascending and last descending, as <see cref="SqlDialect.OrderTerm"/> sorts them.
    /// </summary>
    private static string After(List<KeysetTerm> terms, IReadOnlyList<object?> values, SqlParams ps)
    {
        var alternatives = new List<string>();
        var equalSoFar = new List<string>();
        for (var i = 0; i < terms.Count; i++)
        {
            var (e, descending) = terms[i];
            var v = values[i];
            var p = v is null ? null : ps.Add(v, KindOf(v));
            var after = (p, descending) switch
            {
                (null, false) => $"{e} IS NOT NULL",
                (null, true) => null,
                (_, false) => $"{e} > {p}",
                (_, true) => $"({e} < {p} OR {e} IS NULL)",
            };
            if (after is not null)
            {
                alternatives.Add("(" + string.Join(" AND ", equalSoFar.Append(after)) + ")");
            }
            equalSoFar.Add(p is null ? $"{e} IS NULL" : $"{e} = {p}");
        }
        return alternatives.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", alternatives) + ")";
    }

    private static StorageKind KindOf(object value) => value switch
    {
        bool => StorageKind.Boolean,
        double or float or long or int or short or decimal => StorageKind.Number,
        DateTime or DateTimeOffset => StorageKind.DateTime,
        _ => StorageKind.Text,
    };

    /// <summary>Puts the referenced items (in reference order) into each item's reference field.</summary>
    private async Task IncludeReferencedAsync(DbConnection connection, CollectionInfo collection, List<JsonObject> items, string fieldKey, int? limit, CancellationToken ct)
    {
        var field = collection.Find(fieldKey);
        if (field is null || field.Type is not ("MULTI_REFERENCE" or "REFERENCE"))
        {
            throw AdaptorException.Validation("includeReferencedItems", $"{fieldKey} is not a reference field of {collection.Id}", fieldKey);
        }
        var ids = items.Select(i => IdString(i["_id"])).ToList();
        var links = new List<ItemReference>();
        if (field.Type == "MULTI_REFERENCE")
        {
            foreach (var chunk in ids.Chunk(IdChunk))
            {
                var ps = new SqlParams();
                var sql = $"SELECT referring_id, referenced_id FROM _externaldb_references WHERE collection_id = {ps.Add(collection.Id)} AND field_key = {ps.Add(field.Key)} " +
                          $"AND referring_id IN ({string.Join(", ", chunk.Select(id => ps.Add(id)))}) ORDER BY seq";
                links.AddRange(await Db.QueryAsync(Dialect, connection, null, sql, ps, r => new ItemReference(r.GetString(0), r.GetString(1)), ct).ConfigureAwait(false));
            }
        }
        else
        {
            links.AddRange(items.Where(i => QueryParsing.Str(i[field.Key]) is not null).Select(i => new ItemReference(IdString(i["_id"]), QueryParsing.Str(i[field.Key])!)));
        }
        var target = field.ReferencedCollectionId is null ? null
            : (await catalog.ListAsync(connection, null, field.ReferencedCollectionId, ct).ConfigureAwait(false)).FirstOrDefault();
        var referenced = target is { HasIdColumn: true }
            ? await ReadByIdsAsync(connection, null, target, links.Select(l => l.ReferencedItemId).Distinct(StringComparer.Ordinal).ToList(), ct).ConfigureAwait(false)
            : [];
        JsonNode Resolve(string id) => referenced.TryGetValue(id, out var item) ? item.DeepClone() : JsonValue.Create(id);
        var byItem = links.GroupBy(l => l.ReferringItemId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(l => l.ReferencedItemId).ToList(), StringComparer.Ordinal);
        foreach (var item in items)
        {
            var targets = byItem.GetValueOrDefault(IdString(item["_id"])) ?? [];
            if (field.Type == "REFERENCE")
            {
                if (targets.Count > 0)
                {
                    item[field.Key] = Resolve(targets[0]);
                }
                continue;
            }
            item[field.Key] = new JsonArray([.. targets.Take(limit ?? int.MaxValue).Select(Resolve)]);
        }
    }

    public async Task<long> CountAsync(string? collectionId, Filter filter, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        var ps = new SqlParams();
        var where = translator.Translate(filter, collection.Find, ps);
        return await CountWhereAsync(connection, $"SELECT COUNT(*) FROM {Dialect.Quote(collection.Id)} WHERE {where}", ps, ct).ConfigureAwait(false);
    }

    private async Task<long> CountWhereAsync(DbConnection connection, string sql, SqlParams ps, CancellationToken ct)
    {
        var value = await Db.ScalarAsync(Dialect, connection, null, sql, ps, ct).ConfigureAwait(false);
        return Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public async Task<PageResult<JsonObject>> AggregateAsync(string? collectionId, AggregateSpec spec, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        var outputs = new List<FieldInfo>();
        var selects = new List<string>();
        var groupTerms = new List<string>();
        foreach (var (g, i) in spec.GroupBy.Select((g, i) => (g, i)))
        {
            var path = FieldPath.Resolve(g, collection.Find, $"aggregation.groupingFields[{i}]") is { Field.IsColumn: true } p ? p
                : throw AdaptorException.Validation($"aggregation.groupingFields[{i}]", $"Unknown field {g}", g);
            if (outputs.Any(o => o.Key == g))
            {
                continue;
            }
            if (path.IsNested)
            {
                // A nested grouping value is read as JSON, under its path as the output's name ("address.city").
                var value = Dialect.JsonPathValue(Dialect.ColumnRef(path.Field), path.Segments);
                outputs.Add(new FieldInfo(g, "ANY", StorageKind.Json));
                selects.Add($"{value} AS {Dialect.Quote(g)}");
                groupTerms.Add(value);
                continue;
            }
            outputs.Add(path.Field);
            selects.Add(Dialect.Quote(path.Field.Key));
            groupTerms.Add(Dialect.Quote(path.Field.Key));
        }
        foreach (var (op, i) in spec.Ops.Select((op, i) => (op, i)))
        {
            var path = $"aggregation.operations[{i}]";
            if (!Identifiers.IsPlausibleExistingName(op.ResultField) || outputs.Any(o => string.Equals(o.Key, op.ResultField, StringComparison.OrdinalIgnoreCase)))
            {
                throw AdaptorException.Validation(path + ".resultFieldName", $"resultFieldName {op.ResultField} is missing or used twice", op.ResultField);
            }
            if (op.Function == "count")
            {
                outputs.Add(new FieldInfo(op.ResultField, "NUMBER", StorageKind.Number));
                selects.Add($"COUNT(*) AS {Dialect.Quote(op.ResultField)}");
                continue;
            }
            var operand = op.ItemField is not null && FieldPath.Resolve(op.ItemField, collection.Find, path + ".itemFieldName") is { Field.IsColumn: true } f ? f
                : throw AdaptorException.Validation(path + ".itemFieldName", $"Unknown field {op.ItemField}", op.ItemField);
            var fn = op.Function switch { "avg" => "AVG", "sum" => "SUM", "min" => "MIN", _ => "MAX" };
            if (operand.IsNested)
            {
                // Over a nested path every function takes the numbers found there and leaves other values out.
                outputs.Add(new FieldInfo(op.ResultField, "NUMBER", StorageKind.Number));
                selects.Add($"{fn}({Dialect.JsonPathNumber(Dialect.ColumnRef(operand.Field), operand.Segments)}) AS {Dialect.Quote(op.ResultField)}");
                continue;
            }
            var field = operand.Field;
            var numeric = op.Function is "avg" or "sum";
            if (numeric ? field.Storage != StorageKind.Number : !FieldTypeMap.IsSortable(field))
            {
                throw AdaptorException.Validation(path + ".itemFieldName", $"{op.Function} is not supported for field {field.Key} of type {field.Type}", field.Key);
            }
            outputs.Add(numeric ? new FieldInfo(op.ResultField, "NUMBER", StorageKind.Number) : field with { Key = op.ResultField });
            selects.Add($"{fn}({Dialect.ColumnRef(field)}) AS {Dialect.Quote(op.ResultField)}");
        }
        if (outputs.Count == 0)
        {
            throw AdaptorException.Validation("aggregation", "An aggregation needs grouping fields or operations");
        }
        FieldInfo? Resolve(string key) => outputs.FirstOrDefault(o => o.Key == key);
        var ps = new SqlParams();
        var initial = translator.Translate(spec.Initial, collection.Find, ps);
        var groupBy = groupTerms.Count == 0 ? "" : " GROUP BY " + string.Join(", ", groupTerms);
        var inner = $"SELECT {string.Join(", ", selects)} FROM {Dialect.Quote(collection.Id)} WHERE {initial}{groupBy}";
        var final = translator.Translate(spec.Final, Resolve, ps);
        var sort = spec.Sort.Count > 0 ? spec.Sort : spec.GroupBy.Distinct().Select(g => new SortSpec(g, false)).ToList();
        var order = OrderBy(Resolve, sort, null, jsonSortable: true);
        var body = $"FROM ({inner}) AS agg WHERE {final}";
        var columns = string.Join(", ", outputs.Select(o => Dialect.Quote(o.Key)));
        var countPs = ps;
        var sql = $"SELECT {columns} {body}{order} LIMIT {ps.Add((long)spec.Limit + 1, StorageKind.Number)} OFFSET {ps.Add((long)spec.Offset, StorageKind.Number)}";
        var rows = await Db.QueryAsync(Dialect, connection, null, sql, ps, r => ReadItem(r, outputs, keepNulls: true), ct).ConfigureAwait(false);
        long? total = null;
        if (spec.ReturnTotal)
        {
            total = await CountWhereAsync(connection, $"SELECT COUNT(*) {body}", countPs, ct).ConfigureAwait(false);
        }
        var hasMore = rows.Count > spec.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new PageResult<JsonObject>(rows, total, hasMore);
    }

    public async Task<PageResult<JsonNode?>> DistinctAsync(string? collectionId, string? fieldName, Filter filter, bool descending,
        int limit, int offset, bool returnTotal, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        var path = fieldName is not null && FieldPath.Resolve(fieldName, collection.Find, "fieldName") is { Field.IsColumn: true } f ? f
            : throw AdaptorException.Validation("fieldName", $"Unknown field {fieldName}", fieldName);
        var field = path.Field;
        var ps = new SqlParams();
        var where = translator.Translate(filter, collection.Find, ps, "src");
        string inner;
        Func<DbDataReader, JsonNode?> read;
        StorageKind orderKind;
        if (path.IsNested)
        {
            // The JSON values found at the path, missing and null left out; arrays found there are values of their own.
            var column = Dialect.ColumnRef(field, "src");
            inner = $"SELECT DISTINCT {Dialect.JsonPathValue(column, path.Segments)} AS v FROM {Dialect.Quote(collection.Id)} AS src " +
                    $"WHERE {where} AND NOT {Dialect.JsonPathIsNull(column, path.Segments)}";
            read = r => ValueCodec.FromDb(r.GetValue(0), NestedValue);
            orderKind = StorageKind.Json;
        }
        else if (field.IsArray && field.Storage == StorageKind.Json)
        {
            var (join, value, type) = Dialect.UnwindArray(Dialect.ColumnRef(field, "src"));
            inner = $"SELECT DISTINCT {value} AS v{(type is null ? "" : $", {type} AS vt")} FROM {Dialect.Quote(collection.Id)} AS src {join} WHERE {where}";
            read = type is null ? r => ValueCodec.ParseJsonOrString(r.GetString(0)) : ReadJsonEachValue;
            orderKind = StorageKind.Json;
        }
        else
        {
            // Like NULL, a number that reads as null (±Infinity, NaN) is no distinct value.
            var column = Dialect.ColumnRef(field, "src");
            var finite = field.Storage == StorageKind.Number ? " AND " + Dialect.IsFiniteNumber(column) : "";
            inner = $"SELECT DISTINCT {Dialect.Quote(field.Key)} AS v FROM {Dialect.Quote(collection.Id)} AS src WHERE {where} AND {column} IS NOT NULL{finite}";
            read = r => ValueCodec.FromDb(r.GetValue(0), field);
            orderKind = field.Storage;
        }
        var outerColumns = !path.IsNested && field.IsArray && Dialect.Name == "sqlite" ? "v, vt" : "v";
        var orderBy = path.IsNested ? string.Join(", ", Dialect.JsonOrderTerms("v", descending))
            : Dialect.OrderTerm("v", orderKind == StorageKind.Other ? StorageKind.Number : orderKind, descending);
        var sql = $"SELECT {outerColumns} FROM ({inner}) AS d WHERE v IS NOT NULL ORDER BY {orderBy}" +
                  $" LIMIT {ps.Add((long)limit + 1, StorageKind.Number)} OFFSET {ps.Add((long)offset, StorageKind.Number)}";
        var rows = await Db.QueryAsync(Dialect, connection, null, sql, ps, read, ct).ConfigureAwait(false);
        long? total = null;
        if (returnTotal)
        {
            total = await CountWhereAsync(connection, $"SELECT COUNT(*) FROM ({inner}) AS d WHERE v IS NOT NULL", ps, ct).ConfigureAwait(false);
        }
        var hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new PageResult<JsonNode?>(rows, total, hasMore);
    }

    private static JsonNode? ReadJsonEachValue(DbDataReader r)
    {
        var type = r.GetString(1);
        return type switch
        {
            "object" or "array" => ValueCodec.ParseJsonOrString(r.GetString(0)),
            "true" => true,
            "false" => false,
            "integer" => r.GetInt64(0),
            "real" => ValueCodec.Finite(r.GetDouble(0)),
            _ => r.IsDBNull(0) ? null : JsonValue.Create(r.GetString(0)),
        };
    }

    public async Task<JsonObject?> GetAsync(string? collectionId, string itemId, IReadOnlyList<string>? fields, CancellationToken ct)
    {
        var page = await QueryAsync(collectionId,
            new ItemQuery(new Condition("_id", QueryOperators.Eq, itemId, "itemId"), [], fields, 1, 0, false), ct).ConfigureAwait(false);
        return page.Items.FirstOrDefault();
    }

    // ---------- writes ----------

    private sealed record PreparedItem(int Index, string Id, Dictionary<string, object?> Values, Dictionary<string, List<string>> References);

    public async Task<List<ItemResult>> InsertAsync(string? collectionId, IReadOnlyList<JsonNode?> items, bool atomic, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "insert", ct).ConfigureAwait(false);
        var now = ValueCodec.UtcNowMs();
        var prepared = items.Select((item, i) => Prepare(collection, item, i, requireId: false, now, creating: true)).ToList();
        var results = new ItemResult?[prepared.Count];
        var toInsert = new List<PreparedItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in prepared)
        {
            if (seen.Add(p.Id))
            {
                toInsert.Add(p);
            }
            else
            {
                results[p.Index] = new ItemResult(null, AdaptorException.ItemAlreadyExists(p.Id));
            }
        }
        Dictionary<string, JsonObject> stored;
        if (Dialect.ReturnsWrittenRows && collection.IdIsUnique)
        {
            // One statement: rows whose id is taken (also by a writer that commits meanwhile) are skipped, the others
            // come back as stored.
            stored = await InsertRowsAsync(connection, tx, collection, toInsert, returning: true, ct).ConfigureAwait(false);
            toInsert.RemoveAll(p =>
            {
                var taken = !stored.ContainsKey(p.Id);
                if (taken)
                {
                    results[p.Index] = new ItemResult(null, AdaptorException.ItemAlreadyExists(p.Id));
                }
                return taken;
            });
            FailIfAny(atomic, results);
        }
        else
        {
            var existing = await ExistingIdsAsync(connection, tx, collection, toInsert.Select(p => p.Id), ct).ConfigureAwait(false);
            foreach (var p in toInsert.Where(p => existing.Contains(p.Id)))
            {
                results[p.Index] = new ItemResult(null, AdaptorException.ItemAlreadyExists(p.Id));
            }
            toInsert.RemoveAll(p => existing.Contains(p.Id));
            FailIfAny(atomic, results);
            await InsertRowsAsync(connection, tx, collection, toInsert, returning: false, ct).ConfigureAwait(false);
            stored = [];
        }
        await InsertReferenceRowsAsync(connection, tx, collection,
            toInsert.SelectMany(p => p.References.SelectMany(r => r.Value.Select(to => (Field: r.Key, From: p.Id, To: to)))).ToList(), ct).ConfigureAwait(false);
        if (stored.Count == 0)
        {
            stored = await ReadByIdsAsync(connection, tx, collection, toInsert.Select(p => p.Id).ToList(), ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        foreach (var p in toInsert)
        {
            results[p.Index] = new ItemResult(stored.GetValueOrDefault(p.Id), null);
        }
        return [.. results.Select(r => r!)];
    }

    public async Task<List<ItemResult>> UpdateAsync(string? collectionId, IReadOnlyList<JsonNode?> items, bool atomic, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "update", ct).ConfigureAwait(false);
        var now = ValueCodec.UtcNowMs();
        var prepared = items.Select((item, i) => Prepare(collection, item, i, requireId: true, now, creating: false)).ToList();
        // The last version of an item wins when a request names it twice.
        var latest = prepared.GroupBy(p => p.Id, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        Dictionary<string, JsonObject>? stored = null;
        HashSet<string> existing;
        if (Dialect.ReturnsWrittenRows && SetColumns(collection).Count > 0)
        {
            // The UPDATE answers the rows it changed: those are the ones that exist.
            stored = await UpdateRowsAsync(connection, tx, collection, latest, returning: true, ct).ConfigureAwait(false);
            existing = [.. stored.Keys];
        }
        else
        {
            existing = await ExistingIdsAsync(connection, tx, collection, prepared.Select(p => p.Id), ct).ConfigureAwait(false);
        }
        if (atomic && prepared.FirstOrDefault(p => !existing.Contains(p.Id)) is { } missing)
        {
            throw AdaptorException.ItemNotFound(missing.Id);
        }
        var toUpdate = latest.Where(p => existing.Contains(p.Id)).ToList();
        if (stored is null)
        {
            await UpdateRowsAsync(connection, tx, collection, toUpdate, returning: false, ct).ConfigureAwait(false);
        }
        var refUpdates = toUpdate.SelectMany(p => p.References.Select(r => (Field: r.Key, Item: p))).ToList();
        if (refUpdates.Count > 0)
        {
            foreach (var group in refUpdates.GroupBy(r => r.Field, StringComparer.Ordinal))
            {
                await DeleteReferencesOfAsync(connection, tx, collection.Id, group.Key, group.Select(g => g.Item.Id).ToList(), ct).ConfigureAwait(false);
            }
            await InsertReferenceRowsAsync(connection, tx, collection,
                refUpdates.SelectMany(r => r.Item.References[r.Field].Select(to => (r.Field, From: r.Item.Id, To: to))).ToList(), ct).ConfigureAwait(false);
        }
        stored ??= await ReadByIdsAsync(connection, tx, collection, toUpdate.Select(p => p.Id).ToList(), ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return [.. prepared.Select(p => existing.Contains(p.Id)
            ? new ItemResult(stored.GetValueOrDefault(p.Id), null)
            : new ItemResult(null, AdaptorException.ItemNotFound(p.Id)))];
    }

    public async Task<List<ItemResult>> RemoveAsync(string? collectionId, IReadOnlyList<string> itemIds, bool atomic, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "remove", ct).ConfigureAwait(false);
        var distinct = itemIds.Distinct(StringComparer.Ordinal).ToList();
        var stored = await ReadByIdsAsync(connection, tx, collection, distinct, ct, lockRows: true).ConfigureAwait(false);
        if (atomic && itemIds.FirstOrDefault(id => !stored.ContainsKey(id)) is { } missing)
        {
            throw AdaptorException.ItemNotFound(missing);
        }
        var found = stored.Keys.ToList();
        foreach (var chunk in found.Chunk(IdChunk))
        {
            var ps = new SqlParams();
            await Db.ExecuteAsync(Dialect, connection, tx,
                $"DELETE FROM {Dialect.Quote(collection.Id)} WHERE {IdIn(collection, chunk, ps)}", ps, ct).ConfigureAwait(false);
            var rps = new SqlParams();
            var c = rps.Add(collection.Id);
            var list = string.Join(", ", chunk.Select(id => rps.Add(id)));
            await Db.ExecuteAsync(Dialect, connection, tx,
                $"DELETE FROM _externaldb_references WHERE (collection_id = {c} AND referring_id IN ({list})) OR (referenced_collection_id = {c} AND referenced_id IN ({list}))",
                rps, ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        return [.. itemIds.Select(id => stored.TryGetValue(id, out var item) && removed.Add(id)
            ? new ItemResult(item, null)
            : new ItemResult(null, AdaptorException.ItemNotFound(id)))];
    }

    public async Task TruncateAsync(string? collectionId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "truncate", ct).ConfigureAwait(false);
        await Db.ExecuteAsync(Dialect, connection, tx, $"DELETE FROM {Dialect.Quote(collection.Id)}", null, ct).ConfigureAwait(false);
        var ps = new SqlParams();
        var c = ps.Add(collection.Id);
        await Db.ExecuteAsync(Dialect, connection, tx,
            $"DELETE FROM _externaldb_references WHERE collection_id = {c} OR referenced_collection_id = {c}", ps, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private static void FailIfAny(bool atomic, IEnumerable<ItemResult?> results)
    {
        if (atomic && results.FirstOrDefault(r => r?.Error is not null) is { } failed)
        {
            throw failed.Error!;
        }
    }

    private static PreparedItem Prepare(CollectionInfo collection, JsonNode? node, int index, bool requireId, DateTime now, bool creating)
    {
        var path = $"items[{index}]";
        if (node is not JsonObject item)
        {
            throw AdaptorException.Validation(path, "An item must be an object", node);
        }
        string id;
        switch (item["_id"])
        {
            case null when !requireId:
                id = Guid.NewGuid().ToString();
                break;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 && s.Length <= 255:
                id = s;
                break;
            default:
                throw AdaptorException.Validation(path + "._id", "_id must be a non-empty string of at most 255 characters", item["_id"]);
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var references = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in item)
        {
            if (key is "_id" or "_createdDate" or "_updatedDate")
            {
                continue;
            }
            var field = collection.Find(key);
            if (field is null)
            {
                if (key == "_owner")
                {
                    continue;
                }
                throw AdaptorException.Validation($"{path}.{key}", $"Unknown field {key} in collection {collection.Id}", key);
            }
            if (field.Storage == StorageKind.None)
            {
                references[key] = ReferenceIds(value, $"{path}.{key}");
                continue;
            }
            values[key] = ValueCodec.ToDb(value, field, $"{path}.{key}");
        }
        values["_id"] = IdValue(collection, id);
        if (creating && collection.Find("_createdDate") is { Storage: StorageKind.DateTime or StorageKind.Text })
        {
            values["_createdDate"] = now;
        }
        if (collection.Find("_updatedDate") is { Storage: StorageKind.DateTime or StorageKind.Text })
        {
            values["_updatedDate"] = now;
        }
        return new PreparedItem(index, id, values, references);
    }

    private static List<string> ReferenceIds(JsonNode? value, string path) => value switch
    {
        null => [],
        JsonArray a => a.Select((x, i) => x switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when QueryParsing.Str(o["_id"]) is { } s => s,
            _ => throw AdaptorException.Validation($"{path}[{i}]", "A reference is an item id or an item with _id", x),
        }).Distinct(StringComparer.Ordinal).ToList(),
        _ => throw AdaptorException.Validation(path, "A multi-reference value is an array of item ids", value),
    };

    private static object IdValue(CollectionInfo collection, string id) =>
        collection.Find("_id") is { Storage: StorageKind.Number } && double.TryParse(id, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : id;

    internal string IdIn(CollectionInfo collection, IEnumerable<string> ids, SqlParams ps, string? qualifier = null)
    {
        var idField = collection.Find("_id")!;
        var list = string.Join(", ", ids.Select(id => ps.Add(IdValue(collection, id), idField.Storage)));
        return $"{Dialect.ColumnRef(idField, qualifier)} IN ({list})";
    }

    /// <summary>
    /// The ids that exist, their rows locked for the rest of the transaction. Writers lock in one global order (ids in
    /// binary order, chunk after chunk), so writers of overlapping rows queue instead of deadlocking.
    /// </summary>
    internal async Task<HashSet<string>> ExistingIdsAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection, IEnumerable<string> ids, CancellationToken ct)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var idField = collection.Find("_id")!;
        foreach (var chunk in InLockOrder(ids).Chunk(IdChunk))
        {
            var ps = new SqlParams();
            var sql = $"SELECT {Dialect.Quote("_id")} FROM {Dialect.Quote(collection.Id)} WHERE {IdIn(collection, chunk, ps)}{LockInOrder(idField)}";
            foreach (var id in await Db.QueryAsync(Dialect, connection, tx, sql, ps, r => IdString(ValueCodec.FromDb(r.GetValue(0), idField)), ct).ConfigureAwait(false))
            {
                result.Add(id);
            }
        }
        return result;
    }

    private static IEnumerable<string> InLockOrder(IEnumerable<string> ids) => ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    private string LockInOrder(FieldInfo idField) =>
        " ORDER BY " + Dialect.OrderTerm(Dialect.ColumnRef(idField), idField.Storage, false) + Dialect.LockRows;

    private static string IdString(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "";

    /// <summary>The items by id; with <paramref name="lockRows"/> their rows are locked as <see cref="ExistingIdsAsync"/> does.</summary>
    internal async Task<Dictionary<string, JsonObject>> ReadByIdsAsync(DbConnection connection, DbTransaction? tx, CollectionInfo collection, IReadOnlyList<string> ids,
        CancellationToken ct, bool lockRows = false)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var columns = collection.Columns.ToList();
        foreach (var chunk in (lockRows ? InLockOrder(ids) : ids).Chunk(IdChunk))
        {
            var ps = new SqlParams();
            var sql = $"SELECT {string.Join(", ", columns.Select(f => Dialect.Quote(f.Key)))} FROM {Dialect.Quote(collection.Id)} WHERE {IdIn(collection, chunk, ps)}" +
                      (lockRows ? LockInOrder(collection.Find("_id")!) : "");
            foreach (var item in await Db.QueryAsync(Dialect, connection, tx, sql, ps, r => ReadItem(r, columns), ct).ConfigureAwait(false))
            {
                result[IdString(item["_id"])] = item;
            }
        }
        return result;
    }

    /// <summary>
    /// Rows in statements of at most <see cref="SqlDialect.MaxParametersPerStatement"/> values and
    /// <see cref="SqlDialect.MaxStatementBytes"/> bytes of values; a row larger than a statement may be is a VALIDATION_ERROR.
    /// </summary>
    private IEnumerable<List<PreparedItem>> Statements(IEnumerable<PreparedItem> rows, IReadOnlyList<FieldInfo> columns)
    {
        var maxRows = Math.Max(1, Dialect.MaxParametersPerStatement / columns.Count);
        var maxBytes = Dialect.MaxStatementBytes;
        var batch = new List<PreparedItem>();
        long bytes = 0;
        foreach (var row in rows)
        {
            var size = columns.Sum(f => SqlParams.EstimateBytes(row.Values.GetValueOrDefault(f.Key)));
            if (size > maxBytes)
            {
                throw AdaptorException.Validation($"items[{row.Index}]",
                    $"items[{row.Index}] takes about {size} bytes; the database takes at most {maxBytes} in one statement");
            }
            if (batch.Count == maxRows || bytes + size > maxBytes)
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(row);
            bytes += size;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// Multi-row INSERTs in id order (concurrent inserts of the same ids then wait on each other in one order, one wins,
    /// and none deadlocks). With <paramref name="returning"/> rows whose id is taken are skipped and the stored rows of
    /// the others come back (see <see cref="SqlDialect.ReturnsWrittenRows"/>); without it the answer is empty.
    /// </summary>
    private async Task<Dictionary<string, JsonObject>> InsertRowsAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection,
        List<PreparedItem> rows, bool returning, CancellationToken ct)
    {
        var stored = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        if (rows.Count == 0)
        {
            return stored;
        }
        var columns = collection.Columns.Where(f => rows.Any(r => r.Values.ContainsKey(f.Key))).ToList();
        var table = Dialect.Quote(collection.Id);
        var columnList = string.Join(", ", columns.Select(f => Dialect.Quote(f.Key)));
        var all = collection.Columns.ToList();
        var skipTaken = returning ? $" ON CONFLICT ({Dialect.Quote("_id")}) DO NOTHING RETURNING {string.Join(", ", all.Select(f => Dialect.Quote(f.Key)))}" : "";
        foreach (var chunk in Statements(rows.OrderBy(r => r.Id, StringComparer.Ordinal), columns))
        {
            var ps = new SqlParams();
            var values = chunk.Select(r => "(" + string.Join(", ", columns.Select(f => ps.Add(r.Values.GetValueOrDefault(f.Key), f.Storage))) + ")");
            var sql = $"INSERT INTO {table} ({columnList}) VALUES {string.Join(", ", values)}{skipTaken}";
            if (!returning)
            {
                await Db.ExecuteAsync(Dialect, connection, tx, sql, ps, ct).ConfigureAwait(false);
                continue;
            }
            foreach (var item in await Db.QueryAsync(Dialect, connection, tx, sql, ps, r => ReadItem(r, all), ct).ConfigureAwait(false))
            {
                stored[IdString(item["_id"])] = item;
            }
        }
        return stored;
    }

    private static List<FieldInfo> SetColumns(CollectionInfo collection) => [.. collection.Columns.Where(f => f.Key is not ("_id" or "_createdDate"))];

    /// <summary>
    /// Full replacement: every column but <c>_id</c> and <c>_createdDate</c> takes the new value or NULL; one statement per
    /// chunk. With <paramref name="returning"/> the rows that exist are locked first in id order (in the same round trip:
    /// an UPDATE from a list of rows locks them in its join's order), and the changed rows come back.
    /// </summary>
    private async Task<Dictionary<string, JsonObject>> UpdateRowsAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection,
        List<PreparedItem> rows, bool returning, CancellationToken ct)
    {
        var stored = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var setColumns = SetColumns(collection);
        if (rows.Count == 0 || setColumns.Count == 0)
        {
            return stored;
        }
        var idField = collection.Find("_id")!;
        List<FieldInfo> columns = [idField, .. setColumns];
        var quoted = columns.Select(f => Dialect.Quote(f.Key)).ToList();
        var table = Dialect.Quote(collection.Id);
        var all = collection.Columns.ToList();
        var returned = " RETURNING " + string.Join(", ", all.Select(f => $"{table}.{Dialect.Quote(f.Key)}"));
        foreach (var chunk in Statements(rows.OrderBy(r => r.Id, StringComparer.Ordinal), columns))
        {
            var ps = new SqlParams();
            var lockFirst = returning && Dialect.LockRows.Length > 0
                ? $"SELECT {Dialect.Quote("_id")} FROM {table} WHERE {IdIn(collection, chunk.Select(r => r.Id), ps)}{LockInOrder(idField)}; "
                : "";
            var values = chunk.Select(r => (IReadOnlyList<string>)[.. columns.Select(f => ps.Add(r.Values.GetValueOrDefault(f.Key), f.Storage))]).ToList();
            var update = Dialect.UpdateFromRows(table, quoted, values);
            if (!returning)
            {
                await Db.ExecuteAsync(Dialect, connection, tx, update, ps, ct).ConfigureAwait(false);
                continue;
            }
            var last = lockFirst.Length > 0 ? 1 : 0;
            await Db.ReadResultsAsync(Dialect, connection, tx, lockFirst + update + returned, ps, (r, result) =>
            {
                if (result == last)
                {
                    var item = ReadItem(r, all);
                    stored[IdString(item["_id"])] = item;
                }
            }, ct).ConfigureAwait(false);
        }
        return stored;
    }

    // ---------- references ----------

    private FieldInfo ReferenceField(CollectionInfo collection, string? fieldKey)
    {
        var field = fieldKey is null ? null : collection.Find(fieldKey);
        if (field is null || field.Type != "MULTI_REFERENCE")
        {
            throw AdaptorException.Validation("referringFieldKey", $"{fieldKey} is not a multi-reference field of {collection.Id}", fieldKey);
        }
        return field;
    }

    private async Task InsertReferenceRowsAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection,
        List<(string Field, string From, string To)> rows, CancellationToken ct)
    {
        // In one global order, like item rows (see InsertRowsAsync).
        var ordered = rows.OrderBy(r => r.Field, StringComparer.Ordinal).ThenBy(r => r.From, StringComparer.Ordinal).ThenBy(r => r.To, StringComparer.Ordinal);
        foreach (var chunk in ordered.Chunk(Dialect.MaxParametersPerStatement / 5))
        {
            var ps = new SqlParams();
            var values = chunk.Select(r => $"({ps.Add(collection.Id)}, {ps.Add(r.Field)}, {ps.Add(r.From)}, {ps.Add(r.To)}, {ps.Add(collection.Find(r.Field)?.ReferencedCollectionId)})");
            await Db.ExecuteAsync(Dialect, connection, tx,
                $"INSERT INTO _externaldb_references (collection_id, field_key, referring_id, referenced_id, referenced_collection_id) VALUES {string.Join(", ", values)}",
                ps, ct).ConfigureAwait(false);
        }
    }

    private async Task DeleteReferencesOfAsync(DbConnection connection, DbTransaction tx, string collectionId, string field, List<string> referringIds, CancellationToken ct)
    {
        foreach (var chunk in referringIds.Chunk(IdChunk))
        {
            var ps = new SqlParams();
            var sql = $"DELETE FROM _externaldb_references WHERE collection_id = {ps.Add(collectionId)} AND field_key = {ps.Add(field)} AND referring_id IN ({string.Join(", ", chunk.Select(id => ps.Add(id)))})";
            await Db.ExecuteAsync(Dialect, connection, tx, sql, ps, ct).ConfigureAwait(false);
        }
    }

    private async Task<HashSet<ItemReference>> ExistingReferencesAsync(DbConnection connection, DbTransaction tx, string collectionId, string field,
        IEnumerable<ItemReference> refs, CancellationToken ct)
    {
        var result = new HashSet<ItemReference>();
        foreach (var chunk in refs.Select(r => r.ReferringItemId).Distinct(StringComparer.Ordinal).Chunk(IdChunk))
        {
            var ps = new SqlParams();
            var sql = $"SELECT referring_id, referenced_id FROM _externaldb_references WHERE collection_id = {ps.Add(collectionId)} AND field_key = {ps.Add(field)} AND referring_id IN ({string.Join(", ", chunk.Select(id => ps.Add(id)))})";
            foreach (var r in await Db.QueryAsync(Dialect, connection, tx, sql, ps, r => new ItemReference(r.GetString(0), r.GetString(1)), ct).ConfigureAwait(false))
            {
                result.Add(r);
            }
        }
        return result;
    }

    private static JsonObject ReferenceJson(ItemReference r) => new() { ["referringItemId"] = r.ReferringItemId, ["referencedItemId"] = r.ReferencedItemId };

    public async Task<List<ItemResult>> InsertReferencesAsync(string? collectionId, string? fieldKey, IReadOnlyList<ItemReference> refs, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "insertReferences", ct).ConfigureAwait(false);
        var field = ReferenceField(collection, fieldKey);
        var existing = await ExistingReferencesAsync(connection, tx, collection.Id, field.Key, refs, ct).ConfigureAwait(false);
        var results = new List<ItemResult>();
        var toInsert = new List<(string, string, string)>();
        foreach (var r in refs)
        {
            if (!existing.Add(r))
            {
                results.Add(new ItemResult(null, new AdaptorException(AdaptorErrorCodes.ReferenceAlreadyExists, 409,
                    $"Reference from {r.ReferringItemId} to {r.ReferencedItemId} already exists", ReferenceJson(r))));
                continue;
            }
            toInsert.Add((field.Key, r.ReferringItemId, r.ReferencedItemId));
            results.Add(new ItemResult(new JsonObject { ["reference"] = ReferenceJson(r) }, null));
        }
        await InsertReferenceRowsAsync(connection, tx, collection, toInsert, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return results;
    }

    public async Task<List<ItemResult>> RemoveReferencesAsync(string? collectionId, string? fieldKey, IReadOnlyList<ItemReference> refs, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var collection = await WritableAsync(connection, tx, collectionId, "removeReferences", ct).ConfigureAwait(false);
        var field = ReferenceField(collection, fieldKey);
        var existing = await ExistingReferencesAsync(connection, tx, collection.Id, field.Key, refs, ct).ConfigureAwait(false);
        var results = new List<ItemResult>();
        var toDelete = new List<ItemReference>();
        foreach (var r in refs)
        {
            if (!existing.Remove(r))
            {
                results.Add(new ItemResult(null, new AdaptorException(AdaptorErrorCodes.ReferenceNotFound, 404,
                    $"Reference from {r.ReferringItemId} to {r.ReferencedItemId} not found", ReferenceJson(r))));
                continue;
            }
            toDelete.Add(r);
            results.Add(new ItemResult(new JsonObject { ["reference"] = ReferenceJson(r) }, null));
        }
        foreach (var chunk in toDelete.Chunk(IdChunk))
        {
            var ps = new SqlParams();
            var pairs = chunk.Select(r => $"(referring_id = {ps.Add(r.ReferringItemId)} AND referenced_id = {ps.Add(r.ReferencedItemId)})");
            await Db.ExecuteAsync(Dialect, connection, tx,
                $"DELETE FROM _externaldb_references WHERE collection_id = {ps.Add(collection.Id)} AND field_key = {ps.Add(field.Key)} AND ({string.Join(" OR ", pairs)})",
                ps, ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return results;
    }

    public async Task<PageResult<JsonObject>> QueryReferencedAsync(string? collectionId, string? fieldKey, IReadOnlyList<string>? referringIds,
        IReadOnlyList<string>? referencedIds, bool descending, int limit, int offset, bool returnTotal, bool includeItems,
        IReadOnlyList<string>? fields, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        var field = ReferenceField(collection, fieldKey);
        var ps = new SqlParams();
        var where = $"collection_id = {ps.Add(collection.Id)} AND field_key = {ps.Add(field.Key)}";
        if (referringIds is { Count: > 0 })
        {
            where += $" AND referring_id IN ({string.Join(", ", referringIds.Take(1000).Select(id => ps.Add(id)))})";
        }
        if (referencedIds is { Count: > 0 })
        {
            where += $" AND referenced_id IN ({string.Join(", ", referencedIds.Take(1000).Select(id => ps.Add(id)))})";
        }
        var countPs = ps;
        var sql = $"SELECT referring_id, referenced_id FROM _externaldb_references WHERE {where} ORDER BY seq {(descending ? "DESC" : "ASC")}" +
                  $" LIMIT {ps.Add((long)limit + 1, StorageKind.Number)} OFFSET {ps.Add((long)offset, StorageKind.Number)}";
        var refs = await Db.QueryAsync(Dialect, connection, null, sql, ps, r => new ItemReference(r.GetString(0), r.GetString(1)), ct).ConfigureAwait(false);
        long? total = returnTotal ? await CountWhereAsync(connection, $"SELECT COUNT(*) FROM _externaldb_references WHERE {where}", countPs, ct).ConfigureAwait(false) : null;
        var hasMore = refs.Count > limit;
        if (hasMore)
        {
            refs.RemoveAt(refs.Count - 1);
        }
        Dictionary<string, JsonObject> items = [];
        if (includeItems && field.ReferencedCollectionId is not null && refs.Count > 0)
        {
            var target = (await catalog.ListAsync(connection, null, field.ReferencedCollectionId, ct).ConfigureAwait(false)).FirstOrDefault();
            if (target is { HasIdColumn: true })
            {
                items = await ReadByIdsAsync(connection, null, target, refs.Select(r => r.ReferencedItemId).Distinct(StringComparer.Ordinal).ToList(), ct).ConfigureAwait(false);
                if (fields is { Count: > 0 })
                {
                    foreach (var item in items.Values)
                    {
                        foreach (var key in item.Select(p => p.Key).Where(k => k != "_id" && !fields.Contains(k)).ToList())
                        {
                            item.Remove(key);
                        }
                    }
                }
            }
        }
        var result = refs.Select(r =>
        {
            var entry = ReferenceJson(r);
            if (items.TryGetValue(r.ReferencedItemId, out var item))
            {
                entry["referencedItem"] = item.DeepClone();
            }
            return entry;
        }).ToList();
        return new PageResult<JsonObject>(result, total, hasMore);
    }

    // ---------- helpers ----------

    /// <summary>
    /// The columns a query reads: whole fields (<c>_id</c> always), and paths into object fields read as JSON and put back
    /// at their place (<c>{"address": {"city": ...}}</c>) unless their whole field is read too.
    /// </summary>
    private static Projected Projection(CollectionInfo collection, IReadOnlyList<string>? fields)
    {
        if (fields is null || fields.Count == 0)
        {
            return new Projected([.. collection.Columns], []);
        }
        var columns = new List<FieldInfo>();
        var nested = new List<FieldPath>();
        if (collection.Find("_id") is { IsColumn: true } id)
        {
            columns.Add(id);
        }
        for (var i = 0; i < fields.Count; i++)
        {
            var path = FieldPath.Resolve(fields[i], collection.Find, $"query.fields[{i}]")
                ?? throw AdaptorException.Validation($"query.fields[{i}]", $"Unknown field {fields[i]}", fields[i]);
            if (path.IsNested)
            {
                nested.Add(path);
            }
            else if (path.Field.IsColumn && !columns.Contains(path.Field))
            {
                columns.Add(path.Field);
            }
        }
        return new Projected(columns, [.. nested.Where(n => !columns.Contains(n.Field)).DistinctBy(n => n.Name, StringComparer.Ordinal)]);
    }

    private sealed record Projected(IReadOnlyList<FieldInfo> Columns, IReadOnlyList<FieldPath> Nested)
    {
        public string SelectList(SqlDialect dialect) => string.Join(", ",
            Columns.Select(f => dialect.Quote(f.Key)).Concat(Nested.Select(n => dialect.JsonPathValue(dialect.ColumnRef(n.Field), n.Segments))));

        public JsonObject Read(DbDataReader reader)
        {
            var item = ReadItem(reader, Columns);
            for (var i = 0; i < Nested.Count; i++)
            {
                if (ValueCodec.FromDb(reader.GetValue(Columns.Count + i), NestedValue) is { } value)
                {
                    var holder = item;
                    foreach (var key in Nested[i].Segments.Prepend(Nested[i].Field.Key).SkipLast(1))
                    {
                        holder = holder[key] as JsonObject ?? (JsonObject)(holder[key] = new JsonObject());
                    }
                    holder[Nested[i].Segments[^1]] = value;
                }
            }
            return item;
        }
    }

    /// <summary>How a value read at a nested path is decoded: JSON.</summary>
    private static readonly FieldInfo NestedValue = new("", "ANY", StorageKind.Json);

    private string OrderBy(Func<string, FieldInfo?> resolve, IReadOnlyList<SortSpec> sort, string? tieBreaker, bool jsonSortable = false)
    {
        var terms = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sort.Count; i++)
        {
            var path = FieldPath.Resolve(sort[i].Field, resolve, $"sort[{i}].fieldName")
                ?? throw AdaptorException.Validation($"sort[{i}].fieldName", $"Unknown field {sort[i].Field}", sort[i].Field);
            var field = path.Field;
            if (!used.Add(path.Name))
            {
                continue;
            }
            if (path.IsNested)
            {
                terms.AddRange(Dialect.JsonOrderTerms(Dialect.JsonPathValue(Dialect.ColumnRef(field), path.Segments), sort[i].Descending));
            }
            else if (jsonSortable && field.Storage == StorageKind.Json)
            {
                terms.AddRange(Dialect.JsonOrderTerms(Dialect.ColumnRef(field), sort[i].Descending));
            }
            else if (FieldTypeMap.IsSortable(field))
            {
                terms.Add(Dialect.OrderTerm(Dialect.ColumnRef(field), field.Storage, sort[i].Descending));
            }
            else
            {
                throw AdaptorException.Validation($"sort[{i}].fieldName", $"Field {field.Key} of type {field.Type} is not sortable", field.Key);
            }
        }
        if (tieBreaker is not null && !used.Contains(tieBreaker) && resolve(tieBreaker) is { } tie)
        {
            terms.Add(Dialect.OrderTerm(Dialect.ColumnRef(tie), tie.Storage, false));
        }
        return terms.Count == 0 ? "" : " ORDER BY " + string.Join(", ", terms);
    }

    private static JsonObject ReadItem(DbDataReader reader, IReadOnlyList<FieldInfo> fields, bool keepNulls = false)
    {
        var item = new JsonObject();
        for (var i = 0; i < fields.Count; i++)
        {
            var value = ValueCodec.FromDb(reader.GetValue(i), fields[i]);
            if (fields[i].Key == "_id" && value is not null && value.GetValueKind() != JsonValueKind.String)
            {
                value = IdString(value);
            }
            if (value is not null || keepNulls)
            {
                item[fields[i].Key] = value;
            }
        }
        return item;
    }
}
