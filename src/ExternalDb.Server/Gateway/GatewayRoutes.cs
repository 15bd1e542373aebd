using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// How a gateway route hands a call to its service: the body is read as today (lenient, with 400s that name the
/// field) and the answer is a 200; a <see cref="GatewayException"/> thrown on the way is answered by <see cref="GatewayErrors"/>.
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>The service's answer as a 200.</summary>
    public static async Task<Ok<JsonObject>> Answer(Task<JsonObject> answer) => TypedResults.Ok(await answer);

    /// <summary>Reads the JSON body and answers with what <paramref name="service"/> makes of it.</summary>
    public static async Task<Ok<JsonObject>> AnswerBody(HttpRequest request, Func<JsonObject, CancellationToken, Task<JsonObject>> service, CancellationToken ct) =>
        TypedResults.Ok(await service(await GatewayRequest.ReadBodyAsync(request, ct), ct));
}
