using System.Text.Json.Nodes;
using ExternalDb.Server.Auth;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Items v2 over every connection's collections (<c>connectionName/collectionId</c>), at <c>/wix-data/v2</c>
/// and <c>/data/v2</c>. Each call is checked against the collection's capabilities, then translated to the
/// connection's protocol.
/// </summary>
public static class ItemsEndpoints
{
    public static IEndpointRouteBuilder MapItems(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup("/wix-data/v2").WithTags("Data items"));
        Map(app.MapGroup("/data/v2").ExcludeFromDescription());
        return app;
    }

    private static void Map(RouteGroupBuilder g)
    {
        Post(g, "/items", "WIX_DATA.INSERT", Insert, "Inserts an item.");
        Post(g, "/items/update", "WIX_DATA.UPDATE", Update, "Replaces an item (the SDK's binding of Update).");
        g.MapPut("/items/{**dataItemId}", (string dataItemId, HttpRequest r, DataGateway gw, CancellationToken ct) =>
            Run(async () => await Update(Merge(await GatewayRequest.ReadBodyAsync(r, ct), "dataItem.id", dataItemId), gw, ct)))
            .RequireAuthorization("WIX_DATA.UPDATE").WithSummary("Replaces an item.");
        Post(g, "/items/save", "WIX_DATA.SAVE", Save, "Inserts or replaces an item.");
        g.MapGet("/items/query", (HttpRequest r, DataGateway gw, CancellationToken ct) => Run(() => Query(GatewayRequest.ReadQuery(r), gw, ct)))
            .RequireAuthorization("WIX_DATA.QUERY").WithSummary("Queries items (the SDK's GET form with .r).");
        g.MapGet("/items/{**dataItemId}", (string dataItemId, HttpRequest r, DataGateway gw, CancellationToken ct) =>
            Run(() => Get(Merge(GatewayRequest.ReadQuery(r), "dataItemId", dataItemId), gw, ct)))
            .RequireAuthorization("WIX_DATA.GET").WithSummary("Retrieves an item.");
        g.MapDelete("/items/{**dataItemId}", (string dataItemId, HttpRequest r, DataGateway gw, CancellationToken ct) =>
            Run(() => Remove(Merge(GatewayRequest.ReadQuery(r), "dataItemId", dataItemId), gw, ct)))
            .RequireAuthorization("WIX_DATA.REMOVE").WithSummary("Removes an item.");
        Post(g, "/items/remove", "WIX_DATA.REMOVE", Remove, "Removes an item (the SDK's binding of Remove).");
        Post(g, "/items/truncate", "WIX_DATA.TRUNCATE", Truncate, "Removes every item of a collection.");
        Post(g, "/items/query", "WIX_DATA.QUERY", Query, "Queries items.");
        Post(g, "/items/count", "WIX_DATA.COUNT", Count, "Counts items.");
        Post(g, "/items/aggregate", "WIX_DATA.AGGREGATE", Aggregate, "Aggregates items.");
        Post(g, "/items/query-distinct-values", "WIX_DATA.QUERY_DISTINCT_VALUES", Distinct, "Lists the distinct values of a field.");
        Post(g, "/bulk/items/insert", "WIX_DATA.BULK_INSERT", (b, gw, ct) => BulkWrite(b, gw, BulkKind.Insert, ct), "Inserts items.");
        Post(g, "/bulk/items/update", "WIX_DATA.BULK_UPDATE", (b, gw, ct) => BulkWrite(b, gw, BulkKind.Update, ct), "Replaces items.");
        Post(g, "/bulk/items/save", "WIX_DATA.BULK_SAVE", (b, gw, ct) => BulkWrite(b, gw, BulkKind.Save, ct), "Inserts or replaces items.");
        Post(g, "/bulk/items/remove", "WIX_DATA.BULK_REMOVE", BulkRemove, "Removes items.");
        Post(g, "/items/query-referenced", "WIX_DATA.QUERY_REFERENCED", References.QueryReferenced, "Lists the items an item references.");
        Post(g, "/items/is-referenced", "WIX_DATA.IS_REFERENCED", References.IsReferenced, "Tells whether an item references another.");
        Post(g, "/items/insert-reference", "WIX_DATA.INSERT_REFERENCE", References.InsertOne, "Adds a reference.");
        Post(g, "/items/remove-reference", "WIX_DATA.REMOVE_REFERENCE", References.RemoveOne, "Removes a reference.");
        Post(g, "/bulk/items/insert-references", "WIX_DATA.BULK_INSERT_REFERENCES", References.BulkInsert, "Adds references.");
        Post(g, "/bulk/items/remove-references", "WIX_DATA.BULK_REMOVE_REFERENCES", References.BulkRemove, "Removes references.");
        Post(g, "/items/replace-references", "WIX_DATA.REPLACE_REFERENCES", References.Replace, "Replaces the references of an item's field.");
    }

    private static void Post(RouteGroupBuilder g, string path, string permission, Func<JsonObject, DataGateway, CancellationToken, Task<JsonObject>> handler, string summary) =>
        g.MapPost(path, (HttpRequest r, DataGateway gw, CancellationToken ct) => Run(async () => await handler(await GatewayRequest.ReadBodyAsync(r, ct), gw, ct)))
            .RequireAuthorization(permission).WithSummary(summary);

    internal static async Task<IResult> Run(Func<Task<JsonObject>> action)
    {
        try
        {
            return TypedResults.Ok(await action());
        }
        catch (GatewayException e)
        {
            return e.ToResult();
        }
    }

    /// <summary>Path values win over the same values sent in the body or query.</summary>
    private static JsonObject Merge(JsonObject body, string path, string value)
    {
        var parts = path.Split('.');
        var target = body;
        foreach (var part in parts[..^1])
        {
            if (target[part] is not JsonObject next)
            {
                next = new JsonObject();
                target[part] = next;
            }
            target = next;
        }
        target[parts[^1]] = GatewayRequest.PathValue(value);
        return body;
    }

    // ---- single items ----

    internal static Task<JsonObject> Insert(JsonObject body, DataGateway gw, CancellationToken ct) =>
        WriteOneAsync(body, gw, AdaptorOperations.Insert, "INSERT", requireId: false, ct);

    internal static Task<JsonObject> Update(JsonObject body, DataGateway gw, CancellationToken ct) =>
        WriteOneAsync(body, gw, AdaptorOperations.Update, "UPDATE", requireId: true, ct);

    private static async Task<JsonObject> WriteOneAsync(JsonObject body, DataGateway gw, string operation, string capability, bool requireId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var (id, data) = Items.Prepare(body["dataItem"], "dataItem", requireId);
        await RequireAsync(gw, target, capability, capability, ct);
        var answer = await gw.CallAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId, ["items"] = new JsonArray(data) }, ct, id);
        return new JsonObject { ["dataItem"] = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId) };
    }

    internal static async Task<JsonObject> Save(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var (id, data) = Items.Prepare(body["dataItem"], "dataItem", requireId: false);
        await RequireAsync(gw, target, "INSERT", "SAVE", ct);
        await RequireAsync(gw, target, "UPDATE", "SAVE", ct);
        var exists = (await Items.ExistingIdsAsync(gw, target, [id], ct)).Contains(id);
        var operation = exists ? AdaptorOperations.Update : AdaptorOperations.Insert;
        var answer = await gw.CallAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId, ["items"] = new JsonArray(data) }, ct, id);
        return new JsonObject
        {
            ["action"] = exists ? "UPDATED" : "INSERTED",
            ["dataItem"] = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId),
        };
    }

    internal static async Task<JsonObject> Get(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var id = GatewayRequest.RequiredString(body, "dataItemId");
        await RequireAsync(gw, target, "QUERY", "GET", ct);
        var query = new JsonObject
        {
            ["filter"] = new JsonObject { ["_id"] = new JsonObject { ["$eq"] = id } },
            ["paging"] = new JsonObject { ["limit"] = 1, ["offset"] = 0 },
        };
        if (body["fields"] is JsonArray fields && fields.Count > 0)
        {
            query["fields"] = fields.DeepClone();
        }
        var answer = await gw.CallAsync(target, AdaptorOperations.Query, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["query"] = query,
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = false,
        }, ct, id);
        var item = (answer["items"] as JsonArray)?.FirstOrDefault() ?? throw GatewayException.ItemNotFound(target.FullId, id);
        return new JsonObject { ["dataItem"] = Items.ToDataItem(item, target.FullId) };
    }

    internal static async Task<JsonObject> Remove(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var id = GatewayRequest.RequiredString(body, "dataItemId");
        await RequireAsync(gw, target, "REMOVE", "REMOVE", ct);
        var answer = await gw.CallAsync(target, AdaptorOperations.Remove, new JsonObject { ["collectionId"] = target.CollectionId, ["itemIds"] = new JsonArray(id) }, ct, id);
        return new JsonObject { ["dataItem"] = Items.ToDataItem(Items.Result(answer, 0, target, id), target.FullId) };
    }

    private static async Task<JsonObject> Truncate(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        await RequireAsync(gw, target, "TRUNCATE", "TRUNCATE", ct);
        await gw.CallAsync(target, AdaptorOperations.Truncate, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        return new JsonObject();
    }

    // ---- reads ----

    internal static async Task<JsonObject> Query(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        if (body["query"] is { } q && q is not JsonObject)
        {
            throw GatewayException.Invalid("query", "must be an object", "FORMAT");
        }
        var query = body["query"] as JsonObject ?? new JsonObject();
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(query, query, fullId, "query", "query.").ClampTo(schema);
        var effective = page.Request;
        CapabilityChecks.RequireOperation(schema, target, "QUERY", "FIND");
        CapabilityChecks.CheckFilter(schema, effective["filter"], target, "query.filter");
        CapabilityChecks.CheckSort(schema, effective["sort"], target, "query.sort");
        var fields = body["query"]?["fields"] ?? effective["fields"];
        var wantTotal = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount");

        var v3Query = new JsonObject
        {
            ["filter"] = effective["filter"]?.DeepClone() ?? new JsonObject(),
            ["sort"] = effective["sort"]?.DeepClone() ?? new JsonArray(),
            ["paging"] = new JsonObject { ["limit"] = page.FetchLimit, ["offset"] = page.Offset },
        };
        if (fields is JsonArray f && f.Count > 0)
        {
            v3Query["fields"] = f.DeepClone();
        }
        var answer = await gw.CallAsync(target, AdaptorOperations.Query, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["query"] = v3Query,
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = wantTotal,
        }, ct);
        var total = wantTotal ? Items.Total(answer) : null;
        var (rows, metadata) = page.Finish(answer["items"] as JsonArray, total, fullId, "query");
        return new JsonObject
        {
            ["dataItems"] = new JsonArray([.. rows.Select(r => (JsonNode?)Items.ToDataItem(r, fullId))]),
            ["pagingMetadata"] = metadata,
        };
    }

    internal static async Task<JsonObject> Count(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        CapabilityChecks.RequireOperation(schema, target, "COUNT", "COUNT");
        CapabilityChecks.CheckFilter(schema, body["filter"], target, "filter");
        var answer = await gw.CallAsync(target, AdaptorOperations.Count, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["filter"] = body["filter"]?.DeepClone() ?? new JsonObject(),
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
        }, ct);
        return new JsonObject { ["totalCount"] = (long)(Items.Number(answer["totalCount"]) ?? 0) };
    }

    private static async Task<JsonObject> Aggregate(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(body, Strip(body), fullId, "aggregate", "").ClampTo(schema);
        var effective = page.Request;
        CapabilityChecks.RequireOperation(schema, target, "AGGREGATE", "AGGREGATE");
        CapabilityChecks.CheckFilter(schema, effective["initialFilter"], target, "initialFilter");

        var aggregation = effective["aggregation"] as JsonObject ?? throw GatewayException.Invalid("aggregation", "is required", "REQUIRED");
        var grouping = (aggregation["groupingFields"] as JsonArray)?.Select(Items.Text).OfType<string>().Where(g => g.Length > 0).ToList() ?? [];
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
            ["paging"] = new JsonObject { ["limit"] = page.FetchLimit, ["offset"] = page.Offset },
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount"),
        };
        var answer = await gw.CallAsync(target, AdaptorOperations.Aggregate, request, ct);
        var total = request["returnTotalCount"]!.GetValue<bool>() ? Items.Total(answer) : null;
        var (rows, metadata) = page.Finish(answer["items"] as JsonArray ?? answer["results"] as JsonArray, total, fullId, "aggregate");
        var results = new JsonArray();
        foreach (var row in rows.OfType<JsonObject>())
        {
            var result = row.DeepClone().AsObject();
            if (grouping.Count > 0)
            {
                var key = new JsonObject();
                foreach (var g in grouping)
                {
                    key[g] = row[g]?.DeepClone();
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

    private static async Task<JsonObject> Distinct(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(body, Strip(body), fullId, "distinct", "").ClampTo(schema);
        var effective = page.Request;
        var fieldName = GatewayRequest.RequiredString(effective, "fieldName");
        CapabilityChecks.RequireOperation(schema, target, "QUERY", "DISTINCT");
        CapabilityChecks.CheckFilter(schema, effective["filter"], target, "filter");
        var wantTotal = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount");
        var answer = await gw.CallAsync(target, AdaptorOperations.QueryDistinctValues, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["filter"] = effective["filter"]?.DeepClone() ?? new JsonObject(),
            ["fieldName"] = fieldName,
            ["order"] = GatewayRequest.OptionalString(effective, "order") ?? "ASC",
            ["paging"] = new JsonObject { ["limit"] = page.FetchLimit, ["offset"] = page.Offset },
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = wantTotal,
        }, ct);
        var (values, metadata) = page.Finish(answer["distinctValues"] as JsonArray, wantTotal ? Items.Total(answer) : null, fullId, "distinct");
        return new JsonObject { ["distinctValues"] = new JsonArray([.. values]), ["pagingMetadata"] = metadata };
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

    internal enum BulkKind { Insert, Update, Save }

    internal static async Task<JsonObject> BulkWrite(JsonObject body, DataGateway gw, BulkKind kind, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var entries = GatewayRequest.RequiredArray(body, "dataItems", GatewayRequest.MaxBulkItems);
        var prepared = entries.Select((e, i) => Items.Prepare(e, $"dataItems[{i}]", requireId: kind == BulkKind.Update)).ToList();
        if (kind != BulkKind.Update)
        {
            await RequireAsync(gw, target, "INSERT", kind == BulkKind.Save ? "BULK_SAVE" : "BULK_INSERT", ct);
        }
        if (kind != BulkKind.Insert)
        {
            await RequireAsync(gw, target, "UPDATE", kind == BulkKind.Save ? "BULK_SAVE" : "BULK_UPDATE", ct);
        }
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");

        // Which entries go to insert and which to update; a save decides by existence.
        var existing = kind == BulkKind.Save ? await Items.ExistingIdsAsync(gw, target, prepared.Select(p => p.Id), ct) : [];
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
        }
        return Items.BulkAnswer(results);
    }

    internal static async Task<JsonObject> BulkRemove(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var ids = GatewayRequest.RequiredArray(body, "dataItemIds", GatewayRequest.MaxBulkItems)
            .Select((n, i) => n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 128 ? s
                : throw GatewayException.Invalid($"dataItemIds[{i}]", "must be an item id (1 to 128 characters)", "FORMAT"))
            .ToList();
        await RequireAsync(gw, target, "REMOVE", "BULK_REMOVE", ct);
        var answer = await gw.CallInBatchesAsync(target, AdaptorOperations.Remove, new JsonObject { ["collectionId"] = target.CollectionId }, "itemIds",
            [.. ids.Select(i => (JsonNode?)i)], ct);
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");
        return Items.BulkAnswer([.. ids.Select((id, i) => Items.BulkResult(answer, i, "DELETE", i, id, returnEntity, target))]);
    }

    internal static async Task RequireAsync(DataGateway gw, ResolvedCollection target, string operation, string wixOperation, CancellationToken ct) =>
        CapabilityChecks.RequireOperation(await gw.GetSchemaAsync(target, ct), target, operation, wixOperation);
}
