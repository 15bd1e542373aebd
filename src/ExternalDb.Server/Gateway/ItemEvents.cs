using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// The item events of writes through the gateway, one per item the adaptor confirmed, written to the outbox after its
/// answer (the adaptor's database and the registry share no transaction), even when the caller has gone. Truncate writes none.
/// </summary>
internal sealed class ItemEvents(EventOutbox outbox, TimeProvider time, ILogger<ItemEvents> logger)
{
    /// <summary>Items created or updated: each confirmed result of <paramref name="answer"/> (<c>{results: [{item} | {error}]}</c>) whose index maps to an id.</summary>
    public Task WrittenAsync(ResolvedCollection target, string type, JsonObject answer, IReadOnlyList<string> ids) =>
        AppendAsync(target, [.. Confirmed(answer, ids).Select(x => OutboxEvent.ItemWritten(type, target.Connection.Name, target.FullId,
            Items.ToDataItem(x.Item ?? new JsonObject { ["_id"] = x.Id }, target.FullId), time.UtcNowToMillisecond()))]);

    /// <summary>Items removed: each confirmed result of <paramref name="answer"/>.</summary>
    public Task RemovedAsync(ResolvedCollection target, JsonObject answer, IReadOnlyList<string> ids) =>
        AppendAsync(target, [.. Confirmed(answer, ids).Select(x => OutboxEvent.ItemRemoved(target.Connection.Name, target.FullId, x.Id,
            time.UtcNowToMillisecond()))]);

    private static IEnumerable<(string Id, JsonNode? Item)> Confirmed(JsonObject answer, IReadOnlyList<string> ids)
    {
        var results = answer["results"] as JsonArray ?? [];
        for (var i = 0; i < ids.Count && i < results.Count; i++)
        {
            if (results[i] is JsonObject result && result["error"] is null)
            {
                yield return (ids[i], result["item"]?.DeepClone());
            }
        }
    }

    private async Task AppendAsync(ResolvedCollection target, IReadOnlyList<OutboxEvent> events)
    {
        try
        {
            await outbox.AppendAsync(events, CancellationToken.None);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            // The adaptor's write stands and its answer is the caller's; only its events are lost, and the log says so.
            logger.LogError("{Count} item events of connection {Connection} could not be written to the outbox ({ExceptionType})",
                events.Count, target.Connection.Name, e.GetType().Name);
        }
    }
}
