using ExternalDb.Server.Gateway.Contracts;

namespace ExternalDb.Server.Gateway;

/// <summary>Wix Data Indexes v2 (create, list, drop) at <c>/wix-data/v2/indexes</c>: the routes of <see cref="DataIndexesService"/>.</summary>
internal static class IndexesEndpoints
{
    public static IEndpointRouteBuilder MapIndexes(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup("/wix-data/v2/indexes").WithTags("Data indexes").AddEndpointFilter<GatewayErrors>());
        Map(app.MapGroup("/data/v2/indexes").ExcludeFromDescription().AddEndpointFilter<GatewayErrors>());
        return app;
    }

    private static void Map(RouteGroupBuilder g)
    {
        g.MapPost("", (HttpRequest r, DataIndexesService indexes, CancellationToken ct) => GatewayRoutes.AnswerBody(r, indexes.CreateAsync, ct))
            .RequireAuthorization("WIX_DATA.CREATE_INDEX").WithSummary("Creates an index of a collection (ACTIVE, BUILDING while it is built, or FAILED).")
            .Declares<CreateIndexRequest, IndexAnswer>();
        g.MapGet("", (HttpRequest r, DataIndexesService indexes, CancellationToken ct) => GatewayRoutes.Answer(indexes.ListAsync(GatewayRequest.ReadQuery(r), ct)))
            .RequireAuthorization("WIX_DATA.LIST_INDEXES").WithSummary("Lists a collection's indexes with their status.")
            .Answers<ListIndexesAnswer>();
        g.MapDelete("", (HttpRequest r, DataIndexesService indexes, CancellationToken ct) => GatewayRoutes.Answer(indexes.DropAsync(GatewayRequest.ReadQuery(r), ct)))
            .RequireAuthorization("WIX_DATA.DROP_INDEX").WithSummary("Drops an index of a collection.")
            .Answers<EmptyAnswer>();
    }
}
