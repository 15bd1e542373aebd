using System.Text.Json.Nodes;
using ExternalDb.Server.Gateway.Contracts;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Items v2 over every connection's collections (<c>connectionName/collectionId</c>), at <c>/wix-data/v2</c>
/// and <c>/data/v2</c>: the routes of <see cref="DataItemsService"/>, <see cref="DataPatchService"/> and <see cref="DataReferencesService"/>, with
/// what each declares.
/// </summary>
internal static class ItemsEndpoints
{
    public static IEndpointRouteBuilder MapItems(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup("/wix-data/v2").WithTags("Data items").AddEndpointFilter<GatewayErrors>());
        Map(app.MapGroup("/data/v2").ExcludeFromDescription().AddEndpointFilter<GatewayErrors>());
        return app;
    }

    private static void Map(RouteGroupBuilder g)
    {
        MapUnserved(g);
        PostItems(g, "/items", "WIX_DATA.INSERT", s => s.InsertAsync, "Inserts an item.").Declares<InsertDataItemRequest, DataItemAnswer>();
        PostItems(g, "/items/update", "WIX_DATA.UPDATE", s => s.UpdateAsync, "Replaces an item (the SDK's binding of Update).")
            .Declares<UpdateDataItemRequest, DataItemAnswer>();
        g.MapPut("/items/{**dataItemId}", async (string dataItemId, HttpRequest r, DataItemsService items, CancellationToken ct) =>
            await GatewayRoutes.Answer(items.UpdateAsync(Merge(await GatewayRequest.ReadBodyAsync(r, ct), "dataItem.id", GatewayRequest.PathValue(dataItemId)), ct)))
            .RequireAuthorization("WIX_DATA.UPDATE").WithSummary("Replaces an item.").Declares<UpdateDataItemRequest, DataItemAnswer>();
        PostItems(g, "/items/save", "WIX_DATA.SAVE", s => s.SaveAsync, "Inserts or replaces an item.").Declares<SaveDataItemRequest, SaveDataItemAnswer>();
        g.MapGet("/items/query", (HttpRequest r, DataItemsService items, CancellationToken ct) => GatewayRoutes.Answer(items.QueryAsync(GatewayRequest.ReadQuery(r), ct)))
            .RequireAuthorization("WIX_DATA.QUERY").WithSummary("Queries items (the SDK's GET form with .r).").Answers<QueryDataItemsAnswer>();
        g.MapGet("/items/{**dataItemId}", (string dataItemId, HttpRequest r, DataItemsService items, CancellationToken ct) =>
            GatewayRoutes.Answer(items.GetAsync(Merge(GatewayRequest.ReadQuery(r), "dataItemId", GatewayRequest.PathValue(dataItemId)), ct)))
            .RequireAuthorization("WIX_DATA.GET").WithSummary("Retrieves an item.").Answers<DataItemAnswer>();
        g.MapDelete("/items/{**dataItemId}", (string dataItemId, HttpRequest r, DataItemsService items, CancellationToken ct) =>
            GatewayRoutes.Answer(items.RemoveAsync(Merge(GatewayRequest.ReadQuery(r), "dataItemId", GatewayRequest.PathValue(dataItemId)), ct)))
            .RequireAuthorization("WIX_DATA.REMOVE").WithSummary("Removes an item.").Answers<DataItemAnswer>();
        PostItems(g, "/items/remove", "WIX_DATA.REMOVE", s => s.RemoveAsync, "Removes an item (the SDK's binding of Remove).")
            .Declares<RemoveDataItemRequest, DataItemAnswer>();
        PostItems(g, "/items/truncate", "WIX_DATA.TRUNCATE", s => s.TruncateAsync, "Removes every item of a collection.")
            .Declares<TruncateDataItemsRequest, EmptyAnswer>();
        PostItems(g, "/items/query", "WIX_DATA.QUERY", s => s.QueryAsync, "Queries items.").Declares<QueryDataItemsRequest, QueryDataItemsAnswer>();
        PostItems(g, "/items/count", "WIX_DATA.COUNT", s => s.CountAsync, "Counts items.").Declares<CountDataItemsRequest, CountDataItemsAnswer>();
        PostItems(g, "/items/aggregate", "WIX_DATA.AGGREGATE", s => s.AggregateAsync, "Aggregates items.")
            .Declares<AggregateDataItemsRequest, AggregateDataItemsAnswer>();
        PostItems(g, "/items/query-distinct-values", "WIX_DATA.QUERY_DISTINCT_VALUES", s => s.DistinctAsync, "Lists the distinct values of a field.")
            .Declares<QueryDistinctValuesRequest, QueryDistinctValuesAnswer>();
        PostPatches(g, "/items/patch", "WIX_DATA.PATCH", s => s.PatchAsync, "Changes fields of an item in place (set, remove, increment, append to / remove from an array).")
            .Declares<PatchDataItemRequest, DataItemAnswer>();
        PostPatches(g, "/bulk/items/patch", "WIX_DATA.BULK_PATCH", s => s.BulkPatchAsync, "Changes fields of items in place.")
            .Declares<BulkPatchDataItemsRequest, BulkDataItemsAnswer>();
        PostItems(g, "/bulk/items/insert", "WIX_DATA.BULK_INSERT", s => (b, ct) => s.BulkWriteAsync(b, BulkKind.Insert, ct), "Inserts items.")
            .Declares<BulkDataItemsRequest, BulkDataItemsAnswer>();
        PostItems(g, "/bulk/items/update", "WIX_DATA.BULK_UPDATE", s => (b, ct) => s.BulkWriteAsync(b, BulkKind.Update, ct), "Replaces items.")
            .Declares<BulkDataItemsRequest, BulkDataItemsAnswer>();
        PostItems(g, "/bulk/items/save", "WIX_DATA.BULK_SAVE", s => (b, ct) => s.BulkWriteAsync(b, BulkKind.Save, ct), "Inserts or replaces items.")
            .Declares<BulkDataItemsRequest, BulkDataItemsAnswer>();
        PostItems(g, "/bulk/items/remove", "WIX_DATA.BULK_REMOVE", s => s.BulkRemoveAsync, "Removes items.")
            .Declares<BulkRemoveDataItemsRequest, BulkDataItemsAnswer>();
        PostReferences(g, "/items/query-referenced", "WIX_DATA.QUERY_REFERENCED", s => s.QueryReferencedAsync, "Lists the items an item references.")
            .Declares<QueryReferencedDataItemsRequest, QueryReferencedDataItemsAnswer>();
        PostReferences(g, "/items/is-referenced", "WIX_DATA.IS_REFERENCED", s => s.IsReferencedAsync, "Tells whether an item references another.")
            .Declares<IsReferencedDataItemRequest, IsReferencedDataItemAnswer>();
        PostReferences(g, "/items/insert-reference", "WIX_DATA.INSERT_REFERENCE", s => s.InsertOneAsync, "Adds a reference.")
            .Declares<DataItemReferenceRequest, DataItemReferenceAnswer>();
        PostReferences(g, "/items/remove-reference", "WIX_DATA.REMOVE_REFERENCE", s => s.RemoveOneAsync, "Removes a reference.")
            .Declares<DataItemReferenceRequest, DataItemReferenceAnswer>();
        PostReferences(g, "/bulk/items/insert-references", "WIX_DATA.BULK_INSERT_REFERENCES", s => s.BulkInsertAsync, "Adds references.")
            .Declares<BulkDataItemReferencesRequest, BulkDataItemReferencesAnswer>();
        PostReferences(g, "/bulk/items/remove-references", "WIX_DATA.BULK_REMOVE_REFERENCES", s => s.BulkRemoveAsync, "Removes references.")
            .Declares<BulkDataItemReferencesRequest, BulkDataItemReferencesAnswer>();
        PostReferences(g, "/items/replace-references", "WIX_DATA.REPLACE_REFERENCES", s => s.ReplaceAsync, "Replaces the references of an item's field.")
            .Declares<ReplaceDataItemReferencesRequest, ReplaceDataItemReferencesAnswer>();
    }

    /// <summary>
    /// Wix's asynchronous jobs (patch or remove every item a filter matches, then poll the job) have no call in any
    /// adaptor protocol to build them on without reading and writing every item through the gateway: a clear 501 names
    /// the method and what to use instead, rather than a 404 that reads as a wrong path.
    /// </summary>
    private static void MapUnserved(RouteGroupBuilder g)
    {
        const string instead = "query the items' IDs and use bulk patch or bulk remove";
        Unserved(g.MapPost("/bulk/items/async-patch-by-filter", () => NotServed("AsyncPatchDataItemsByFilter", instead)), "WIX_DATA.BULK_PATCH");
        Unserved(g.MapPost("/bulk/items/async-remove-by-filter", () => NotServed("AsyncRemoveDataItemsByFilter", instead)), "WIX_DATA.BULK_REMOVE");
        Unserved(g.MapGet("/async-jobs/{jobId}/status", () => NotServed("GetAsyncJobStatus", "no asynchronous job is ever started here")), "WIX_DATA.QUERY");
    }

    private static void Unserved(RouteHandlerBuilder route, string permission) => route.RequireAuthorization(permission).ExcludeFromDescription();

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotServed(string method, string instead) =>
        new GatewayException(StatusCodes.Status501NotImplemented, "UNIMPLEMENTED", $"{method} is not served by ExternalDb: {instead}.").ToResult();

    private delegate Task<JsonObject> Operation(JsonObject body, CancellationToken ct);

    private static RouteHandlerBuilder PostItems(RouteGroupBuilder g, string path, string permission, Func<DataItemsService, Operation> operation, string summary) =>
        g.MapPost(path, (HttpRequest r, DataItemsService items, CancellationToken ct) => GatewayRoutes.AnswerBody(r, operation(items).Invoke, ct))
            .RequireAuthorization(permission).WithSummary(summary);

    private static RouteHandlerBuilder PostPatches(RouteGroupBuilder g, string path, string permission, Func<DataPatchService, Operation> operation, string summary) =>
        g.MapPost(path, (HttpRequest r, DataPatchService patches, CancellationToken ct) => GatewayRoutes.AnswerBody(r, operation(patches).Invoke, ct))
            .RequireAuthorization(permission).WithSummary(summary);

    private static RouteHandlerBuilder PostReferences(RouteGroupBuilder g, string path, string permission, Func<DataReferencesService, Operation> operation, string summary) =>
        g.MapPost(path, (HttpRequest r, DataReferencesService references, CancellationToken ct) => GatewayRoutes.AnswerBody(r, operation(references).Invoke, ct))
            .RequireAuthorization(permission).WithSummary(summary);

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
        target[parts[^1]] = value;
        return body;
    }
}
