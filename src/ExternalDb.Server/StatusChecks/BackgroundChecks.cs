using ExternalDb.Server.Connections;
using ExternalDb.Server.Probing;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.StatusChecks;

/// <summary>
/// Checks every connection again every <see cref="StatusCheckOptions.Interval"/> (failing ones sooner, with backoff).
/// Several servers on one registry share the work: each check is leased to one server at a time in the registry, and
/// each server runs at most <see cref="StatusCheckOptions.MaxConcurrentChecks"/> at once.
/// </summary>
internal sealed class BackgroundChecks(
    StatusHistoryStore history,
    ConnectionStore store,
    ConnectionService service,
    IOptions<StatusCheckOptions> options,
    IOptions<ProbeOptions> probeOptions,
    ILogger<BackgroundChecks> logger) : BackgroundService
{
    /// <summary>Who holds a lease: unique per server (and per instance, when tests run two in one process).</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// A lease outlasts the longest check (the prober gives up after <see cref="ProbeOptions.Timeout"/>) with room to
    /// store its result, so that a lease never expires while its check runs.
    /// </summary>
    private TimeSpan Lease => probeOptions.Value.Timeout * 2 + TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.Interval <= TimeSpan.Zero)
        {
            return;
        }
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(o.Interval.TotalMilliseconds / 4, 200, 5000));
        using var slots = new SemaphoreSlim(o.MaxConcurrentChecks);
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                running.RemoveAll(t => t.IsCompleted);
                var free = slots.CurrentCount;
                if (free > 0)
                {
                    foreach (var claimed in await history.ClaimDueAsync(Holder, free, Lease, stoppingToken))
                    {
                        await slots.WaitAsync(stoppingToken);
                        running.Add(CheckAsync(claimed, slots, stoppingToken));
                    }
                }
                await Task.Delay(poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or IOException)
            {
                logger.LogWarning("Background checks could not reach the registry ({ExceptionType}); trying again shortly", e.GetType().Name);
                await Task.Delay(poll, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task CheckAsync(ClaimedCheck claimed, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var stored = await store.GetAsync(claimed.Name, ct);
            if (stored is null)
            {
                return;
            }
            // Stored with the result (which ends the lease); if the connection changed meanwhile, that change scheduled it anew.
            if (await service.ProbeAsync(stored, CheckTrigger.Schedule, ct) is null)
            {
                await history.ReleaseAsync(claimed, Holder, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or IOException)
        {
            // The lease expires by itself; the connection is checked again then.
            logger.LogWarning("The background check of connection {Connection} failed ({ExceptionType})", claimed.Name, e.GetType().Name);
        }
        finally
        {
            slots.Release();
        }
    }
}
