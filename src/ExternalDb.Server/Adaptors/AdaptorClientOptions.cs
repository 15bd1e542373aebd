namespace ExternalDb.Server.Adaptors;

/// <summary>How the server presents itself to adaptors (<c>Adaptors</c> section).</summary>
internal sealed class AdaptorClientOptions
{
    public const string Section = "Adaptors";

    /// <summary>The instance id sent when none is configured.</summary>
    public const string DefaultInstanceId = "externaldb";

    /// <summary>The <c>iss</c> claim of V3 requests. Default <c>wix.com</c>, what existing adaptors check.</summary>
    public string JwtIssuer { get; set; } = "wix.com";

    /// <summary>The instance id sent to adaptors (<c>requestContext.instanceId</c>, V3 <c>metadata.instanceId</c>).</summary>
    public string? InstanceId { get; set; }

    /// <summary>The instance id every adaptor call carries: <see cref="InstanceId"/>, else <c>externaldb</c>.</summary>
    public string EffectiveInstanceId => InstanceId ?? DefaultInstanceId;
}
