namespace ExternalDb.Server.Probing;

/// <summary>Bounds of an adaptor check (<c>Probe</c> section).</summary>
internal sealed class ProbeOptions
{
    public const string Section = "Probe";

    /// <summary>One overall bound on a whole check, all calls included. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest adaptor answer read during a check. Default 1 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}
