namespace ExternalDb.Protocol;

/// <summary>How an adaptor advertises ExternalDb's extensions of the V3 protocol in <c>/v3/capabilities/get</c>.</summary>
public static class AdaptorExtensions
{
    /// <summary>The member of the capabilities answer that holds the extensions: <c>externalDb</c>.</summary>
    public const string CapabilitiesMember = "externalDb";

    /// <summary>In <see cref="CapabilitiesMember"/>: <c>patch: true</c> when <see cref="AdaptorOperations.Patch"/> is served.</summary>
    public const string Patch = "patch";
}
