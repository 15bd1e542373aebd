using ExternalDb.Server.Auth;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ExternalDb.Server.StatusChecks;

/// <summary>A page of a connection's status history.</summary>
internal sealed record StatusHistoryPage(IReadOnlyList<StatusCheck> Checks, PagingMetadata PagingMetadata);

/// <summary><c>GET {connections}/{name}/status-history</c>: the connection's checks, newest first (an ExternalDb addition).</summary>
internal static class StatusHistoryEndpoints
{
    public static IEndpointRouteBuilder MapStatusHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet(ConnectionEndpoints.WixBase + "/{name}/status-history", List).RequireAuthorization(Permissions.GetConnection)
            .WithTags("External database connections")
            .WithName("ListExternalDatabaseConnectionStatusHistory")
            .WithSummary("Lists the checks of a connection's adaptor, newest first, with offset paging.");
        app.MapGet(ConnectionEndpoints.AliasBase + "/{name}/status-history", List).RequireAuthorization(Permissions.GetConnection)
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<Ok<StatusHistoryPage>, ProblemHttpResult>> List(
        string name,
        StatusHistoryStore history,
        CancellationToken ct,
        [FromQuery(Name = "paging.limit")] string? limit = null,
        [FromQuery(Name = "paging.offset")] string? offset = null)
    {
        var (pageSize, skip, violations) = ConnectionEndpoints.ReadPaging(limit, offset);
        if (violations.Count > 0)
        {
            return ApiError.Validation(violations);
        }
        if (await history.ListAsync(name, skip, pageSize, ct) is not var (page, total))
        {
            return ApiError.NotFound($"No connection named '{name}' exists.");
        }
        return TypedResults.Ok(new StatusHistoryPage(page, PagingMetadata.OfPage(page.Count, skip, total)));
    }
}
