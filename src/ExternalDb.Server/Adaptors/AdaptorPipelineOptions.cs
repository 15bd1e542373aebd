namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The resilience pipeline of data calls to one adaptor (host and port). Read from the <c>Gateway</c> section, where
/// the gateway's other bounds are set.
/// </summary>
internal sealed class AdaptorPipelineOptions
{
    public const string Section = "Gateway";

    /// <summary>How many calls may be under way at once to one adaptor. Default 32.</summary>
    public int MaxConcurrentCallsPerAdaptor { get; set; } = 32;

    /// <summary>How many more calls may wait for a place before the gateway answers 503. Default 128.</summary>
    public int MaxQueuedCallsPerAdaptor { get; set; } = 128;

    /// <summary>How long an adaptor's circuit stays open after it kept failing. Default 5 s.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
