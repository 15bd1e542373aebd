using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Json;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Gateway;

/// <summary>Which bulk write: insert, update (replace) or save (insert or replace, by existence).</summary>
internal enum BulkKind
{
    Insert,
    Update,
    Save,
}

/// <summary>
/// The item methods of Wix Data Items v2: each resolves the collection, checks its capabilities, translates the request
/// to the V3 operation, calls the adaptor through <see cref="DataGateway"/> and shapes the answer.
/// </summary>
internal sealed class DataItemsService(DataGateway gw, ItemEvents events)
{
    // ---- single items ----

    public Task<JsonObject> InsertAsync(JsonObject body, CancellationToken ct) =>
        WriteOneAsync(body, AdaptorOperations.Insert, DataOperations.Insert, requireId: false, ct);

    public Task<JsonObject> UpdateAsync(JsonObject body, CancellationToken ct) =>
        WriteOneAsync(body, AdaptorOperations.Update, DataOperations.Update, requireId: true, ct);

    private async Task<JsonObject> WriteOneAsync(JsonObject body, string operation, string capability, bool requireId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var (id, data) = ItemInput.Prepare(body["dataItem"], "dataItem", requireId);
        await gw.RequireOperationAsync(target, capability, capability, ct);
        var answer = await gw.CallAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId, ["items"] = new JsonArray(data) }, ct, id);
        var item = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId);
        await events.WrittenAsync(target, operation == AdaptorOperations.Insert ? EventTypes.ItemCreated : EventTypes.ItemUpdated, answer, [id]);
        return new JsonObject { ["dataItem"] = item };
    }

    public async Task<JsonObject> SaveAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var (id, data) = ItemInput.Prepare(body["dataItem"], "dataItem", requireId: false);
        await gw.RequireOperationAsync(target, DataOperations.Insert, "SAVE", ct);
        await gw.RequireOperationAsync(target, DataOperations.Update, "SAVE", ct);
        var exists = (await gw.ExistingIdsAsync(target, [id], ct)).Contains(id);
        var operation = exists ? AdaptorOperations.Update : AdaptorOperations.Insert;
        var answer = await gw.CallAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId, ["items"] = new JsonArray(data) }, ct, id);
        var item = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId);
        await events.WrittenAsync(target, exists ? EventTypes.ItemUpdated : EventTypes.ItemCreated, answer, [id]);
        return new JsonObject
        {
            ["action"] = exists ? "UPDATED" : "INSERTED",
            ["dataItem"] = item,
        };
    }

    public async Task<JsonObject> GetAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var id = GatewayRequest.RequiredString(body, "dataItemId");
        var schema = await gw.GetSchemaAsync(target, ct);
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Query, "GET");
        var includes = IncludedReferences.Read(body, schema, target);
        var fields = body["fields"] as JsonArray;
        var consistentRead = GatewayRequest.Flag(body, "consistentRead");
        var item = await gw.FindItemAsync(target, id, fields, consistentRead, ct) ?? throw GatewayException.ItemNotFound(target.FullId, id);
        await IncludedReferences.ExpandAsync(gw, target, [item], includes, fields, consistentRead, ct);
        return new JsonObject { ["dataItem"] = Items.ToDataItem(item, target.FullId) };
    }

    public async Task<JsonObject> RemoveAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var id = GatewayRequest.RequiredString(body, "dataItemId");
        await gw.RequireOperationAsync(target, DataOperations.Remove, "REMOVE", ct);
        var answer = await gw.CallAsync(target, AdaptorOperations.Remove, new JsonObject { ["collectionId"] = target.CollectionId, ["itemIds"] = new JsonArray(id) }, ct, id);
        var item = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId);
        await events.RemovedAsync(target, answer, [id]);
        return new JsonObject { ["dataItem"] = item };
    }

    public async Task<JsonObject> TruncateAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        await gw.RequireOperationAsync(target, DataOperations.Truncate, "TRUNCATE", ct);
        await gw.CallAsync(target, AdaptorOperations.Truncate, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        return new JsonObject();
    }

    // ---- reads ----

    public async Task<JsonObject> QueryAsync(JsonObject body, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        if (body["query"] is { } q && q is not JsonObject)
        {
            throw GatewayException.Invalid("query", "must be an object", "FORMAT");
        }
        var query = body["query"] as JsonObject ?? new JsonObject();
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(query, query, fullId, "query", "query.", gw.Cursors).ClampTo(schema);
        var effective = page.Request;
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Query, "FIND");
        CapabilityChecks.CheckFilter(schema, effective["filter"], target, "query.filter");
        CapabilityChecks.CheckSort(schema, effective["sort"], target, "query.sort");
        var includes = IncludedReferences.Read(body, schema, target);
        var fields = body["query"]?["fields"] ?? effective["fields"];
        var wantTotal = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount");

        var v3Query = new JsonObject
        {
            ["filter"] = effective["filter"]?.DeepClone() ?? new JsonObject(),
            ["sort"] = effective["sort"]?.DeepClone() ?? new JsonArray(),
            ["paging"] = page.Paging(),
        };
        if (fields is JsonArray f && f.Count > 0)
        {
            v3Query["fields"] = f.DeepClone();
        }
        var answer = await gw.CallPageAsync(target, AdaptorOperations.Query, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["query"] = v3Query,
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = wantTotal,
        }, page.MaxPageSize, ct);
        var total = wantTotal ? Items.Total(answer) : null;
        var (rows, metadata) = page.Finish(answer, AdaptorPaging.Rows(AdaptorOperations.Query, answer), total, fullId, "query", gw.Cursors);
        await IncludedReferences.ExpandAsync(gw, target, [.. rows.OfType<JsonObject>()], includes, fields as JsonArray, GatewayRequest.Flag(body, "consistentRead"), ct);
        return new JsonObject
        {
            ["dataItems"] = new JsonArray([.. rows.Select(r => (JsonNode?)Items.ToDataItem(r, fullId))]),
            ["pagingMetadata"] = metadata,
        };
    }

    public async Task<JsonObject> CountAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Count, "COUNT");
        CapabilityChecks.CheckFilter(schema, body["filter"], target, "filter");
        var answer = await gw.CallAsync(target, AdaptorOperations.Count, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["filter"] = body["filter"]?.DeepClone() ?? new JsonObject(),
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
        }, ct);
        return new JsonObject { ["totalCount"] = (long)(JsonRead.Number(answer["totalCount"]) ?? 0) };
    }

    public async Task<JsonObject> AggregateAsync(JsonObject body, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(body, Strip(body), fullId, "aggregate", "", gw.Cursors).ClampTo(schema);
        var effective = page.Request;
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Aggregate, "AGGREGATE");
        CapabilityChecks.CheckFilter(schema, effective["initialFilter"], target, "initialFilter");

        var aggregation = effective["aggregation"] as JsonObject ?? throw GatewayException.Invalid("aggregation", "is required", "REQUIRED");
        var grouping = (aggregation["groupingFields"] as JsonArray)?.Select(JsonRead.Text).OfType<string>().Where(g => g.Length > 0).ToList() ?? [];
        if (grouping.GroupBy(g => g, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw GatewayException.Invalid("aggregation.groupingFields", $"lists '{twice.Key}' more than once", "OTHER");
        }
        var resultNames = new HashSet<string>(grouping, StringComparer.Ordinal);
        var operations = new JsonArray();
        var index = 0;
        foreach (var op in aggregation["operations"] as JsonArray ?? [])
        {
            var path = $"aggregation.operations[{index++}]";
            if (op is not JsonObject operation)
            {
                throw GatewayException.Invalid(path, "must be an object", "FORMAT");
            }
            var resultName = GatewayRequest.RequiredString(operation, "resultFieldName", path + ".resultFieldName");
            if (!resultNames.Add(resultName))
            {
                throw GatewayException.Invalid(path + ".resultFieldName", $"'{resultName}' is already a grouping field or another operation's result", "OTHER");
            }
            var converted = new JsonObject { ["resultFieldName"] = resultName };
            var kind = new[] { "average", "min", "max", "sum" }.FirstOrDefault(operation.ContainsKey);
            if (kind is not null)
            {
                var field = operation[kind] as JsonObject ?? throw GatewayException.Invalid($"{path}.{kind}", "must be an object", "FORMAT");
                converted[kind] = new JsonObject { ["itemFieldName"] = GatewayRequest.RequiredString(field, "itemFieldName", $"{path}.{kind}.itemFieldName") };
            }
            else if (operation.ContainsKey("itemCount") || operation.ContainsKey("count"))
            {
                converted["count"] = new JsonObject();
            }
            else
            {
                throw GatewayException.Invalid(path, "needs one of average, min, max, sum, itemCount", "OTHER");
            }
            operations.Add(converted);
        }
        var request = new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["initialFilter"] = effective["initialFilter"]?.DeepClone() ?? new JsonObject(),
            ["aggregation"] = new JsonObject { ["groupingFields"] = new JsonArray([.. grouping.Select(g => (JsonNode?)g)]), ["operations"] = operations },
            ["finalFilter"] = effective["finalFilter"]?.DeepClone() ?? new JsonObject(),
            ["sort"] = effective["sort"]?.DeepClone() ?? new JsonArray(),
            ["paging"] = page.Paging(),
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount"),
        };
        var answer = await gw.CallPageAsync(target, AdaptorOperations.Aggregate, request, page.MaxPageSize, ct);
        var total = request["returnTotalCount"]!.GetValue<bool>() ? Items.Total(answer) : null;
        var (rows, metadata) = page.Finish(answer, AdaptorPaging.Rows(AdaptorOperations.Aggregate, answer), total, fullId, "aggregate", gw.Cursors);
        var results = new JsonArray();
        foreach (var result in rows.OfType<JsonObject>())
        {
            if (grouping.Count > 0)
            {
                var key = new JsonObject();
                foreach (var g in grouping)
                {
                    key[g] = result[g]?.DeepClone();
                }
                result["_id"] = key;
            }
            else
            {
                result["_id"] = null;
            }
            results.Add(result);
        }
        return new JsonObject { ["results"] = results, ["pagingMetadata"] = metadata };
    }

    public async Task<JsonObject> DistinctAsync(JsonObject body, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(body, Strip(body), fullId, "distinct", "", gw.Cursors).ClampTo(schema);
        var effective = page.Request;
        var fieldName = GatewayRequest.RequiredString(effective, "fieldName");
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Query, "DISTINCT");
        CapabilityChecks.CheckFilter(schema, effective["filter"], target, "filter");
        var wantTotal = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount");
        var request = new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["filter"] = effective["filter"]?.DeepClone() ?? new JsonObject(),
            ["fieldName"] = fieldName,
            ["order"] = GatewayRequest.OptionalString(effective, "order") ?? "ASC",
            ["paging"] = page.Paging(),
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = wantTotal,
        };
        var answer = await gw.CallPageOrElseAsync(target, AdaptorOperations.QueryDistinctValues, request, page.MaxPageSize,
            () => DistinctByAggregationAsync(target, schema, request, page.MaxPageSize, ct), ct);
        var (values, metadata) = page.Finish(answer, AdaptorPaging.Rows(AdaptorOperations.QueryDistinctValues, answer),
            wantTotal ? Items.Total(answer) : null, fullId, "distinct", gw.Cursors);
        return new JsonObject { ["distinctValues"] = new JsonArray([.. values]), ["pagingMetadata"] = metadata };
    }

    /// <summary>
    /// Distinct values from an adaptor without the distinct-values call (Wix's own has none): the field's groups, in the
    /// asked order, through the adaptor's aggregation. Unlike the distinct call, an array field's values are not unwound.
    /// </summary>
    private async Task<JsonObject> DistinctByAggregationAsync(ResolvedCollection target, JsonObject schema, JsonObject distinct, int maxPageSize, CancellationToken ct)
    {
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Aggregate, "DISTINCT");
        var field = distinct["fieldName"]!.GetValue<string>();
        // One operation, since an aggregation without any is a plain query to Wix's adaptor.
        var count = field == "count" ? "groupCount" : "count";
        var answer = await gw.CallPageAsync(target, AdaptorOperations.Aggregate, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["initialFilter"] = distinct["filter"]?.DeepClone(),
            ["aggregation"] = new JsonObject
            {
                ["groupingFields"] = new JsonArray(field),
                ["operations"] = new JsonArray(new JsonObject { ["resultFieldName"] = count, ["count"] = new JsonObject() }),
            },
            ["finalFilter"] = new JsonObject(),
            ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = field, ["order"] = distinct["order"]?.DeepClone() }),
            ["paging"] = distinct["paging"]?.DeepClone(),
            ["consistentRead"] = distinct["consistentRead"]?.DeepClone(),
            ["returnTotalCount"] = distinct["returnTotalCount"]?.DeepClone(),
        }, maxPageSize, ct);
        var values = (AdaptorPaging.Rows(AdaptorOperations.Aggregate, answer) ?? []).OfType<JsonObject>().Select(row => row[field]).Where(v => v is not null);
        return new JsonObject
        {
            ["distinctValues"] = new JsonArray([.. values.Select(v => v!.DeepClone())]),
            ["pagingMetadata"] = answer["pagingMetadata"]?.DeepClone(),
        };
    }

    /// <summary>The request without its paging, as a cursor keeps it.</summary>
    private static JsonObject Strip(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("paging");
        copy.Remove("cursorPaging");
        return copy;
    }

    // ---- bulk writes ----

    public async Task<JsonObject> BulkWriteAsync(JsonObject body, BulkKind kind, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var entries = GatewayRequest.RequiredArray(body, "dataItems", PagingLimits.MaxBulkItems);
        var prepared = entries.Select((e, i) => ItemInput.Prepare(e, $"dataItems[{i}]", requireId: kind == BulkKind.Update)).ToList();
        if (kind != BulkKind.Update)
        {
            await gw.RequireOperationAsync(target, DataOperations.Insert, kind == BulkKind.Save ? "BULK_SAVE" : "BULK_INSERT", ct);
        }
        if (kind != BulkKind.Insert)
        {
            await gw.RequireOperationAsync(target, DataOperations.Update, kind == BulkKind.Save ? "BULK_SAVE" : "BULK_UPDATE", ct);
        }
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");

        // Which entries go to insert and which to update; a save decides by existence.
        var existing = kind == BulkKind.Save ? await gw.ExistingIdsAsync(target, prepared.Select(p => p.Id), ct) : [];
        var toUpdate = prepared.Select((p, i) => (p, i)).Where(x => kind == BulkKind.Update || (kind == BulkKind.Save && existing.Contains(x.p.Id))).ToList();
        var toInsert = prepared.Select((p, i) => (p, i)).Where(x => !toUpdate.Any(u => u.i == x.i)).ToList();

        var results = new JsonObject?[prepared.Count];
        foreach (var (operation, batch, action) in new[] { (AdaptorOperations.Insert, toInsert, "INSERT"), (AdaptorOperations.Update, toUpdate, "UPDATE") })
        {
            if (batch.Count == 0)
            {
                continue;
            }
            var answer = await gw.CallInBatchesAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId }, "items",
                [.. batch.Select(b => (JsonNode?)b.p.Data)], ct);
            for (var j = 0; j < batch.Count; j++)
            {
                results[batch[j].i] = Items.BulkResult(answer, j, action, batch[j].i, batch[j].p.Id, returnEntity, target);
            }
            await events.WrittenAsync(target, operation == AdaptorOperations.Insert ? EventTypes.ItemCreated : EventTypes.ItemUpdated, answer,
                [.. batch.Select(b => b.p.Id)]);
        }
        return Items.BulkAnswer(results);
    }

    public async Task<JsonObject> BulkRemoveAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var ids = GatewayRequest.RequiredArray(body, "dataItemIds", PagingLimits.MaxBulkItems)
            .Select((n, i) => n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 128 ? s
                : throw GatewayException.Invalid($"dataItemIds[{i}]", "must be an item id (1 to 128 characters)", "FORMAT"))
            .ToList();
        await gw.RequireOperationAsync(target, DataOperations.Remove, "BULK_REMOVE", ct);
        var answer = await gw.CallInBatchesAsync(target, AdaptorOperations.Remove, new JsonObject { ["collectionId"] = target.CollectionId }, "itemIds",
            [.. ids.Select(i => (JsonNode?)i)], ct);
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");
        var bulkAnswer = Items.BulkAnswer([.. ids.Select((id, i) => Items.BulkResult(answer, i, "DELETE", i, id, returnEntity, target))]);
        await events.RemovedAsync(target, answer, ids);
        return bulkAnswer;
    }
}
