using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Observability;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace ExternalDb.Server.Webhooks;

/// <summary>
/// Delivers the outbox's events to webhooks, on every server: takes due deliveries with a lease in the registry (one
/// server attempts a delivery at a time), posts each signed per Standard Webhooks (at most
/// <see cref="WebhookOptions.MaxConcurrentDeliveries"/> at once), and records every attempt. A 2xx delivers; anything
/// else is retried with exponential backoff and full jitter until <see cref="WebhookOptions.MaxAttempts"/>. Woken at once
/// by events of this server, it polls every <see cref="WebhookOptions.PollInterval"/> for the rest.
/// </summary>
internal sealed class DeliveryWorker(
    WebhookStore store,
    OutboxSignal signal,
    IHttpClientFactory clients,
    IOptions<WebhookOptions> options,
    ServerMetrics metrics,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const string HttpClientName = "ExternalDb.Webhooks";

    /// <summary>Who holds a lease: unique per server (and per instance, when tests run two in one process).</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var slots = new SemaphoreSlim(o.MaxConcurrentDeliveries);
        var running = new List<Task>();
        var lastCount = DateTimeOffset.MinValue;
        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wake = signal.Next;
                running.RemoveAll(t => t.IsCompleted);
                var free = slots.CurrentCount;
                var claimed = free > 0 ? await store.ClaimDueAsync(Holder, free, o.LeaseDuration, stoppingToken) : [];
                foreach (var delivery in claimed)
                {
                    await slots.WaitAsync(stoppingToken);
                    running.Add(DeliverAsync(delivery, slots, stoppingToken));
                }
                if (time.GetUtcNow() - lastCount >= o.PollInterval)
                {
                    metrics.PendingDeliveries = await store.CountPendingAsync(stoppingToken);
                    lastCount = time.GetUtcNow();
                }
                if (time.GetUtcNow() - lastPrune >= o.PruneInterval)
                {
                    await store.PruneAsync(time.GetUtcNow() - o.Retention, stoppingToken);
                    lastPrune = time.GetUtcNow();
                }
                if (claimed.Count > 0 && claimed.Count == free)
                {
                    // Perhaps more is due: look again as soon as a slot frees.
                    await Task.WhenAny([.. running, Task.Delay(o.PollInterval, stoppingToken)]);
                    continue;
                }
                await Task.WhenAny(wake, Task.Delay(o.PollInterval, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or IOException)
            {
                logger.LogWarning("Webhook deliveries could not reach the registry ({ExceptionType}); trying again shortly", e.GetType().Name);
                await Task.Delay(o.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task DeliverAsync(ClaimedDelivery delivery, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var o = options.Value;
            var outcome = await AttemptAsync(delivery, o.Timeout, ct);
            var attempts = delivery.Attempts + 1;
            var (state, next) = outcome.Delivered
                ? (DeliveryState.Delivered, outcome.AttemptedDate)
                : attempts >= o.MaxAttempts
                    ? (DeliveryState.Dead, outcome.AttemptedDate)
                    : (DeliveryState.Pending, time.GetUtcNow() + o.RetryDelay(attempts));
            if (!await store.RecordAttemptAsync(delivery, Holder, outcome, state, next, CancellationToken.None))
            {
                // The lease expired and another server took the delivery over (or the webhook was deleted).
                return;
            }
            metrics.DeliveryAttempted(state, outcome.Error ?? (outcome.Delivered ? null : "http_" + outcome.StatusCode));
            if (state == DeliveryState.Dead)
            {
                logger.LogWarning("Delivery {Delivery} to webhook {Webhook} is dead after {Attempts} attempts", delivery.Id, delivery.WebhookId, attempts);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the lease expires and the delivery is attempted again.
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException or IOException)
        {
            logger.LogWarning("The attempt of delivery {Delivery} could not be recorded ({ExceptionType}); it is attempted again when its lease expires",
                delivery.Id, e.GetType().Name);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>One signed POST; its status, or the class of the failure (never its message, which may quote the URL).</summary>
    private async Task<AttemptOutcome> AttemptAsync(ClaimedDelivery delivery, TimeSpan timeout, CancellationToken ct)
    {
        var attempted = time.UtcNowToMillisecond();
        var started = Stopwatch.GetTimestamp();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            var timestamp = time.GetUtcNow();
            request.Headers.TryAddWithoutValidation("webhook-id", delivery.Id);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature",
                new StandardWebhook(delivery.Secret.Value).Sign(delivery.Id, timestamp, delivery.Body));
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
            return new AttemptOutcome(attempted, (int)response.StatusCode, null, Elapsed(started));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptOutcome(attempted, null, "timeout", Elapsed(started));
        }
        catch (HttpRequestException e) when (EgressRefusedException.In(e) is not null)
        {
            return new AttemptOutcome(attempted, null, "egress_denied", Elapsed(started));
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
            || e.InnerException is SocketException)
        {
            return new AttemptOutcome(attempted, null, "unreachable", Elapsed(started));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new AttemptOutcome(attempted, null, "transport_error", Elapsed(started));
        }
    }

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
