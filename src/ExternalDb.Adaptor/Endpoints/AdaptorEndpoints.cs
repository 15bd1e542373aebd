using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>Request pipeline shared by every endpoint: bounded body, auth, operation, error mapping.</summary>
internal static class AdaptorEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder group)
    {
        foreach (var (path, operation) in V3Api.Operations)
        {
            group.MapPost(path, (HttpContext context) => HandleV3Async(context, operation)).ExcludeFromDescription();
        }
        foreach (var (path, operation) in LegacyApi.Operations)
        {
            group.MapPost(path, (HttpContext context) => HandleLegacyAsync(context, operation)).ExcludeFromDescription();
        }
    }

    private static async Task HandleV3Async(HttpContext context, V3Api.Operation operation)
    {
        var runtime = context.RequestServices.GetRequiredService<AdaptorRuntime>();
        var ct = context.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(context, runtime.Options.MaxRequestBodyBytes).ConfigureAwait(false);
            var (request, _) = await context.RequestServices.GetRequiredService<V3RequestVerifier>().VerifyAsync(body, ct).ConfigureAwait(false);
            var requestObject = request switch
            {
                null => [],
                JsonObject o => o,
                _ => throw AdaptorException.Validation("request", "data.request must be an object"),
            };
            var result = await operation(runtime, requestObject, ct).ConfigureAwait(false);
            await WriteAsync(context, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(context, e) is { } error)
        {
            await WriteAsync(context, error.Status, error.ToV3Body()).ConfigureAwait(false);
        }
    }

    private static async Task HandleLegacyAsync(HttpContext context, LegacyApi.Operation operation)
    {
        var runtime = context.RequestServices.GetRequiredService<AdaptorRuntime>();
        var ct = context.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(context, runtime.Options.MaxRequestBodyBytes).ConfigureAwait(false);
            JsonNode? node;
            try
            {
                node = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                throw AdaptorException.Validation("body", "The body is not JSON");
            }
            var request = node as JsonObject ?? throw AdaptorException.Unauthorized("missing requestContext");
            context.RequestServices.GetRequiredService<LegacySecretChecker>().Check(request);
            var result = await operation(runtime, request, ct).ConfigureAwait(false);
            await WriteAsync(context, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(context, e) is { } error)
        {
            await WriteAsync(context, error.Status, new JsonObject { ["message"] = error.Message }).ConfigureAwait(false);
        }
    }

    /// <summary>Maps any failure to a protocol error; never lets a database message through for unknown errors.</summary>
    private static AdaptorException? Classify(HttpContext context, Exception e)
    {
        if (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
        var runtime = context.RequestServices.GetRequiredService<AdaptorRuntime>();
        switch (e)
        {
            case AdaptorException a:
                return a;
            case BadHttpRequestException { StatusCode: 413 }:
                return TooLarge(runtime.Options.MaxRequestBodyBytes);
            case BadHttpRequestException b:
                return new AdaptorException("VALIDATION_ERROR", 400, b.Message);
            case RegexMatchTimeoutException:
                return AdaptorException.Validation("filter", "The pattern took too long to match");
            case DbException db when runtime.Dialect.IsUniqueViolation(db):
                return new AdaptorException("ITEM_ALREADY_EXISTS", 409, "An item with the same key already exists");
            case Npgsql.PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal):
                return AdaptorException.Validation("request", "A value does not fit the column: " + pg.MessageText);
            case Microsoft.Data.Sqlite.SqliteException sq when sq.InnerException is RegexMatchTimeoutException || sq.Message.Contains("regexp", StringComparison.OrdinalIgnoreCase):
                return AdaptorException.Validation("filter", "The pattern could not be matched");
        }
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ExternalDb.Adaptor")
            .LogError(e, "Adaptor request {Path} failed", context.Request.Path.Value);
        return new AdaptorException("UNKNOWN_ERROR", 500, "The adaptor failed to process the request", new JsonObject { ["description"] = "internal error" });
    }

    private static AdaptorException TooLarge(long max) =>
        new("PAYLOAD_TOO_LARGE", 413, $"The request body exceeds {max} bytes", new JsonObject { ["maxBytes"] = max });

    private static async Task<string> ReadBodyAsync(HttpContext context, long max)
    {
        if (context.Request.ContentLength > max)
        {
            throw TooLarge(max);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw TooLarge(max);
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(Json), context.RequestAborted).ConfigureAwait(false);
    }
}
