namespace ExternalDb.Server.Webhooks;

/// <summary>A webhook subscription as the API shows it; <see cref="Secret"/> only in the answer to its creation.</summary>
/// <param name="EventTypes">The event types it receives (every subscribable type when it was created without a list, and so also types added later).</param>
/// <param name="ConnectionName">The one connection whose events it receives; absent: every connection's.</param>
internal sealed record Webhook(string Id, string Url, IReadOnlyList<string> EventTypes, string? ConnectionName, DateTimeOffset CreatedDate)
{
    /// <summary>The signing secret (<c>whsec_</c> + base64), set only when the webhook was just created.</summary>
    public string? Secret { get; init; }
}

internal sealed record CreateWebhookRequest(string Url, IReadOnlyList<string>? EventTypes = null, string? ConnectionName = null);

internal sealed record WebhookEnvelope(Webhook Webhook);

internal sealed record WebhookList(IReadOnlyList<Webhook> Webhooks);

/// <summary>The event a ping enqueued.</summary>
internal sealed record PingAnswer(string EventId);

/// <summary>One attempt of a delivery: the answer's status code, or the class of the failure before an answer.</summary>
internal sealed record DeliveryAttempt(DateTimeOffset AttemptedDate, int? StatusCode, string? Error, long DurationMs);

/// <summary>
/// One event's delivery to one webhook: its id is the <c>webhook-id</c> header of every attempt. <c>PENDING</c> until a
/// 2xx (<c>DELIVERED</c>) or the last attempt (<c>DEAD</c>); <see cref="NextAttemptDate"/> while pending.
/// </summary>
internal sealed record Delivery(
    string Id,
    string EventId,
    string EventType,
    string State,
    IReadOnlyList<DeliveryAttempt> Attempts,
    DateTimeOffset? NextAttemptDate,
    DateTimeOffset CreatedDate);

internal sealed record DeliveryPage(IReadOnlyList<Delivery> Deliveries, Connections.PagingMetadata PagingMetadata);

/// <summary>A webhook's signing secret: a type of its own, so that it cannot be logged or serialized by accident.</summary>
internal sealed class WebhookSecret(string value)
{
    public string Value { get; } = value;

    public override string ToString() => "whsec_********";
}
