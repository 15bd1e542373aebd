using System.Security.Claims;
using ExternalDb.Protocol;
using System.Text.Json.Nodes;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ExternalDb.Server.Connections;

/// <summary>The five management methods of external database connections, plus <c>/probe</c>.</summary>
internal static class ConnectionEndpoints
{
    public const string WixBase = "/wix-data/v1/external-database-connections";
    public const string AliasBase = "/v1/external-database-connections";

    public static IEndpointRouteBuilder MapConnections(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup(WixBase).WithTags("External database connections"), "");
        Map(app.MapGroup(AliasBase).ExcludeFromDescription(), "Alias");
        return app;
    }

    private static void Map(RouteGroupBuilder group, string suffix)
    {
        group.MapPost("", Create).RequireAuthorization(Permissions.CreateConnection)
            .DocumentsJsonBody<CreateConnectionRequest>(JsonNode.Parse("""
                {"externalDatabaseConnection": {"name": "shop"}, "connectionType": "WIX_SERVICE_PLUGIN"}
                """))
            .DocumentsErrors(Invalid, (409, "ALREADY_EXISTS", "a connection of that name exists (names are compared regardless of case)."))
            .WithName("CreateExternalDatabaseConnection" + suffix)
            .WithSummary("Creates a connection and checks its adaptor at once.")
            .WithDescription("STANDALONE needs `endpoint` and `configuration`; WIX_SERVICE_PLUGIN may leave both out (set the endpoint with Update once the adaptor has the connection's `publicKey` and `applicationId`). The type is `connectionType`, or `options.connectionType` as the seed sends it; absent, STANDALONE. Adaptor trouble does not fail the call: it is reported in `connectionStatus`.");
        group.MapGet("{name}", Get).RequireAuthorization(Permissions.GetConnection)
            .DocumentsParameter("name", NameDescription, "shop")
            .DocumentsErrors(NotFound)
            .WithName("GetExternalDatabaseConnection" + suffix)
            .WithSummary("Retrieves a connection by name.");
        group.MapGet("", List).RequireAuthorization(Permissions.ListConnections)
            .DocumentsParameter("paging.limit", $"Connections per page, 1 to {PagingLimits.MaxPageSize} (0 or absent: {PagingLimits.DefaultPageSize}).", "50")
            .DocumentsParameter("paging.offset", "How many connections to skip.", "0")
            .DocumentsErrors((400, "INVALID_ARGUMENT", "a paging value is not a whole number in range."))
            .WithName("ListExternalDatabaseConnections" + suffix)
            .WithSummary("Lists connections, oldest first, with offset paging.");
        group.MapPut("{name}", Update).RequireAuthorization(Permissions.UpdateConnection)
            .DocumentsParameter("name", NameDescription, "shop")
            .DocumentsJsonBody<UpdateConnectionRequest>(JsonNode.Parse("""
                {"externalDatabaseConnection": {"name": "shop", "endpoint": "http://127.0.0.1:5080/demo-adaptor"}}
                """))
            .DocumentsErrors(Invalid, NotFound)
            .WithName("UpdateExternalDatabaseConnection" + suffix)
            .WithSummary("Replaces a connection's endpoint and configuration and checks its adaptor again.");
        group.MapDelete("{name}", Delete).RequireAuthorization(Permissions.DeleteConnection)
            .DocumentsParameter("name", NameDescription, "shop")
            .DocumentsErrors(NotFound)
            .WithName("DeleteExternalDatabaseConnection" + suffix)
            .WithSummary("Deletes a connection.");
        group.MapPost("{name}/probe", Probe).RequireAuthorization(Permissions.UpdateConnection)
            .DocumentsParameter("name", NameDescription, "shop")
            .DocumentsErrors(NotFound)
            .WithName("ProbeExternalDatabaseConnection" + suffix)
            .WithSummary("Checks the connection's adaptor again now and returns the updated connection.");
    }

    private const string NameDescription = "The connection's name (compared regardless of case).";
    private static readonly (int, string, string) Invalid = (400, "INVALID_ARGUMENT", "the body is not JSON, or fields are missing or invalid; each is named in fieldViolations.");
    private static readonly (int, string, string) NotFound = (404, "NOT_FOUND", "no connection of that name exists.");

    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, ConnectionService service, CancellationToken ct)
    {
        var (node, bodyProblem) = await JsonBody.ReadAsync(request, ct);
        return bodyProblem is not null ? ApiError.Validation([bodyProblem]) : await CreateAsync(node, user, service, ct);
    }

    /// <summary>Create over a body already read (the HTTP endpoint and the console both come here).</summary>
    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> CreateAsync(
        JsonNode? node, ClaimsPrincipal user, ConnectionService service, CancellationToken ct)
    {
        var (draft, type, violations) = ConnectionRequestReader.ReadCreate(node);
        if (draft is null)
        {
            return ApiError.Validation(violations);
        }
        try
        {
            var created = await service.CreateAsync(draft, type, ct);
            return TypedResults.Ok(new ConnectionEnvelope(created.ShownTo(user)));
        }
        catch (DuplicateConnectionNameException)
        {
            return ApiError.AlreadyExists($"A connection named '{draft.Name}' already exists (names are compared regardless of case and Unicode normal form).");
        }
    }

    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> Get(
        string name, ClaimsPrincipal user, ConnectionStore store, CancellationToken ct)
    {
        var stored = await store.GetAsync(name, ct);
        return stored is null ? NotFoundAnswer(name) : TypedResults.Ok(new ConnectionEnvelope(stored.Connection.ShownTo(user)));
    }

    public static async Task<Results<Ok<ConnectionList>, ProblemHttpResult>> List(
        ClaimsPrincipal user,
        ConnectionStore store,
        CancellationToken ct,
        [FromQuery(Name = "paging.limit")] string? limit = null,
        [FromQuery(Name = "paging.offset")] string? offset = null)
    {
        var (pageSize, skip, violations) = ReadPaging(limit, offset);
        if (violations.Count > 0)
        {
            return ApiError.Validation(violations);
        }
        var (page, total) = await store.ListAsync(skip, pageSize, ct);
        var metadata = PagingMetadata.OfPage(page.Count, skip, total);
        return TypedResults.Ok(new ConnectionList([.. page.Select(c => c.ShownTo(user))], metadata));
    }

    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> Update(
        string name, HttpRequest request, ClaimsPrincipal user, ConnectionStore store, ConnectionService service, CancellationToken ct)
    {
        var (node, bodyProblem) = await JsonBody.ReadAsync(request, ct);
        return bodyProblem is not null ? ApiError.Validation([bodyProblem]) : await UpdateAsync(name, node, user, store, service, ct);
    }

    /// <summary>Update over a body already read (the HTTP endpoint and the console both come here).</summary>
    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> UpdateAsync(
        string name, JsonNode? node, ClaimsPrincipal user, ConnectionStore store, ConnectionService service, CancellationToken ct)
    {
        var existing = await store.GetAsync(name, ct);
        if (existing is null)
        {
            return NotFoundAnswer(name);
        }
        var (draft, violations) = ConnectionRequestReader.ReadUpdate(node, name, existing.Connection.ConnectionType);
        if (draft is null)
        {
            return ApiError.Validation(violations);
        }
        var updated = await service.UpdateAsync(existing, draft, ct);
        return updated is null ? NotFoundAnswer(name) : TypedResults.Ok(new ConnectionEnvelope(updated.ShownTo(user)));
    }

    public static async Task<Results<Ok<Empty>, ProblemHttpResult>> Delete(string name, ConnectionService service, CancellationToken ct) =>
        await service.DeleteAsync(name, ct) ? TypedResults.Ok(Empty.Instance) : NotFoundAnswer(name);

    public static async Task<Results<Ok<ConnectionEnvelope>, ProblemHttpResult>> Probe(
        string name, ClaimsPrincipal user, ConnectionStore store, ConnectionService service, CancellationToken ct)
    {
        var existing = await store.GetAsync(name, ct);
        var probed = existing is null ? null : await service.ProbeAsync(existing, StatusChecks.CheckTrigger.Probe, ct);
        return probed is null ? NotFoundAnswer(name) : TypedResults.Ok(new ConnectionEnvelope(probed.ShownTo(user)));
    }

    /// <summary>Offset paging from the query: <c>paging.limit</c> 0–<see cref="PagingLimits.MaxPageSize"/> (0 or absent: the default), <c>paging.offset</c> ≥ 0.</summary>
    internal static (int Limit, int Offset, List<FieldViolation> Violations) ReadPaging(string? limit, string? offset)
    {
        var violations = new List<FieldViolation>();
        var pageSize = ReadPagingNumber(limit, "paging.limit", PagingLimits.DefaultPageSize, 0, PagingLimits.MaxPageSize, violations);
        var skip = ReadPagingNumber(offset, "paging.offset", 0, 0, int.MaxValue, violations);
        return (pageSize == 0 ? PagingLimits.DefaultPageSize : pageSize, skip, violations);
    }

    private static int ReadPagingNumber(string? raw, string field, int fallback, int min, int max, List<FieldViolation> violations)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }
        if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            violations.Add(new(field, $"must be a whole number from {min} to {max}", "OTHER"));
            return fallback;
        }
        return value;
    }

    private static ProblemHttpResult NotFoundAnswer(string name) => ApiError.NotFound($"No connection named '{name}' exists.");
}
