using ExternalDb.Server.Hosting;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// What each <c>/wix-data/v2</c> operation declares for <c>/openapi/v1.json</c>: its request body record (bodies are
/// still read by hand, so a wrong one gets the 400 that names the field), its 200 answer record and its error answers.
/// </summary>
internal static class WixDataOpenApi
{
    /// <summary>Declares a JSON request body of <typeparamref name="TRequest"/> and the answers of <see cref="Answers{TAnswer}"/>.</summary>
    public static RouteHandlerBuilder Declares<TRequest, TAnswer>(this RouteHandlerBuilder builder) =>
        builder.DocumentsJsonBody<TRequest>().Answers<TAnswer>();

    /// <summary>
    /// Declares a 200 answer of <typeparamref name="TAnswer"/>. The error answers (401/403 for the permission, and
    /// 400/404/409/428/502/503/504 with their Wix codes and examples) are added to every data operation by
    /// <see cref="OpenApiDocumentation"/> and <see cref="WixDataDocumentation"/>.
    /// </summary>
    public static RouteHandlerBuilder Answers<TAnswer>(this RouteHandlerBuilder builder) =>
        builder.Produces<TAnswer>(StatusCodes.Status200OK, "application/json");
}
