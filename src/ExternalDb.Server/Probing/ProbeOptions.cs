namespace ExternalDb.Server.Probing;

/// <summary>Bounds of an adaptor check (<c>Probe</c> section).</summary>
public sealed class ProbeOptions
{
    /// <summary>One overall bound on a whole check, all calls included. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest adaptor answer read during a check. Default 1 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;
}

/// <summary>How the server presents itself to adaptors (<c>Adaptors</c> section).</summary>
public sealed class AdaptorClientOptions
{
    /// <summary>The <c>iss</c> claim of V3 requests. Default <c>wix.com</c>, what existing adaptors check.</summary>
    public string JwtIssuer { get; set; } = "wix.com";

    /// <summary>The instance id sent to adaptors (<c>requestContext.instanceId</c>, V3 <c>metadata.instanceId</c>).</summary>
    public string? InstanceId { get; set; }

    /// <summary>The instance id every adaptor call carries: <see cref="InstanceId"/>, else <c>externaldb</c>.</summary>
    public string EffectiveInstanceId => InstanceId ?? "externaldb";
}
