namespace ExternalDb.Client;

/// <summary>The event types a webhook can subscribe to (the <c>type</c> of each delivery's body).</summary>
public static class WebhookEventTypes
{
    /// <summary>A connection was created.</summary>
    public const string ConnectionCreated = "wix.data.v1.external_database_connection_created";

    /// <summary>A connection's endpoint or configuration was replaced.</summary>
    public const string ConnectionUpdated = "wix.data.v1.external_database_connection_updated";

    /// <summary>A connection was deleted.</summary>
    public const string ConnectionDeleted = "wix.data.v1.external_database_connection_deleted";

    /// <summary>A check of a connection's adaptor came out otherwise than the one before (ExternalDb's own event).</summary>
    public const string ConnectionStatusChanged = "wix.data.v1.external_database_connection_status_changed";

    /// <summary>An item was inserted through the data gateway.</summary>
    public const string DataItemCreated = "wix.data.v2.data_item_created";

    /// <summary>An item was updated through the data gateway.</summary>
    public const string DataItemUpdated = "wix.data.v2.data_item_updated";

    /// <summary>An item was removed through the data gateway.</summary>
    public const string DataItemDeleted = "wix.data.v2.data_item_deleted";
}

/// <summary>A webhook subscription as the server shows it.</summary>
public sealed record Webhook
{
    /// <summary>The subscription's id.</summary>
    public required string Id { get; init; }

    /// <summary>Where deliveries are POSTed.</summary>
    public required string Url { get; init; }

    /// <summary>The event types delivered (all of them when the subscription was made without a list).</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = [];

    /// <summary>Only events of this connection, or null for every connection.</summary>
    public string? ConnectionName { get; init; }

    /// <summary>
    /// The signing secret (<c>whsec_…</c>, Standard Webhooks): present only in the answer to
    /// <see cref="WebhooksClient.CreateWebhookAsync"/>, never again.
    /// </summary>
    public string? Secret { get; init; }

    /// <summary>When the subscription was made.</summary>
    public DateTimeOffset CreatedDate { get; init; }
}

/// <summary>Where a delivery stands.</summary>
public enum WebhookDeliveryState
{
    /// <summary>Not delivered yet: the next attempt is at <see cref="WebhookDelivery.NextAttemptDate"/>.</summary>
    Pending,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Given up after the configured number of attempts.</summary>
    Dead,
}

/// <summary>One attempt to deliver an event.</summary>
public sealed record WebhookAttempt
{
    /// <summary>When the attempt was made.</summary>
    public DateTimeOffset AttemptedDate { get; init; }

    /// <summary>The receiver's HTTP status, or null when it gave none (refused, timed out).</summary>
    public int? StatusCode { get; init; }

    /// <summary>What went wrong, when something did.</summary>
    public string? Error { get; init; }

    /// <summary>How long the attempt took, in milliseconds.</summary>
    public long DurationMs { get; init; }
}

/// <summary>One event on its way to one webhook, with its attempts.</summary>
public sealed record WebhookDelivery
{
    /// <summary>The delivery's id: the <c>webhook-id</c> header, the same on every attempt.</summary>
    public required string Id { get; init; }

    /// <summary>The event's id (the <c>id</c> of the delivered body).</summary>
    public string? EventId { get; init; }

    /// <summary>The event's type.</summary>
    public string? EventType { get; init; }

    /// <summary>Where the delivery stands.</summary>
    public WebhookDeliveryState State { get; init; }

    /// <summary>The attempts so far.</summary>
    public IReadOnlyList<WebhookAttempt> Attempts { get; init; } = [];

    /// <summary>When the next attempt is due, while <see cref="State"/> is <see cref="WebhookDeliveryState.Pending"/>.</summary>
    public DateTimeOffset? NextAttemptDate { get; init; }

    /// <summary>When the event was written.</summary>
    public DateTimeOffset CreatedDate { get; init; }
}

/// <summary>One page of a webhook's deliveries, newest first.</summary>
public sealed record WebhookDeliveries
{
    /// <summary>The deliveries of this page.</summary>
    public IReadOnlyList<WebhookDelivery> Deliveries { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public PagingMetadata PagingMetadata { get; init; } = new();
}
