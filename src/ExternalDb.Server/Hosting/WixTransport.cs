namespace ExternalDb.Server.Hosting;

/// <summary>
/// What Wix's SDK expects of the transport around every call: an <c>X-Wix-Request-Id</c> on each answer (the SDK puts
/// it in its errors' <c>requestId</c>) and the site hosts' <c>/_api/cloud-data/...</c> prefix (the SDK's
/// <c>host.apiBaseUrl</c> option) served as <c>/wix-data/...</c>.
/// </summary>
internal static class WixTransport
{
    /// <summary>The answer header that carries the request id.</summary>
    public const string RequestIdHeader = "X-Wix-Request-Id";

    /// <summary>The prefix Wix's SDK uses on site hosts, e.g. <c>/_api/cloud-data/v2/items/query</c>.</summary>
    public static readonly PathString SiteHostPrefix = "/_api/cloud-data";

    private static readonly PathString WixPrefix = "/wix-data";

    /// <summary>
    /// The id of this request: the one ASP.NET Core already gives it (<see cref="HttpContext.TraceIdentifier"/>), so that
    /// the <c>RequestId</c> of the request's log scope, the answer's header and an error body's <c>requestId</c> agree.
    /// </summary>
    public static string RequestId(HttpContext context) => context.TraceIdentifier;

    /// <summary>Adds the request id header to every answer and serves the site-host prefix; goes before routing.</summary>
    public static IApplicationBuilder UseWixTransport(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // At the last moment before the headers go: an exception handler clears the headers set before it ran.
        context.Response.OnStarting(static state =>
        {
            var context = (HttpContext)state;
            context.Response.Headers[RequestIdHeader] = RequestId(context);
            return Task.CompletedTask;
        }, context);
        if (context.Request.Path.StartsWithSegments(SiteHostPrefix, StringComparison.OrdinalIgnoreCase, out var rest) && rest.HasValue)
        {
            context.Request.Path = WixPrefix.Add(rest);
        }
        return next(context);
    });

    /// <summary>Puts the request id into every ProblemDetails body the server writes.</summary>
    public static void AddRequestId(ProblemDetailsContext problem) =>
        problem.ProblemDetails.Extensions["requestId"] = RequestId(problem.HttpContext);
}
