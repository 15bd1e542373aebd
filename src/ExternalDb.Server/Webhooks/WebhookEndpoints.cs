using System.Net.Sockets;
using System.Text.Json.Nodes;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ExternalDb.Server.Webhooks;

/// <summary>Webhook subscriptions: <c>/v1/webhooks</c>, their pings and deliveries. ADMIN only.</summary>
internal static class WebhookEndpoints
{
    private const int MaxUrlLength = 2048;
    private static readonly (int, string, string) NotFound = (404, "NOT_FOUND", "no webhook has that id.");

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireAuthorization(Permissions.Admin);
        group.MapPost("", Create).DocumentsJsonBody<CreateWebhookRequest>(JsonNode.Parse("""
                {"url": "http://127.0.0.1:5090/externaldb-events", "eventTypes": ["wix.data.v1.external_database_connection_updated", "wix.data.v2.data_item_created"]}
                """))
            .DocumentsErrors((400, "INVALID_ARGUMENT", "the URL is not absolute http(s) or the egress policy refuses it, an event type is unknown, or the connection does not exist; each is named in fieldViolations."))
            .WithSummary("Subscribes a URL to events; the answer carries the signing secret, shown only this once.");
        group.MapGet("", List).WithSummary("Lists webhooks (never their secrets).");
        group.MapDelete("{id}", Delete)
            .DocumentsParameter("id", "The webhook's id.", "wh_3f1c2a9e7b1d0c4e5f6a7b8c")
            .DocumentsErrors(NotFound)
            .WithSummary("Deletes a webhook: its pending deliveries are never attempted again.");
        group.MapPost("{id}/ping", Ping)
            .DocumentsParameter("id", "The webhook's id.", "wh_3f1c2a9e7b1d0c4e5f6a7b8c")
            .DocumentsErrors(NotFound)
            .WithSummary("Sends a webhook.ping event to this webhook only, through the outbox like any event.");
        group.MapGet("{id}/deliveries", Deliveries)
            .DocumentsParameter("id", "The webhook's id.", "wh_3f1c2a9e7b1d0c4e5f6a7b8c")
            .DocumentsParameter("paging.limit", $"Deliveries per page, 1 to {ExternalDb.Protocol.PagingLimits.MaxPageSize} (0 or absent: {ExternalDb.Protocol.PagingLimits.DefaultPageSize}).", "50")
            .DocumentsParameter("paging.offset", "How many deliveries to skip.", "0")
            .DocumentsErrors(NotFound, (400, "INVALID_ARGUMENT", "a paging value is not a whole number in range."))
            .WithSummary("Lists a webhook's deliveries, newest first, each with its attempts and next retry.");
        return app;
    }

    public static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> Create(
        HttpRequest request, WebhookStore webhooks, EgressPolicy egress, CancellationToken ct)
    {
        var (node, problem) = await JsonBody.ReadAsync(request, ct, 64 * 1024);
        if (problem is not null)
        {
            return ApiError.Validation([problem]);
        }
        if (node is not JsonObject body)
        {
            return ApiError.Validation("body", "must be a JSON object", "FORMAT");
        }
        var violations = new List<FieldViolation>();
        var url = await ReadUrlAsync(body["url"], egress, violations, ct);
        var eventTypes = ReadEventTypes(body["eventTypes"], violations);
        string? connectionName = null;
        if (body["connectionName"] is { } c)
        {
            if (c is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
            {
                connectionName = s;
            }
            else
            {
                violations.Add(new("connectionName", "must be a connection's name", "FORMAT"));
            }
        }
        if (violations.Count > 0)
        {
            return ApiError.Validation(violations);
        }
        var created = await webhooks.CreateAsync(url!, eventTypes, connectionName, ct);
        return created is null
            ? ApiError.Validation("connectionName", $"no connection named '{connectionName}' exists", "OTHER")
            : TypedResults.Ok(new WebhookEnvelope(created));
    }

    /// <summary>An absolute http(s) URL whose host the egress policy allows now (it is checked again at every delivery).</summary>
    private static async Task<string?> ReadUrlAsync(JsonNode? node, EgressPolicy egress, List<FieldViolation> violations, CancellationToken ct)
    {
        if (node is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            violations.Add(new("url", node is null ? "is required" : "must be a string", node is null ? "REQUIRED" : "FORMAT"));
            return null;
        }
        if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || string.IsNullOrEmpty(uri.Host) || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            violations.Add(new("url", $"must be an absolute http or https URL of at most {MaxUrlLength} characters, without user info or fragment", "FORMAT"));
            return null;
        }
        try
        {
            await egress.ResolveAsync(uri.Host, ct);
        }
        catch (EgressRefusedException e)
        {
            violations.Add(new("url", e.Message, "OTHER"));
            return null;
        }
        catch (SocketException)
        {
            violations.Add(new("url", "its host name could not be resolved", "OTHER"));
            return null;
        }
        return uri.AbsoluteUri;
    }

    /// <summary>The subscribed types without repeats; null (all) when absent.</summary>
    private static List<string>? ReadEventTypes(JsonNode? node, List<FieldViolation> violations)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array || array.Count == 0)
        {
            violations.Add(new("eventTypes", "must be a non-empty array of event types (leave it out for all)", "FORMAT"));
            return null;
        }
        var types = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var type) && EventTypes.IsSubscribable(type))
            {
                if (!types.Contains(type))
                {
                    types.Add(type);
                }
            }
            else
            {
                violations.Add(new($"eventTypes[{i}]", $"is not an event type; one of {string.Join(", ", EventTypes.Subscribable)}", "OTHER"));
            }
        }
        return types;
    }

    public static async Task<Ok<WebhookList>> List(WebhookStore webhooks, CancellationToken ct) =>
        TypedResults.Ok(new WebhookList(await webhooks.ListAsync(ct)));

    public static async Task<Results<Ok<Empty>, ProblemHttpResult>> Delete(string id, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.DeleteAsync(id, ct) ? TypedResults.Ok(Empty.Instance) : NotFoundAnswer(id);

    public static async Task<Results<Ok<PingAnswer>, ProblemHttpResult>> Ping(string id, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.PingAsync(id, ct) is { } ping ? TypedResults.Ok(new PingAnswer(ping.Id)) : NotFoundAnswer(id);

    public static async Task<Results<Ok<DeliveryPage>, ProblemHttpResult>> Deliveries(
        string id,
        WebhookStore webhooks,
        CancellationToken ct,
        [FromQuery(Name = "paging.limit")] string? limit = null,
        [FromQuery(Name = "paging.offset")] string? offset = null)
    {
        var (pageSize, skip, violations) = ConnectionEndpoints.ReadPaging(limit, offset);
        if (violations.Count > 0)
        {
            return ApiError.Validation(violations);
        }
        if (await webhooks.ListDeliveriesAsync(id, skip, pageSize, ct) is not var (page, total))
        {
            return NotFoundAnswer(id);
        }
        return TypedResults.Ok(new DeliveryPage(page, PagingMetadata.OfPage(page.Count, skip, total)));
    }

    private static ProblemHttpResult NotFoundAnswer(string id) => ApiError.NotFound($"No webhook with id '{id}' exists.");
}
