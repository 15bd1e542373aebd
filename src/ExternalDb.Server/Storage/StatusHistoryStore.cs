using System.Data.Common;
using System.Globalization;
using ExternalDb.Protocol;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.StatusChecks;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Storage;

/// <summary>One check of a connection's adaptor, as the status history shows it.</summary>
internal sealed record StatusCheck(
    DateTimeOffset CheckedDate,
    bool Successful,
    CauseOfFailure CauseOfFailure,
    long LatencyMs,
    ProtocolVersion ProtocolVersion,
    string? Message);

/// <summary>A connection whose background check this server now holds the lease of.</summary>
internal sealed record ClaimedCheck(long Seq, string Name);

/// <summary>
/// The status history of connections and the schedule of their background checks. A check is recorded in the
/// transaction that stores its result on the connection; each schedule row is also the lease that lets one server
/// at a time check that connection (taken atomically by <see cref="ClaimDueAsync"/>, ending when the result is stored
/// or when it expires).
/// </summary>
internal sealed class StatusHistoryStore(Database database, IOptions<StatusCheckOptions> options, TimeProvider time)
{
    /// <summary>Records a check of the connection <paramref name="seq"/> and schedules its next one, inside <paramref name="transaction"/>.</summary>
    internal async Task RecordAsync(DbConnection connection, DbTransaction transaction, long seq, ConnectionStatus status, ProtocolVersion protocol, CancellationToken ct)
    {
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText =
                "INSERT INTO status_checks (connection_seq, checked_date, successful, cause_of_failure, latency_ms, protocol_version, message) " +
                "VALUES (@seq, @checked, @successful, @cause, @latency, @protocol, @message)";
            insert.With("@seq", seq);
            insert.With("@checked", (status.CheckedDate ?? time.UtcNowToMillisecond()).ToWireString());
            insert.With("@successful", status.Successful ? 1 : 0);
            insert.With("@cause", status.CauseOfFailure.ToString());
            insert.With("@latency", status.LatencyMs ?? 0);
            insert.With("@protocol", protocol.ToString());
            insert.With("@message", (object?)status.Message ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using (var trim = connection.CreateCommand())
        {
            trim.Transaction = transaction;
            trim.CommandText =
                "DELETE FROM status_checks WHERE connection_seq = @seq AND id <= " +
                "(SELECT id FROM status_checks WHERE connection_seq = @seq ORDER BY id DESC LIMIT 1 OFFSET @keep)";
            trim.With("@seq", seq);
            trim.With("@keep", options.Value.HistoryRetention);
            await trim.ExecuteNonQueryAsync(ct);
        }

        var failures = 0;
        if (!status.Successful)
        {
            await using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "SELECT consecutive_failures FROM check_schedule WHERE connection_seq = @seq";
            read.With("@seq", seq);
            failures = Convert.ToInt32(await read.ExecuteScalarAsync(ct) ?? 0L, CultureInfo.InvariantCulture) + 1;
        }
        await using var schedule = connection.CreateCommand();
        schedule.Transaction = transaction;
        // Any check that is stored ends a lease on the connection: its next check is due only later.
        schedule.CommandText =
            "INSERT INTO check_schedule (connection_seq, next_check_ms, consecutive_failures) VALUES (@seq, @next, @failures) " +
            "ON CONFLICT (connection_seq) DO UPDATE SET next_check_ms = excluded.next_check_ms, " +
            "consecutive_failures = excluded.consecutive_failures, lease_holder = NULL, lease_expires_ms = NULL";
        schedule.With("@seq", seq);
        schedule.With("@next", (time.GetUtcNow() + options.Value.NextCheckDelay(status.Successful, failures)).ToUnixTimeMilliseconds());
        schedule.With("@failures", failures);
        await schedule.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Takes the lease of at most <paramref name="max"/> connections whose check is due and whose lease is free or
    /// expired, for <paramref name="lease"/>, in one statement. Two servers never take the same row: SQLite runs one
    /// writer at a time; PostgreSQL locks the rows it picks with <c>FOR UPDATE SKIP LOCKED</c>, passing over those
    /// another server is taking, and re-reads a row that changed before its lock was granted.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedCheck>> ClaimDueAsync(string holder, int max, TimeSpan lease, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            "UPDATE check_schedule SET lease_holder = @holder, lease_expires_ms = @expires WHERE connection_seq IN (" +
            "SELECT connection_seq FROM check_schedule WHERE next_check_ms <= @now AND (lease_expires_ms IS NULL OR lease_expires_ms <= @now) " +
            "ORDER BY next_check_ms LIMIT @max" + database.Dialect.SkipLocked + ") " +
            "RETURNING connection_seq, (SELECT name FROM connections WHERE seq = connection_seq)")
            .With("@holder", holder)
            .With("@expires", now + (long)lease.TotalMilliseconds)
            .With("@now", now)
            .With("@max", max);
        var claimed = new List<ClaimedCheck>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // A connection deleted meanwhile takes its schedule row with it.
            if (!reader.IsDBNull(1))
            {
                claimed.Add(new ClaimedCheck(reader.GetInt64(0), reader.GetString(1)));
            }
        }
        return claimed;
    }

    /// <summary>Gives a lease back early (the check could not be run); the connection is due again after the usual delay.</summary>
    public async Task ReleaseAsync(ClaimedCheck check, string holder, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "UPDATE check_schedule SET lease_holder = NULL, lease_expires_ms = NULL, next_check_ms = @next " +
            "WHERE connection_seq = @seq AND lease_holder = @holder";
        command.With("@seq", check.Seq);
        command.With("@holder", holder);
        command.With("@next", (time.GetUtcNow() + options.Value.NextCheckDelay(successful: true, 0)).ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A page of a connection's checks, newest first, and how many are kept; null when there is no such connection.</summary>
    public async Task<(IReadOnlyList<StatusCheck> Page, int Total)?> ListAsync(string name, int offset, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One snapshot for the total and the page, as the connections list.
        await using var transaction = await database.Dialect.BeginSnapshotAsync(connection, ct);
        await using var find = connection.CreateCommand();
        find.CommandText = "SELECT seq FROM connections WHERE name_key = @key";
        find.With("@key", ConnectionStore.NameKey(name));
        if (await find.ExecuteScalarAsync(ct) is not long seq)
        {
            return null;
        }
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM status_checks WHERE connection_seq = @seq";
        count.With("@seq", seq);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        await using var select = connection.CreateCommand();
        select.CommandText =
            "SELECT checked_date, successful, cause_of_failure, latency_ms, protocol_version, message FROM status_checks " +
            "WHERE connection_seq = @seq ORDER BY id DESC LIMIT @limit OFFSET @offset";
        select.With("@seq", seq);
        select.With("@limit", limit);
        select.With("@offset", offset);
        var page = new List<StatusCheck>();
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                page.Add(new StatusCheck(
                    DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                    reader.GetInt64(1) == 1,
                    Enum.Parse<CauseOfFailure>(reader.GetString(2)),
                    reader.GetInt64(3),
                    Enum.Parse<ProtocolVersion>(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        await transaction.CommitAsync(ct);
        return (page, total);
    }
}
