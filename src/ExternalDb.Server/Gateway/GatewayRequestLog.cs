using System.Diagnostics;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// One Information line per data call (<c>/wix-data/v2/...</c>, <c>/data/v2/...</c>, and the site-host prefix served as
/// them): method, path, status and time. No query string and no body — a <c>.r</c> parameter carries the caller's data.
/// Its category (<c>ExternalDb.Server.Gateway.GatewayRequestLog</c>) can be raised to Warning to silence it.
/// </summary>
internal static partial class GatewayRequestLog
{
    private static readonly PathString[] GatewayPrefixes = ["/wix-data/v2", "/data/v2"];

    /// <summary>Goes after the transport (which maps the site-host prefix), before routing.</summary>
    public static IApplicationBuilder UseGatewayRequestLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayRequestLog).FullName!);
        return app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information) || !IsGatewayPath(context.Request.Path))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                Answered(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode,
                    (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }

    private static bool IsGatewayPath(PathString path)
    {
        foreach (var prefix in GatewayPrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data call {Method} {Path} answered {StatusCode} in {ElapsedMs} ms")]
    private static partial void Answered(ILogger logger, string method, PathString path, int statusCode, long elapsedMs);
}
