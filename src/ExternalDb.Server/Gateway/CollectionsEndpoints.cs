using ExternalDb.Server.Gateway.Contracts;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Collections v2 over every connection: list (all collections of all connections), get, create, update
/// (revision checked), patch, delete, and one field at a time: the routes of <see cref="DataCollectionsService"/>, with
/// what each declares.
/// </summary>
internal static class CollectionsEndpoints
{
    private const string PatchFieldPermission = "WIX_DATA.UPDATE_COLLECTION_FIELD";

    public static IEndpointRouteBuilder MapDataCollections(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup("/wix-data/v2/collections").WithTags("Data collections").AddEndpointFilter<GatewayErrors>());
        Map(app.MapGroup("/data/v2/collections").ExcludeFromDescription().AddEndpointFilter<GatewayErrors>());
        return app;
    }

    private static void Map(RouteGroupBuilder g)
    {
        g.MapGet("", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.Answer(collections.ListAsync(GatewayRequest.ReadQuery(r), ct)))
            .RequireAuthorization("WIX_DATA.LIST_COLLECTIONS").WithSummary("Lists the collections of every connection.")
            .Answers<ListDataCollectionsAnswer>();
        g.MapGet("{**dataCollectionId}", (string dataCollectionId, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.Answer(collections.GetAsync(GatewayRequest.PathValue(dataCollectionId), ct)))
            .RequireAuthorization("WIX_DATA.GET_COLLECTION").WithSummary("Retrieves a collection (connectionName/collectionId).")
            .Answers<DataCollectionAnswer>();
        g.MapPost("", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.AnswerBody(r, collections.CreateAsync, ct))
            .RequireAuthorization("WIX_DATA.CREATE_COLLECTION").WithSummary("Creates a collection in a connection's database.")
            .Declares<DataCollectionRequest, DataCollectionAnswer>();
        g.MapPut("", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.AnswerBody(r, collections.UpdateAsync, ct))
            .RequireAuthorization("WIX_DATA.UPDATE_COLLECTION").WithSummary("Replaces a collection's structure; the revision must be current.")
            .Declares<DataCollectionRequest, DataCollectionAnswer>();
        g.MapPost("create-field", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.AnswerBody(r, collections.CreateFieldAsync, ct))
            .RequireAuthorization("WIX_DATA.CREATE_COLLECTION_FIELD").WithSummary("Adds a field to a collection.")
            .Declares<DataCollectionFieldRequest, DataCollectionChangeAnswer>();
        g.MapPost("update-field", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.AnswerBody(r, collections.UpdateFieldAsync, ct))
            .RequireAuthorization("WIX_DATA.UPDATE_COLLECTION_FIELD").WithSummary("Replaces a field of a collection (a type change is the adaptor's to allow).")
            .Declares<DataCollectionFieldRequest, DataCollectionChangeAnswer>();
        g.MapPost("delete-field", (HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.AnswerBody(r, collections.DeleteFieldAsync, ct))
            .RequireAuthorization("WIX_DATA.DELETE_COLLECTION_FIELD").WithSummary("Removes a field (and its values) from a collection.")
            .Declares<DeleteDataCollectionFieldRequest, DataCollectionChangeAnswer>();
        // The id's '/' escaped (shop%2Forders/patch-field) matches the first form, sent raw (as Wix's SDK does) the second.
        g.MapPatch("{dataCollectionId}/patch-field", async (string dataCollectionId, HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            await GatewayRoutes.Answer(collections.PatchFieldAsync(GatewayRequest.PathValue(dataCollectionId), await GatewayRequest.ReadBodyAsync(r, ct), ct)))
            .RequireAuthorization(PatchFieldPermission).WithSummary("Changes what is sent of a field: its display name, type or type details.")
            .Declares<PatchDataCollectionFieldRequest, DataCollectionChangeAnswer>();
        g.MapPatch("{connectionName}/{collectionId}/patch-field", async (string connectionName, string collectionId, HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            await GatewayRoutes.Answer(collections.PatchFieldAsync(connectionName + "/" + GatewayRequest.PathValue(collectionId), await GatewayRequest.ReadBodyAsync(r, ct), ct)))
            .RequireAuthorization(PatchFieldPermission).ExcludeFromDescription();
        g.MapPatch("{**dataCollectionId}", async (string dataCollectionId, HttpRequest r, DataCollectionsService collections, CancellationToken ct) =>
            await GatewayRoutes.Answer(collections.PatchAsync(GatewayRequest.PathValue(dataCollectionId), await GatewayRequest.ReadBodyAsync(r, ct), ct)))
            .RequireAuthorization("WIX_DATA.UPDATE_COLLECTION").WithSummary("Changes a collection's display name, permissions or fields' display names.")
            .Declares<PatchDataCollectionRequest, DataCollectionChangeAnswer>();
        g.MapDelete("{**dataCollectionId}", (string dataCollectionId, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.Answer(collections.DeleteAsync(GatewayRequest.PathValue(dataCollectionId), ct)))
            .RequireAuthorization("WIX_DATA.DELETE_COLLECTION").WithSummary("Deletes a collection.")
            .Answers<EmptyAnswer>();
    }
}
