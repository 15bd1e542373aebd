using ExternalDb.Server.Hosting;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// What each <c>/wix-data/v2</c> operation declares for <c>/openapi/v1.json</c>: its request body record (bodies are
/// still read by hand, so a wrong one gets the 400 that names the field), its 200 answer record and its error answers.
/// </summary>
internal static class WixDataOpenApi
{
    /// <summary>The statuses a gateway call may answer with an error body (ProblemDetails with Wix's <c>details</c>).</summary>
    private static readonly int[] ErrorStatuses =
    [
        StatusCodes.Status400BadRequest,
        StatusCodes.Status401Unauthorized,
        StatusCodes.Status403Forbidden,
        StatusCodes.Status404NotFound,
        StatusCodes.Status409Conflict,
        StatusCodes.Status428PreconditionRequired,
        StatusCodes.Status502BadGateway,
        StatusCodes.Status503ServiceUnavailable,
        StatusCodes.Status504GatewayTimeout,
    ];

    /// <summary>Declares a JSON request body of <typeparamref name="TRequest"/> and the answers of <see cref="Answers{TAnswer}"/>.</summary>
    public static RouteHandlerBuilder Declares<TRequest, TAnswer>(this RouteHandlerBuilder builder) =>
        builder.DocumentsJsonBody<TRequest>().Answers<TAnswer>();

    /// <summary>Declares a 200 answer of <typeparamref name="TAnswer"/> and the gateway's error answers.</summary>
    public static RouteHandlerBuilder Answers<TAnswer>(this RouteHandlerBuilder builder)
    {
        builder.Produces<TAnswer>(StatusCodes.Status200OK, "application/json");
        foreach (var status in ErrorStatuses)
        {
            builder.ProducesProblem(status);
        }
        return builder;
    }
}
