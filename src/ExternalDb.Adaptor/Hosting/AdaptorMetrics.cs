using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExternalDb.Adaptor.Hosting;

/// <summary>
/// The adaptor's metrics, on the meter <c>ExternalDb.Adaptor</c> (<see cref="MeterName"/>): readable in process with a
/// <see cref="MeterListener"/>, and from outside with <c>dotnet-counters monitor --counters ExternalDb.Adaptor</c> or
/// any OpenTelemetry exporter that adds the meter.
/// </summary>
public sealed partial class AdaptorMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ExternalDb.Adaptor";

    /// <summary>The name of the retry counter.</summary>
    public const string RetriesName = "externaldb.adaptor.retries";

    private readonly Counter<long> _retries;
    private readonly ILogger _logger;

    /// <summary>Creates the instruments on a meter of <paramref name="meters"/>; each retry is also logged (Information) to <paramref name="logger"/>.</summary>
    public AdaptorMetrics(IMeterFactory meters, ILogger<AdaptorMetrics>? logger = null)
    {
        _logger = logger ?? NullLogger<AdaptorMetrics>.Instance;
        var meter = meters.Create(MeterName);
        _retries = meter.CreateCounter<long>(RetriesName, "{retry}",
            "Operations run again after their transaction lost to another one (reason=transient: a deadlock or serialization " +
            "failure; key_taken: a key inserted meanwhile) or after a schema change raced them (reason=schema_changed)");
    }

    /// <summary>Counts one more run of an operation, tagged with why it ran again.</summary>
    internal void Retried(string reason)
    {
        _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogRetried(_logger, reason);
    }

    [LoggerMessage(EventId = 1, EventName = "Retried", Level = LogLevel.Information, Message = "An operation runs again ({Reason})")]
    private static partial void LogRetried(ILogger logger, string reason);
}
