namespace ExternalDb.Server.Gateway;

/// <summary>
/// The data gateway's bounds (<c>Gateway</c> section). The resilience pipeline of its adaptor calls is set in the same
/// section (<see cref="Adaptors.AdaptorPipelineOptions"/>).
/// </summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>How long one adaptor call may take, answer body included, before the gateway answers 504. Default 10 s.</summary>
    public TimeSpan AdaptorTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest adaptor answer the gateway reads. Default 32 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// The largest request, in bytes of JSON, the gateway sends an adaptor in one call. Bulk writes and bulk references
    /// larger than this are split into several calls (answers joined in the original order); any other request larger
    /// than this is refused with 400 before the adaptor is called. Default 4 MiB: a V3 call carries its JSON as the
    /// base64url payload of a JWT, which makes it 4/3 as large plus about 1 kB of claims, header and signature, so
    /// 4 MiB of JSON is about 5.4 MiB on the wire, under the 8 MiB our reference adaptor accepts by default
    /// (<c>Adaptor:MaxRequestBodyBytes</c>) with room to spare; a legacy call adds at most the 64 KiB configuration.
    /// Lower it for an adaptor that accepts less; at least 1 MiB, since one item may hold 500 kB.
    /// </summary>
    public int MaxAdaptorRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a collection's schema is cached. Default 30 s.</summary>
    public TimeSpan SchemaCacheTtl { get; set; } = TimeSpan.FromSeconds(30);
}
