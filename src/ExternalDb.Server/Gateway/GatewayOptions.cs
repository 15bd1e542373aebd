namespace ExternalDb.Server.Gateway;

/// <summary>The data gateway's bounds (<c>Gateway</c> section).</summary>
public sealed class GatewayOptions
{
    /// <summary>How long one adaptor call may take, answer body included, before the gateway answers 504. Default 10 s.</summary>
    public TimeSpan AdaptorTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many calls may be under way at once to one adaptor (host and port). Default 32.</summary>
    public int MaxConcurrentCallsPerAdaptor { get; set; } = 32;

    /// <summary>How many more calls may wait for a place before the gateway answers 503. Default 128.</summary>
    public int MaxQueuedCallsPerAdaptor { get; set; } = 128;

    /// <summary>The largest adaptor answer the gateway reads. Default 32 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>How long a collection's schema is cached. Default 30 s.</summary>
    public TimeSpan SchemaCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an adaptor's circuit stays open after it kept failing. Default 5 s.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
