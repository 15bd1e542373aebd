using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// The V3 <c>items/*</c> operations over the legacy <c>/data/*</c> calls. V3 writes are bulk with per-item results;
/// legacy writes answer for the whole call, so existence is checked first (one <c>_id $hasSome</c> find) and each
/// item gets its own result. V1 has no bulk calls: it writes item by item.
/// </summary>
internal static class LegacyItemOperations
{
    /// <summary>The most items the gateway reads itself to compute distinct values.</summary>
    public const int MaxScannedItems = 100_000;

    private static readonly string[] SystemSortField = ["_id"];

    public static async Task<JsonObject> QueryAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var query = request["query"] as JsonObject;
        var paging = LegacyPaging.Read(query);
        var withTotal = JsonRead.IsTrue(request["returnTotalCount"]);
        var fields = Strings(query?["fields"], "query.fields");
        var projection = fields.Count > 0 && !fields.Contains("_id", StringComparer.Ordinal) ? ["_id", .. fields] : fields;
        var filter = adaptor.Filters.Translate(query?["filter"]);

        var (items, total) = await adaptor.FindAsync(collectionId, filter, Sort(query?["sort"]), paging.Offset, paging.Limit, projection, withTotal, ct);
        if (projection.Count > 0 && !adaptor.IsV2)
        {
            items = [.. items.Select(item => Project(item, projection))]; // V1 has no projection: trim here
        }
        if (withTotal && total is null)
        {
            total = await CountAsync(adaptor, collectionId, adaptor.Filters.Translate(query?["filter"]), ct);
        }
        return new JsonObject
        {
            ["items"] = LegacyJson.Array(items),
            ["pagingMetadata"] = paging.Metadata(items.Count, total, withTotal),
        };
    }

    public static async Task<JsonObject> CountAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var total = await CountAsync(adaptor, collectionId, adaptor.Filters.Translate(request["filter"]), ct);
        return new JsonObject { ["totalCount"] = total };
    }

    /// <summary>What a write of items starts with: the collection, the items, a result slot per item, and which given ids exist.</summary>
    private static async Task<(string CollectionId, JsonArray Items, JsonObject?[] Results, Dictionary<string, JsonObject> Existing)> ReadWriteRequestAsync(
        LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var items = LegacyJson.RequireArray(request, "items");
        var givenIds = items.OfType<JsonObject>().Select(LegacyJson.Id).OfType<string>().Where(id => id.Length > 0);
        var existing = await adaptor.FindByIdsAsync(collectionId, givenIds, idsOnly: true, ct);
        return (collectionId, items, new JsonObject?[items.Count], existing);
    }

    public static async Task<JsonObject> InsertAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var (collectionId, items, results, existing) = await ReadWriteRequestAsync(adaptor, request, ct);

        var writes = new List<Write>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject given)
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ValidationError, $"Item #{i} is not an object.", null);
                continue;
            }
            var item = (JsonObject)given.DeepClone();
            string id;
            switch (item["_id"])
            {
                case null:
                case var empty when JsonRead.Text(empty) == "":
                    id = Guid.NewGuid().ToString();
                    item["_id"] = id;
                    break;
                case var node when JsonRead.Text(node) is { } s:
                    id = s;
                    break;
                default:
                    results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ValidationError, $"Item #{i} has an _id that is not a string.", null);
                    continue;
            }
            if (existing.ContainsKey(id) || !seen.Add(id))
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ItemAlreadyExists, $"Item already exists: {id}", id);
                continue;
            }
            writes.Add(new Write(i, id, item));
        }

        await WriteAsync(adaptor, collectionId, writes, LegacyPaths.Insert, LegacyPaths.InsertBulk, results, ct);
        return Results(results);
    }

    public static async Task<JsonObject> UpdateAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var (collectionId, items, results, existing) = await ReadWriteRequestAsync(adaptor, request, ct);

        var writes = new List<Write>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject given || LegacyJson.Id(given) is not { Length: > 0 } id)
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ValidationError, $"Item #{i} to update is not an object with a string _id.", null);
                continue;
            }
            if (!existing.ContainsKey(id))
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ItemNotFound, $"Item not found: {id}", id);
                continue;
            }
            writes.Add(new Write(i, id, (JsonObject)given.DeepClone()));
        }

        await WriteAsync(adaptor, collectionId, writes, LegacyPaths.Update, LegacyPaths.UpdateBulk, results, ct);
        return Results(results);
    }

    public static async Task<JsonObject> RemoveAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var itemIds = LegacyJson.RequireArray(request, "itemIds");
        var results = new JsonObject?[itemIds.Count];
        var existing = await adaptor.FindByIdsAsync(collectionId, itemIds.Select(JsonRead.Text).OfType<string>(), idsOnly: false, ct);

        var removals = new List<Write>();
        var removing = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < itemIds.Count; i++)
        {
            if (JsonRead.Text(itemIds[i]) is not { } id)
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ValidationError, $"Item id #{i} is not a string.", null);
                continue;
            }
            if (!existing.TryGetValue(id, out var item) || !removing.Add(id))
            {
                results[i] = LegacyErrors.ItemError(AdaptorErrorCodes.ItemNotFound, $"Item not found: {id}", id);
                continue;
            }
            removals.Add(new Write(i, id, item));
        }
        if (removals.Count == 0)
        {
            return Results(results);
        }

        if (adaptor.IsV2)
        {
            try
            {
                await adaptor.PostAsync(LegacyPaths.RemoveBulk, new JsonObject
                {
                    ["collectionName"] = collectionId,
                    ["itemIds"] = LegacyJson.Strings(removals.Select(r => r.Id)),
                }, LegacyCallKind.Items, collectionId, ct);
                foreach (var r in removals)
                {
                    results[r.Index] = new JsonObject { ["item"] = r.Item };
                }
            }
            catch (AdaptorCallException e) when (LegacyErrors.IsItemLevel(e))
            {
                foreach (var r in removals)
                {
                    results[r.Index] = LegacyErrors.ItemError(e, r.Id);
                }
            }
        }
        else
        {
            foreach (var r in removals)
            {
                try
                {
                    await adaptor.PostAsync(LegacyPaths.Remove, new JsonObject { ["collectionName"] = collectionId, ["itemId"] = r.Id },
                        LegacyCallKind.Items, collectionId, ct);
                    results[r.Index] = new JsonObject { ["item"] = r.Item };
                }
                catch (AdaptorCallException e) when (LegacyErrors.IsItemLevel(e))
                {
                    results[r.Index] = LegacyErrors.ItemError(e, r.Id);
                }
            }
        }
        return Results(results);
    }

    /// <summary>How many items a V1 truncate removes one by one at most (a bound on a misbehaving adaptor).</summary>
    private const int MaxTruncatedItems = 100_000;

    public static async Task<JsonObject> TruncateAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        if (adaptor.IsV2)
        {
            await adaptor.PostAsync(LegacyPaths.Truncate, new JsonObject { ["collectionName"] = collectionId }, LegacyCallKind.Items, collectionId, ct);
            return [];
        }

        // V1 has no truncate: remove page after page (each page starts at 0, as the previous one is gone).
        var removed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (page, _) = await adaptor.FindAsync(collectionId, [], SortBy(SystemSortField), 0, LegacyAdaptorClient.IdBatchSize, null, withTotal: false, ct);
            var ids = page.Select(LegacyJson.Id).OfType<string>().Where(id => !removed.Contains(id)).ToList();
            if (page.Count == 0)
            {
                return [];
            }
            if (ids.Count == 0)
            {
                throw new AdaptorCallException(AdaptorFailure.BadAnswer,
                    "The adaptor keeps listing items that it said it removed (or items without _id): truncate stopped.");
            }
            if (removed.Count + ids.Count > MaxTruncatedItems)
            {
                throw new AdaptorCallException(AdaptorFailure.NotSupported,
                    $"V1 adaptors have no truncate; removing more than {MaxTruncatedItems} items one by one is refused.");
            }
            foreach (var id in ids)
            {
                try
                {
                    await adaptor.PostAsync(LegacyPaths.Remove, new JsonObject { ["collectionName"] = collectionId, ["itemId"] = id },
                        LegacyCallKind.Items, collectionId, ct);
                }
                catch (AdaptorCallException e) when (e.ErrorCode == AdaptorErrorCodes.ItemNotFound)
                {
                    // removed meanwhile
                }
                removed.Add(id);
            }
        }
    }

    public static async Task<JsonObject> QueryDistinctValuesAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var fieldName = LegacyJson.RequireString(request, "fieldName");
        var descending = string.Equals(JsonRead.Text(request["order"]), "DESC", StringComparison.OrdinalIgnoreCase);
        var paging = LegacyPaging.Read(request);
        var withTotal = JsonRead.IsTrue(request["returnTotalCount"]);
        var filter = adaptor.Filters.Translate(request["filter"]);

        // Legacy adaptors have no distinct call: read the matching items (sorted by _id so that pages do not overlap).
        var values = new List<JsonNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long? knownTotal = null;
        var skip = 0;
        while (true)
        {
            var (page, total) = await adaptor.FindAsync(collectionId, (JsonObject)filter.DeepClone(), SortBy(SystemSortField), skip,
                LegacyAdaptorClient.ScanPageSize, [fieldName], withTotal: skip == 0, ct);
            knownTotal ??= total;
            if (knownTotal > MaxScannedItems || skip + page.Count > MaxScannedItems)
            {
                throw new AdaptorCallException(AdaptorFailure.NotSupported,
                    $"More than {MaxScannedItems} items match: the gateway computes distinct values of legacy adaptors by reading the items, up to {MaxScannedItems}. Narrow the filter.");
            }
            foreach (var item in page)
            {
                var value = LegacyJson.ValueAt(item, fieldName);
                foreach (var single in value is JsonArray array ? array.ToList() : [value])
                {
                    if (single is not null && seen.Add(single.ToJsonString()))
                    {
                        values.Add(single.DeepClone());
                    }
                }
            }
            skip += page.Count;
            if (page.Count == 0 || skip >= knownTotal)
            {
                break;
            }
        }

        values.Sort(JsonValueOrder.Instance);
        if (descending)
        {
            values.Reverse();
        }
        var selected = paging.Apply(values).ToList();
        return new JsonObject
        {
            ["distinctValues"] = LegacyJson.Array(selected),
            ["pagingMetadata"] = paging.Metadata(selected.Count, values.Count, withTotal),
        };
    }

    /// <summary>V3 sort <c>[{fieldName, order}]</c> as legacy sort <c>[{fieldName, direction}]</c>.</summary>
    public static JsonArray Sort(JsonNode? sort)
    {
        if (sort is null)
        {
            return [];
        }
        if (sort is not JsonArray array)
        {
            throw LegacyJson.Invalid("sort must be an array of {fieldName, order}.");
        }
        return LegacyJson.Array(array.Select(s =>
        {
            var field = s is JsonObject o ? JsonRead.Text(o["fieldName"]) : null;
            if (string.IsNullOrEmpty(field))
            {
                throw LegacyJson.Invalid("Every sort entry needs a fieldName.");
            }
            var descending = string.Equals(JsonRead.Text(s!["order"]), "DESC", StringComparison.OrdinalIgnoreCase);
            return (JsonNode)new JsonObject { ["fieldName"] = field, ["direction"] = descending ? "desc" : "asc" };
        }));
    }

    private static JsonArray SortBy(IEnumerable<string> fields) =>
        LegacyJson.Array(fields.Select(f => (JsonNode)new JsonObject { ["fieldName"] = f, ["direction"] = "asc" }));

    private static async Task<long> CountAsync(LegacyAdaptorClient adaptor, string collectionId, JsonObject filter, CancellationToken ct)
    {
        const string path = LegacyPaths.Count;
        var answer = await adaptor.PostAsync(path, new JsonObject { ["collectionName"] = collectionId, ["filter"] = filter },
            LegacyCallKind.Items, collectionId, ct);
        return JsonRead.Integer(answer["totalCount"]) is { } total and >= 0
            ? total
            : throw LegacyJson.BadAnswer(path, "has no 'totalCount' number");
    }

    /// <summary>Writes items (insert or update): V2 in one bulk call, V1 item by item; fills each item's result.</summary>
    private static async Task WriteAsync(
        LegacyAdaptorClient adaptor, string collectionId, List<Write> writes, string singlePath, string bulkPath, JsonObject?[] results, CancellationToken ct)
    {
        if (writes.Count == 0)
        {
            return;
        }
        if (adaptor.IsV2)
        {
            try
            {
                var answer = await adaptor.PostAsync(bulkPath, new JsonObject
                {
                    ["collectionName"] = collectionId,
                    ["items"] = LegacyJson.Array(writes.Select(w => w.Item.DeepClone())),
                }, LegacyCallKind.Items, collectionId, ct);
                var stored = LegacyJson.TakeObjects(answer, "items", bulkPath) ?? [];
                var byId = stored.Where(s => LegacyJson.Id(s) is not null).GroupBy(s => LegacyJson.Id(s)!, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                for (var k = 0; k < writes.Count; k++)
                {
                    var w = writes[k];
                    var item = byId.GetValueOrDefault(w.Id)
                        ?? (stored.Count == writes.Count && LegacyJson.Id(stored[k]) is null ? stored[k] : null)
                        ?? w.Item;
                    results[w.Index] = new JsonObject { ["item"] = item.DeepClone() };
                }
            }
            catch (AdaptorCallException e) when (LegacyErrors.IsItemLevel(e))
            {
                // The bulk call was refused as a whole: each of its items carries the refusal.
                foreach (var w in writes)
                {
                    results[w.Index] = LegacyErrors.ItemError(e, w.Id);
                }
            }
            return;
        }

        foreach (var w in writes)
        {
            try
            {
                var answer = await adaptor.PostAsync(singlePath, new JsonObject { ["collectionName"] = collectionId, ["item"] = w.Item.DeepClone() },
                    LegacyCallKind.Items, collectionId, ct);
                var item = answer["item"] is JsonObject { Count: > 0 } stored ? stored.DeepClone() : w.Item;
                results[w.Index] = new JsonObject { ["item"] = item };
            }
            catch (AdaptorCallException e) when (LegacyErrors.IsItemLevel(e))
            {
                results[w.Index] = LegacyErrors.ItemError(e, w.Id);
            }
        }
    }

    private static JsonObject Results(JsonObject?[] results) => new()
    {
        ["results"] = LegacyJson.Array(results.Select(r => r ?? LegacyErrors.ItemError(AdaptorErrorCodes.UnknownError, "No result.", null))),
    };

    private static List<string> Strings(JsonNode? node, string name) => node switch
    {
        null => [],
        JsonArray array => [.. array.Select(n => JsonRead.Text(n) ?? throw LegacyJson.Invalid($"{name} must hold strings."))],
        _ => throw LegacyJson.Invalid($"{name} must be an array of strings."),
    };

    private static JsonObject Project(JsonObject item, IReadOnlyList<string> fields)
    {
        var projected = new JsonObject();
        foreach (var field in fields)
        {
            if (item.TryGetPropertyValue(field, out var value))
            {
                projected[field] = value?.DeepClone();
            }
        }
        return projected;
    }

    private sealed record Write(int Index, string Id, JsonObject Item);
}
