using System.Data.Common;
using System.Text.Json;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Storage;

/// <summary>
/// The outbox: each event is written in the transaction of the change it tells of, with one <c>PENDING</c> delivery per
/// webhook it matches (its event types and connection), so that a change is never committed without its deliveries.
/// </summary>
internal sealed class EventOutbox(Database database, OutboxSignal signal, TimeProvider time)
{
    /// <summary>
    /// Writes <paramref name="e"/> and its deliveries inside <paramref name="transaction"/> (to <paramref name="onlyWebhookId"/>
    /// alone when given). Call <see cref="Wake"/> once the transaction is committed.
    /// </summary>
    public async Task AppendAsync(DbConnection connection, DbTransaction transaction, OutboxEvent e, CancellationToken ct, string? onlyWebhookId = null) =>
        await AppendAsync(connection, transaction, e, await SubscribersAsync(connection, transaction, onlyWebhookId, ct), onlyWebhookId is not null, ct);

    /// <summary>Writes events in a transaction of their own (item changes the adaptor has confirmed; pings), reading the webhooks once.</summary>
    public async Task AppendAsync(IReadOnlyList<OutboxEvent> events, CancellationToken ct, string? onlyWebhookId = null)
    {
        if (events.Count == 0)
        {
            return;
        }
        await using var connection = await database.OpenAsync(ct);
        if (onlyWebhookId is null)
        {
            // Most writes concern no webhook: one read outside a transaction says so without taking the registry's
            // write lock (SQLite) or a round trip for BEGIN and COMMIT. When some event matches, the webhooks are
            // read again inside the transaction that writes the deliveries.
            var current = await SubscribersAsync(connection, null, null, ct);
            if (!events.Any(e => Matching(current, e).Any()))
            {
                return;
            }
        }
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var subscribers = await SubscribersAsync(connection, transaction, onlyWebhookId, ct);
        foreach (var e in events)
        {
            await AppendAsync(connection, transaction, e, subscribers, onlyWebhookId is not null, ct);
        }
        await transaction.CommitAsync(ct);
        Wake();
    }

    /// <summary>The webhooks an event may go to: <paramref name="onlyWebhookId"/> alone when given, else all of them.</summary>
    private static async Task<List<Subscriber>> SubscribersAsync(DbConnection connection, DbTransaction? transaction, string? onlyWebhookId, CancellationToken ct)
    {
        var subscribers = new List<Subscriber>();
        await using var select = onlyWebhookId is not null
            ? connection.Command(transaction, "SELECT id, event_types, connection_key FROM webhooks WHERE id = @id").With("@id", onlyWebhookId)
            : connection.Command(transaction, "SELECT id, event_types, connection_key FROM webhooks ORDER BY seq");
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            subscribers.Add(new Subscriber(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return subscribers;
    }

    private async Task AppendAsync(DbConnection connection, DbTransaction transaction, OutboxEvent e, List<Subscriber> subscribers, bool addressed, CancellationToken ct)
    {
        var webhooks = (addressed ? subscribers : Matching(subscribers, e)).Select(w => w.Id).ToList();
        if (webhooks.Count == 0 && !addressed)
        {
            // No subscriber: nothing would ever read the event.
            return;
        }

        await using var insert = connection.Command(transaction,
                "INSERT INTO events (id, type, event_time, connection_name, data) VALUES (@id, @type, @time, @connection, @data) RETURNING seq")
            .With("@id", e.Id)
            .With("@type", e.Type)
            .With("@time", e.Time.ToWireString())
            .With("@connection", e.ConnectionName)
            .With("@data", e.Data.ToJsonString());
        var eventSeq = (long)(await insert.ExecuteScalarAsync(ct))!;
        var now = time.UtcNowToMillisecond();
        foreach (var webhook in webhooks)
        {
            await using var delivery = connection.Command(transaction,
                    "INSERT INTO deliveries (id, webhook_id, event_seq, state, attempts, next_attempt_ms, created_date) " +
                    "VALUES (@id, @webhook, @event, @state, 0, @next, @created)")
                .With("@id", "msg_" + Guid.CreateVersion7().ToString("N"))
                .With("@webhook", webhook)
                .With("@event", eventSeq)
                .With("@state", DeliveryState.Pending)
                .With("@next", now.ToUnixTimeMilliseconds())
                .With("@created", now.ToWireString());
            await delivery.ExecuteNonQueryAsync(ct);
        }
    }

    private sealed record Subscriber(string Id, string[]? EventTypes, string? ConnectionKey);

    /// <summary>
    /// The webhooks that take <paramref name="e"/>: limited to its connection or to none, and to its type or to none.
    /// The event's name key is computed once, not per webhook.
    /// </summary>
    private static IEnumerable<Subscriber> Matching(IEnumerable<Subscriber> subscribers, OutboxEvent e)
    {
        var key = e.ConnectionName is null ? null : ConnectionStore.NameKey(e.ConnectionName);
        return subscribers.Where(w => (w.ConnectionKey is null || w.ConnectionKey == key)
            && (w.EventTypes is null || w.EventTypes.Contains(e.Type, StringComparer.Ordinal)));
    }

    /// <summary>Tells this server's delivery worker that deliveries were committed.</summary>
    public void Wake() => signal.Notify();
}

/// <summary>A delivery's state.</summary>
internal static class DeliveryState
{
    public const string Pending = "PENDING";
    public const string Delivered = "DELIVERED";
    public const string Dead = "DEAD";
}

/// <summary>Wakes the delivery worker of this process when deliveries are committed (other servers poll).</summary>
internal sealed class OutboxSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>: take it before looking for work, so that no notice is missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
