using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Storage;

/// <summary>A delivery this server holds the lease of, with what it needs to post it.</summary>
internal sealed record ClaimedDelivery(long Seq, string Id, string WebhookId, int Attempts, string Url, WebhookSecret Secret, string Body);

/// <summary>How one attempt went: an HTTP status, or the class of the failure before an answer.</summary>
internal sealed record AttemptOutcome(DateTimeOffset AttemptedDate, int? StatusCode, string? Error, long DurationMs)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Webhook subscriptions and their deliveries. A webhook's signing secret is encrypted with the registry's key and
/// read back only by the delivery worker. Each delivery row is also its lease: <see cref="ClaimDueAsync"/> takes due
/// ones atomically (as the background checks take theirs), an attempt's result ends the lease, and an expired lease
/// (a server that died mid-attempt) makes the delivery due again.
/// </summary>
internal sealed class WebhookStore(Database database, SecretProtector protector, EventOutbox outbox, TimeProvider time)
{
    private const string Columns = "id, url, event_types, connection_name, created_date";

    /// <summary>
    /// Stores a new webhook with a fresh secret; null when <paramref name="connectionName"/> names no connection.
    /// The answer carries the secret: the only time it is shown.
    /// </summary>
    public async Task<Webhook?> CreateAsync(string url, IReadOnlyList<string>? eventTypes, string? connectionName, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        string? storedName = null;
        if (connectionName is not null)
        {
            await using var find = connection.Command(transaction, "SELECT name FROM connections WHERE name_key = @key")
                .With("@key", ConnectionStore.NameKey(connectionName));
            if (await find.ExecuteScalarAsync(ct) is not string name)
            {
                return null;
            }
            storedName = name;
        }
        var webhook = new Webhook("wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), url, eventTypes ?? EventTypes.Subscribable, storedName, time.UtcNowToMillisecond());
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var insert = connection.Command(transaction,
                "INSERT INTO webhooks (id, url, event_types, connection_name, connection_key, secret, created_date) " +
                "VALUES (@id, @url, @types, @name, @key, @secret, @created)")
            .With("@id", webhook.Id)
            .With("@url", url)
            .With("@types", eventTypes is null ? null : JsonSerializer.Serialize(eventTypes))
            .With("@name", storedName)
            .With("@key", storedName is null ? null : ConnectionStore.NameKey(storedName))
            .With("@secret", protector.Protect(Encoding.UTF8.GetBytes(secret), SecretPurpose(webhook.Id)))
            .With("@created", webhook.CreatedDate.ToWireString());
        await insert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return webhook with { Secret = secret };
    }

    /// <summary>Every webhook, oldest first, without secrets.</summary>
    public async Task<IReadOnlyList<Webhook>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var select = connection.Command($"SELECT {Columns} FROM webhooks ORDER BY seq");
        await using var reader = await select.ExecuteReaderAsync(ct);
        var webhooks = new List<Webhook>();
        while (await reader.ReadAsync(ct))
        {
            webhooks.Add(new Webhook(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? EventTypes.Subscribable : JsonSerializer.Deserialize<string[]>(reader.GetString(2))!,
                reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture)));
        }
        return webhooks;
    }

    /// <summary>Deletes a webhook with its deliveries (pending ones are never attempted again); false when there is none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var delete = connection.Command("DELETE FROM webhooks WHERE id = @id").With("@id", id);
        return await delete.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Enqueues a ping to the webhook through the outbox; false when there is no such webhook.</summary>
    public async Task<OutboxEvent?> PingAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var find = connection.Command(transaction, "SELECT 1 FROM webhooks WHERE id = @id").With("@id", id);
        if (await find.ExecuteScalarAsync(ct) is null)
        {
            return null;
        }
        var ping = OutboxEvent.Ping(id, time.UtcNowToMillisecond());
        await outbox.AppendAsync(connection, transaction, ping, ct, onlyWebhookId: id);
        await transaction.CommitAsync(ct);
        outbox.Wake();
        return ping;
    }

    /// <summary>
    /// Takes the lease of at most <paramref name="max"/> pending deliveries that are due and not leased (or whose lease
    /// expired), for <paramref name="lease"/>, in one statement (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>; SQLite: its one writer).
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string holder, int max, TimeSpan lease, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct);
        var claimed = new List<(long Seq, string Id, string WebhookId, int Attempts, long EventSeq)>();
        await using (var claim = connection.Command(
                "UPDATE deliveries SET lease_holder = @holder, lease_expires_ms = @expires WHERE seq IN (" +
                "SELECT seq FROM deliveries WHERE state = @pending AND next_attempt_ms <= @now AND (lease_expires_ms IS NULL OR lease_expires_ms <= @now) " +
                "ORDER BY next_attempt_ms, seq LIMIT @max" + database.Dialect.SkipLocked + ") " +
                "RETURNING seq, id, webhook_id, attempts, event_seq")
            .With("@holder", holder)
            .With("@expires", now + (long)lease.TotalMilliseconds)
            .With("@pending", DeliveryState.Pending)
            .With("@now", now)
            .With("@max", max))
        {
            await using var reader = await claim.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                claimed.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (int)reader.GetInt64(3), reader.GetInt64(4)));
            }
        }
        var deliveries = new List<ClaimedDelivery>(claimed.Count);
        foreach (var c in claimed)
        {
            await using var read = connection.Command(
                    "SELECT w.url, w.secret, e.id, e.type, e.event_time, e.data FROM webhooks w, events e WHERE w.id = @webhook AND e.seq = @event")
                .With("@webhook", c.WebhookId)
                .With("@event", c.EventSeq);
            await using var reader = await read.ExecuteReaderAsync(ct);
            // A webhook deleted meanwhile takes its deliveries with it.
            if (await reader.ReadAsync(ct))
            {
                var secret = new WebhookSecret(Encoding.UTF8.GetString(protector.Unprotect((byte[])reader.GetValue(1), SecretPurpose(c.WebhookId))));
                var e = new OutboxEvent(reader.GetString(2), reader.GetString(3), DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
                    null, System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(5))!.AsObject());
                deliveries.Add(new ClaimedDelivery(c.Seq, c.Id, c.WebhookId, c.Attempts, reader.GetString(0), secret, e.Body()));
            }
        }
        return deliveries;
    }

    /// <summary>
    /// Records an attempt and what follows it (delivered, due again at <paramref name="nextAttempt"/>, or dead), ending the
    /// lease, in one transaction; false (and nothing recorded) when this server no longer holds the lease.
    /// </summary>
    public async Task<bool> RecordAttemptAsync(ClaimedDelivery delivery, string holder, AttemptOutcome outcome, string state, DateTimeOffset nextAttempt, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var update = connection.Command(transaction,
                "UPDATE deliveries SET state = @state, attempts = attempts + 1, next_attempt_ms = @next, lease_holder = NULL, lease_expires_ms = NULL, " +
                "last_status_code = @status, last_error = @error WHERE seq = @seq AND lease_holder = @holder")
            .With("@state", state)
            .With("@next", nextAttempt.ToUnixTimeMilliseconds())
            .With("@status", outcome.StatusCode)
            .With("@error", outcome.Error)
            .With("@seq", delivery.Seq)
            .With("@holder", holder))
        {
            if (await update.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }
        await using var attempt = connection.Command(transaction,
                "INSERT INTO delivery_attempts (delivery_seq, attempted_date, status_code, error, duration_ms) VALUES (@seq, @date, @status, @error, @duration)")
            .With("@seq", delivery.Seq)
            .With("@date", outcome.AttemptedDate.ToWireString())
            .With("@status", outcome.StatusCode)
            .With("@error", outcome.Error)
            .With("@duration", outcome.DurationMs);
        await attempt.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Forgets what is done and older than <paramref name="cutoff"/>: delivered and dead deliveries with their attempts,
    /// then events no delivery refers to any more. Pending deliveries are kept whatever their age.
    /// </summary>
    public async Task PruneAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var deliveries = connection.Command(transaction, "DELETE FROM deliveries WHERE state <> @pending AND created_date < @cutoff")
            .With("@pending", DeliveryState.Pending)
            .With("@cutoff", cutoff.ToWireString()))
        {
            await deliveries.ExecuteNonQueryAsync(ct);
        }
        await using (var events = connection.Command(transaction,
                "DELETE FROM events WHERE event_time < @cutoff AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq)")
            .With("@cutoff", cutoff.ToWireString()))
        {
            await events.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>How many deliveries are pending, across every server (the backlog gauge).</summary>
    public async Task<long> CountPendingAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var count = connection.Command("SELECT COUNT(*) FROM deliveries WHERE state = @pending").With("@pending", DeliveryState.Pending);
        return Convert.ToInt64(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>A page of a webhook's deliveries with their attempts, newest first, and how many there are; null when there is no such webhook.</summary>
    public async Task<(IReadOnlyList<Delivery> Page, int Total)?> ListDeliveriesAsync(string webhookId, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var find = connection.Command(transaction, "SELECT 1 FROM webhooks WHERE id = @id").With("@id", webhookId))
        {
            if (await find.ExecuteScalarAsync(ct) is null)
            {
                return null;
            }
        }
        await using var count = connection.Command(transaction, "SELECT COUNT(*) FROM deliveries WHERE webhook_id = @id").With("@id", webhookId);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        var rows = new List<(long Seq, Delivery Delivery)>();
        await using (var select = connection.Command(transaction,
                "SELECT d.seq, d.id, e.id, e.type, d.state, d.next_attempt_ms, d.created_date FROM deliveries d JOIN events e ON e.seq = d.event_seq " +
                "WHERE d.webhook_id = @id ORDER BY d.seq DESC LIMIT @limit OFFSET @offset")
            .With("@id", webhookId)
            .With("@limit", limit)
            .With("@offset", offset))
        {
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var state = reader.GetString(4);
                rows.Add((reader.GetInt64(0), new Delivery(
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    state,
                    [],
                    state == DeliveryState.Pending ? DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)) : null,
                    DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture))));
            }
        }
        var page = new List<Delivery>(rows.Count);
        foreach (var (seq, delivery) in rows)
        {
            var attempts = new List<DeliveryAttempt>();
            await using var select = connection.Command(transaction,
                    "SELECT attempted_date, status_code, error, duration_ms FROM delivery_attempts WHERE delivery_seq = @seq ORDER BY id")
                .With("@seq", seq);
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                attempts.Add(new DeliveryAttempt(
                    DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                    reader.IsDBNull(1) ? null : (int)reader.GetInt64(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetInt64(3)));
            }
            page.Add(delivery with { Attempts = attempts });
        }
        await transaction.CommitAsync(ct);
        return (page, total);
    }

    private static string SecretPurpose(string webhookId) => "webhook-secret:" + webhookId;
}
