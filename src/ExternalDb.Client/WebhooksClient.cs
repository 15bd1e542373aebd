using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// Webhook subscriptions (<c>/v1/webhooks</c>, ADMIN keys only): the server POSTs each event to every subscription it
/// matches, signed per Standard Webhooks, at least once.
/// </summary>
public sealed class WebhooksClient
{
    private const string Base = "v1/webhooks";
    private readonly ApiTransport _transport;

    internal WebhooksClient(ApiTransport transport) => _transport = transport;

    /// <summary>
    /// Subscribes <paramref name="url"/> to <paramref name="eventTypes"/> (all when null; see
    /// <see cref="WebhookEventTypes"/>), of one connection or of all (<paramref name="connectionName"/> null). The answer
    /// carries the signing secret, shown only this once.
    /// </summary>
    public async Task<Webhook> CreateWebhookAsync(
        Uri url, IEnumerable<string>? eventTypes = null, string? connectionName = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var body = new JsonObject { ["url"] = url.ToString() };
        if (eventTypes is not null)
        {
            body["eventTypes"] = new JsonArray([.. eventTypes.Select(t => (JsonNode?)t)]);
        }
        if (connectionName is not null)
        {
            body["connectionName"] = connectionName;
        }
        return (await _transport.SendAsync<WebhookEnvelope>(HttpMethod.Post, Base, body, ct).ConfigureAwait(false)).Webhook;
    }

    /// <summary>Lists the subscriptions (without their secrets).</summary>
    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken ct = default) =>
        (await _transport.SendAsync<WebhookList>(HttpMethod.Get, Base, null, ct).ConfigureAwait(false)).Webhooks;

    /// <summary>Deletes a subscription; its pending deliveries are not attempted again.</summary>
    public async Task DeleteWebhookAsync(string id, CancellationToken ct = default) =>
        await _transport.SendAsync<JsonObject>(HttpMethod.Delete, Path(id), null, ct).ConfigureAwait(false);

    /// <summary>
    /// Sends a <c>webhook.ping</c> event to this subscription only, through the same queue as every event; answers the
    /// event's id (the <c>id</c> of the body the receiver gets).
    /// </summary>
    public async Task<string?> PingWebhookAsync(string id, CancellationToken ct = default) =>
        (await _transport.SendAsync<PingAnswer>(HttpMethod.Post, Path(id) + "/ping", new JsonObject(), ct).ConfigureAwait(false)).EventId;

    /// <summary>A page of the subscription's deliveries with their attempts, newest first.</summary>
    public Task<WebhookDeliveries> ListDeliveriesAsync(string id, Paging? paging = null, CancellationToken ct = default) =>
        _transport.SendAsync<WebhookDeliveries>(HttpMethod.Get, Path(id) + "/deliveries" + paging.ToQueryString(), null, ct);

    private static string Path(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Base + "/" + Uri.EscapeDataString(id);
    }

    private sealed record WebhookEnvelope(Webhook Webhook);

    private sealed record WebhookList(IReadOnlyList<Webhook> Webhooks);

    private sealed record PingAnswer(string? EventId);
}
