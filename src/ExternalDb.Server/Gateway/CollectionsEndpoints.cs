using ExternalDb.Server.Gateway.Contracts;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Collections v2 over every connection: list (all collections of all connections), get, create, update
/// (revision checked) and delete: the routes of <see cref="DataCollectionsService"/>, with what each declares.
/// </summary>
internal static class CollectionsEndpoints
{
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
        g.MapDelete("{**dataCollectionId}", (string dataCollectionId, DataCollectionsService collections, CancellationToken ct) =>
            GatewayRoutes.Answer(collections.DeleteAsync(GatewayRequest.PathValue(dataCollectionId), ct)))
            .RequireAuthorization("WIX_DATA.DELETE_COLLECTION").WithSummary("Deletes a collection.")
            .Answers<EmptyAnswer>();
    }
}
