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
    public async Task AppendAsync(DbConnection connection, DbTransaction transaction, OutboxEvent e, CancellationToken ct, string? onlyWebhookId = null)
    {
        var webhooks = new List<string>();
        await using (var select = onlyWebhookId is not null
            ? connection.Command(transaction, "SELECT id, event_types FROM webhooks WHERE id = @id").With("@id", onlyWebhookId)
            : connection.Command(transaction, "SELECT id, event_types FROM webhooks WHERE connection_key IS NULL OR connection_key = @key ORDER BY seq")
                .With("@key", e.ConnectionName is null ? null : ConnectionStore.NameKey(e.ConnectionName)))
        {
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var types = reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(1));
                if (onlyWebhookId is not null || types is null || types.Contains(e.Type, StringComparer.Ordinal))
                {
                    webhooks.Add(reader.GetString(0));
                }
            }
        }
        if (webhooks.Count == 0 && onlyWebhookId is null)
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

    /// <summary>Writes events in a transaction of their own (item changes the adaptor has confirmed; pings).</summary>
    public async Task AppendAsync(IReadOnlyList<OutboxEvent> events, CancellationToken ct, string? onlyWebhookId = null)
    {
        if (events.Count == 0)
        {
            return;
        }
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        foreach (var e in events)
        {
            await AppendAsync(connection, transaction, e, ct, onlyWebhookId);
        }
        await transaction.CommitAsync(ct);
        Wake();
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
