using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ExternalDb.Server.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ExternalDb.Server.Observability;

/// <summary>The state of an adaptor's circuit breaker, as the <c>externaldb.adaptor.circuit.state</c> gauge reports it.</summary>
internal enum CircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// <summary>
/// The server's own instruments, all in one meter (<see cref="MeterName"/>). Tags carry connection names, adaptor
/// authorities (host and port) and outcomes only: never a configuration value, an endpoint's path or query, or a key.
/// Requests by route and status come from ASP.NET Core's <c>http.server.request.duration</c>.
/// </summary>
internal sealed class ServerMetrics
{
    public const string MeterName = "ExternalDb.Server";

    // Seconds, as OpenTelemetry's semantic conventions bucket durations (the SDK's default buckets are for milliseconds).
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30],
    };

    private readonly Histogram<double> _adaptorCalls;
    private readonly Histogram<double> _checks;
    private readonly ConcurrentDictionary<string, CircuitState> _circuits = new(StringComparer.OrdinalIgnoreCase);
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _deliveryFailures;
    private long _pendingDeliveries;

    /// <summary>Registers the instruments (once, whoever needs them first).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ServerMetrics>();
    }

    public ServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _adaptorCalls = meter.CreateHistogram<double>("externaldb.adaptor.call.duration", "s",
            "Adaptor calls (gateway and prober), by connection and outcome (answered HTTP status class, or timeout, unreachable, bad_answer).", tags: null, advice: DurationBuckets);
        _checks = meter.CreateHistogram<double>("externaldb.connection.check.duration", "s",
            "Checks of a connection's adaptor, by connection, outcome (its causeOfFailure) and trigger.", tags: null, advice: DurationBuckets);
        meter.CreateObservableGauge("externaldb.adaptor.circuit.state", ObserveCircuits, null,
            "The circuit breaker of each adaptor (host and port) that has been called: 0 closed, 1 half-open, 2 open.");
        _deliveries = meter.CreateCounter<long>("externaldb.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts, by outcome: delivered, retry (failed, attempted again later) or dead (failed for the last time).");
        _deliveryFailures = meter.CreateCounter<long>("externaldb.webhook.delivery.failures", "{attempt}",
            "Failed webhook delivery attempts, by error: http_<status>, timeout, unreachable, egress_denied, transport_error.");
        meter.CreateObservableGauge("externaldb.webhook.backlog", () => Interlocked.Read(ref _pendingDeliveries), "{delivery}",
            "Pending webhook deliveries in the registry (all servers), as this server last counted them.");
    }

    /// <summary>The outbox backlog: pending deliveries, as last counted.</summary>
    public long PendingDeliveries
    {
        get => Interlocked.Read(ref _pendingDeliveries);
        set => Interlocked.Exchange(ref _pendingDeliveries, value);
    }

    /// <summary>Records a delivery attempt that left the delivery in <paramref name="state"/>; <paramref name="failure"/> is null when it was delivered.</summary>
    public void DeliveryAttempted(string state, string? failure)
    {
        var outcome = state switch { "DELIVERED" => "delivered", "DEAD" => "dead", _ => "retry" };
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (failure is not null)
        {
            _deliveryFailures.Add(1, new KeyValuePair<string, object?>("error", failure));
        }
    }

    /// <summary>Records an adaptor call that got an answer with <paramref name="status"/>.</summary>
    public void AdaptorCallAnswered(string connection, int status, long startedTimestamp) =>
        RecordAdaptorCall(connection, status switch { < 300 => "2xx", < 400 => "3xx", < 500 => "4xx", _ => "5xx" }, startedTimestamp);

    /// <summary>Records an adaptor call that failed before an answer (<paramref name="failure"/> in snake case).</summary>
    public void AdaptorCallFailed(string connection, string failure, long startedTimestamp) =>
        RecordAdaptorCall(connection, failure, startedTimestamp);

    /// <summary>Records one check of a connection's adaptor.</summary>
    public void CheckCompleted(string connection, ConnectionStatus status, string trigger) =>
        _checks.Record((status.LatencyMs ?? 0) / 1000.0,
            new KeyValuePair<string, object?>("connection", connection),
            new KeyValuePair<string, object?>("outcome", WireName(status.CauseOfFailure)),
            new KeyValuePair<string, object?>("trigger", trigger));

    /// <summary>Notes a circuit breaker's new state; <paramref name="adaptor"/> is the adaptor's host and port.</summary>
    public void CircuitChanged(string? adaptor, CircuitState state)
    {
        if (!string.IsNullOrEmpty(adaptor))
        {
            _circuits[adaptor] = state;
        }
    }

    private void RecordAdaptorCall(string connection, string outcome, long startedTimestamp) =>
        _adaptorCalls.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("connection", connection),
            new KeyValuePair<string, object?>("outcome", outcome));

    private IEnumerable<Measurement<int>> ObserveCircuits() =>
        _circuits.Select(c => new Measurement<int>((int)c.Value, new KeyValuePair<string, object?>("adaptor", c.Key)));

    private static string WireName<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseUpper.ConvertName(value.ToString());
}
