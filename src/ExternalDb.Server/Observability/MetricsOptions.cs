namespace ExternalDb.Server.Observability;

/// <summary>Settings of the <c>Metrics</c> section.</summary>
internal sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serves the metrics in Prometheus' text format at <c>/metrics</c>. Off by default.</summary>
    public bool PrometheusEndpoint { get; set; }
}
