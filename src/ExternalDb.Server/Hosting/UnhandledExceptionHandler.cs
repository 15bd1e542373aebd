using ExternalDb.Server.Errors;
using Microsoft.AspNetCore.Diagnostics;

namespace ExternalDb.Server.Hosting;

/// <summary>Answers unexpected failures with a 500 in the API's error shape, without internals.</summary>
internal sealed class UnhandledExceptionHandler(ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // Client mistakes and clients that went away: one line at Debug, no stack (anyone could fill the log with them).
        if (exception is BadHttpRequestException bad)
        {
            logger.LogDebug("Unreadable request ({Status}) on {Method} {Path}", bad.StatusCode, context.Request.Method, context.Request.Path);
            await ApiError.Application(bad.StatusCode, bad.StatusCode == 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_ARGUMENT",
                "Bad request", "The request could not be read.").ExecuteAsync(context);
            return true;
        }
        if (exception is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            logger.LogDebug("The client went away during {Method} {Path}", context.Request.Method, context.Request.Path);
            return true;
        }
        // The type and the stack, not the message: messages of library exceptions may quote request content.
        logger.LogError("Unhandled {ExceptionType} on {Method} {Path}{NewLine}{StackTrace}",
            exception.GetType().FullName, context.Request.Method, context.Request.Path, Environment.NewLine, exception.StackTrace);
        await ApiError.Application(500, "INTERNAL", "Internal error", "The server failed to handle the request.").ExecuteAsync(context);
        return true;
    }
}
