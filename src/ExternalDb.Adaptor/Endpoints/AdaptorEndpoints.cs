using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Requests;
using ExternalDb.Adaptor.Sql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ExternalDb.Protocol;

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
            var token = Encoding.UTF8.GetString(body.Span);
            var request = await context.RequestServices.GetRequiredService<V3RequestVerifier>().VerifyAsync(token, ct).ConfigureAwait(false) switch
            {
                null => [],
                JsonObject o => o,
                var other => throw AdaptorException.Validation("request", "data.request must be an object", other),
            };
            var result = await RunAsync(runtime, () => operation(runtime, request, ct), ct).ConfigureAwait(false);
            await WriteAsync(context, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(context, e) is { } error)
        {
            await WriteAsync(context, error.Status, error.ToV3Body()).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The secret is checked before the body is interpreted: only <c>requestContext.settings.secretKey</c> is read from the
    /// parsed document, then the whole body is checked (<see cref="RequestJson"/>) and handed to the operation.
    /// </summary>
    private static async Task HandleLegacyAsync(HttpContext context, LegacyApi.Operation operation)
    {
        var runtime = context.RequestServices.GetRequiredService<AdaptorRuntime>();
        var ct = context.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(context, runtime.Options.MaxRequestBodyBytes).ConfigureAwait(false);
            if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                throw AdaptorException.Unauthorized("missing requestContext");
            }
            using var document = RequestJson.ParseDocument(body, "body");
            context.RequestServices.GetRequiredService<LegacySecretChecker>().Check(document.RootElement);
            var request = (JsonObject)RequestJson.ToNode(document.RootElement, "")!;
            var result = await RunAsync(runtime, () => operation(runtime, request, ct), ct).ConfigureAwait(false);
            await WriteAsync(context, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(context, e) is { } error)
        {
            await WriteAsync(context, error.Status, new JsonObject { ["message"] = error.Message }).ConfigureAwait(false);
        }
    }

    /// <summary>How often an operation runs at most when a key it found free was taken meanwhile.</summary>
    private const int MaxAttempts = 5;

    /// <summary>
    /// How often an operation runs again when its transaction was a deadlock victim (or similar). Each deadlock lets one
    /// writer through, but unique secondary indexes lock their keys in key order rather than in the order of the ids
    /// the adaptor locks, so with 16 writers on overlapping rows a request can lose several times in a row.
    /// </summary>
    private const int MaxTransientRetries = 20;

    /// <summary>
    /// How often an operation runs again after a schema change raced it: under a burst of changes the fresh description
    /// can be overtaken once more, so a single retry is not enough to tell a real absence from a race.
    /// </summary>
    private const int MaxConflictRetries = 3;

    /// <summary>
    /// Runs an operation, again when its transaction lost to another one or a key it found free was taken by a request
    /// that committed meanwhile (each such run follows another writer's commit; with 16 writers inserting the same ids a
    /// few retries may be needed; every run again is counted in <see cref="AdaptorMetrics"/>), and again (a few times at most) when a table or column it named is gone (or already
    /// there) because its collection description is older than a schema change. Run again, with a fresh description, the
    /// checks see that change and answer as the protocol says (COLLECTION_NOT_FOUND, FIELD_DOESNT_EXIST,
    /// ITEM_ALREADY_EXISTS per item...). A failed run wrote nothing: its transaction rolled back.
    /// </summary>
    internal static async Task<JsonNode> RunAsync(AdaptorRuntime runtime, Func<Task<JsonNode>> operation, CancellationToken ct)
    {
        var (takenKeyRetries, transientRetries, conflictRetries) = (0, 0, 0);
        while (true)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (DbException e) when (transientRetries < MaxTransientRetries && runtime.Dialect.IsTransient(e))
            {
                // Jittered and growing (up to 200 ms): writers that deadlocked together do not start again together.
                transientRetries++;
                runtime.Metrics.Retried("transient");
                var delay = System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, Math.Min(200, 10 << Math.Min(transientRetries, 5)));
                await Task.Delay(TimeSpan.FromMilliseconds(delay), ct).ConfigureAwait(false);
            }
            catch (DbException e) when (runtime.Dialect.IsUniqueViolation(e) && ++takenKeyRetries < MaxAttempts)
            {
                runtime.Metrics.Retried("key_taken");
                runtime.Catalog.Invalidate();
            }
            catch (DbException e) when (conflictRetries < MaxConflictRetries && runtime.Dialect.SchemaConflictOf(e) != SchemaConflict.None)
            {
                conflictRetries++;
                runtime.Metrics.Retried("schema_changed");
                runtime.Catalog.Invalidate();
            }
        }
    }

    /// <summary>
    /// Maps any failure to a protocol error; never lets a database message through for unknown errors. Client errors
    /// are logged as one line at Debug; only failures of the adaptor itself are logged as errors.
    /// </summary>
    private static AdaptorException? Classify(HttpContext context, Exception e)
    {
        if (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
        var runtime = context.RequestServices.GetRequiredService<AdaptorRuntime>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ExternalDb.Adaptor");
        if (ClientError(runtime, e) is { } clientError)
        {
            logger.LogDebug("Adaptor request {Path} refused: {Status} {ErrorCode}", context.Request.Path.Value, clientError.Status, clientError.ErrorCode);
            return clientError;
        }
        logger.LogError(e, "Adaptor request {Path} failed", context.Request.Path.Value);
        return new AdaptorException(AdaptorErrorCodes.UnknownError, 500, "The adaptor failed to process the request", new JsonObject { ["description"] = "internal error" });
    }

    private static AdaptorException? ClientError(AdaptorRuntime runtime, Exception e)
    {
        switch (e)
        {
            case AdaptorException a:
                return a;
            case BadHttpRequestException { StatusCode: 413 }:
                return TooLarge(runtime.Options.MaxRequestBodyBytes);
            case BadHttpRequestException b:
                return new AdaptorException(AdaptorErrorCodes.ValidationError, 400, b.Message);
            case RegexMatchTimeoutException:
                return AdaptorException.Validation("filter", "The pattern took too long to match");
            case DbException db when runtime.Dialect.IsUniqueViolation(db):
                return new AdaptorException(AdaptorErrorCodes.ItemAlreadyExists, 409, "An item with the same key already exists");
            case DbException db when runtime.Dialect.SchemaConflictOf(db) is var conflict and not SchemaConflict.None:
                // A second schema change raced the retry (see RunAsync): the thing the request named is really gone (or there).
                return conflict switch
                {
                    SchemaConflict.MissingCollection => new AdaptorException(AdaptorErrorCodes.CollectionNotFound, 404, "The collection was removed while the request ran"),
                    SchemaConflict.MissingField => new AdaptorException(AdaptorErrorCodes.FieldDoesNotExist, 404, "A field the request names was removed while the request ran"),
                    _ => new AdaptorException(AdaptorErrorCodes.CollectionChangeNotSupported, 409, "The collection was changed by another request at the same time; retry"),
                };
            case DbException db when runtime.Dialect.IsDependencyError(db):
                return new AdaptorException(AdaptorErrorCodes.CollectionChangeNotSupported, 400, "Other database objects (such as views) depend on what the change would drop");
            case DbException db when runtime.Dialect.IsLimitExceeded(db):
                return AdaptorException.Validation("request", "The request goes beyond a limit of the database: " + ((db as Npgsql.PostgresException)?.MessageText ?? db.Message));
            case Npgsql.PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal):
                return AdaptorException.Validation("request", "A value does not fit the column: " + pg.MessageText);
            case MySqlConnector.MySqlException my when Sql.MySqlDialect.IsValueError(my):
                return AdaptorException.Validation("request", "A value does not fit the column: " + my.Message);
            case MySqlConnector.MySqlException my when Sql.MySqlDialect.IsRegexError(my):
                return AdaptorException.Validation("filter", "The pattern could not be matched");
            case Microsoft.Data.Sqlite.SqliteException sq when sq.InnerException is RegexMatchTimeoutException || sq.Message.Contains("regexp", StringComparison.OrdinalIgnoreCase):
                return AdaptorException.Validation("filter", "The pattern could not be matched");
            default:
                return null;
        }
    }

    private static AdaptorException TooLarge(long max) =>
        new(AdaptorErrorCodes.PayloadTooLarge, 413, $"The request body exceeds {max} bytes", new JsonObject { ["maxBytes"] = max });

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, long max)
    {
        if (context.Request.ContentLength > max)
        {
            throw TooLarge(max);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        var ct = context.RequestAborted;
        if (context.Request.ContentLength is { } length)
        {
            // The usual case: read the announced length straight into its array.
            var exact = new byte[length];
            await context.Request.Body.ReadExactlyAsync(exact, ct).ConfigureAwait(false);
            return exact;
        }
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw TooLarge(max);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        // UTF-8 straight from the nodes (no string in between), whole before anything is sent: a failure while writing
        // still leaves the response free for the error.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body.WriteTo(writer, Json);
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
