using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Conformance;

/// <summary>
/// How the kit is pointed at an adaptor, read once from the environment:
/// <c>CONFORMANCE_BASE_URL</c>, <c>CONFORMANCE_PROTOCOL</c> (<c>v3</c> | <c>v2</c> | <c>v1</c>, default v3),
/// <c>CONFORMANCE_JWT_PRIVATE_KEY</c> (PEM, EC P-256 or RSA), <c>CONFORMANCE_JWT_AUDIENCE</c>,
/// <c>CONFORMANCE_JWT_ISSUER</c> (default <c>wix.com</c>) and <c>CONFORMANCE_SECRET_KEY</c>.
/// Without a base URL the kit self-hosts the reference adaptor on every engine.
/// </summary>
public sealed record ConformanceSettings
{
    public const string DefaultIssuer = "wix.com";

    public string? BaseUrl { get; init; }
    public ProtocolVersion Protocol { get; init; } = ProtocolVersion.V3;
    public string? JwtPrivateKeyPem { get; init; }
    public string? JwtAudience { get; init; }
    public string JwtIssuer { get; init; } = DefaultIssuer;
    public string? SecretKey { get; init; }

    /// <summary>True when the kit tests an adaptor given by <c>CONFORMANCE_BASE_URL</c>.</summary>
    public bool IsExternal => BaseUrl is not null;

    public static ConformanceSettings Current { get; } = FromEnvironment();

    private static ConformanceSettings FromEnvironment()
    {
        static string? Read(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;

        var protocol = Read("CONFORMANCE_PROTOCOL")?.ToLowerInvariant() switch
        {
            null or "v3" or "3" => ProtocolVersion.V3,
            "v2" or "2" => ProtocolVersion.V2,
            "v1" or "1" => ProtocolVersion.V1,
            var other => throw new InvalidOperationException($"CONFORMANCE_PROTOCOL must be v3, v2 or v1, not '{other}'."),
        };
        return new ConformanceSettings
        {
            BaseUrl = Read("CONFORMANCE_BASE_URL")?.TrimEnd('/'),
            Protocol = protocol,
            JwtPrivateKeyPem = Read("CONFORMANCE_JWT_PRIVATE_KEY")?.Replace("\\n", "\n", StringComparison.Ordinal),
            JwtAudience = Read("CONFORMANCE_JWT_AUDIENCE"),
            JwtIssuer = Read("CONFORMANCE_JWT_ISSUER") ?? DefaultIssuer,
            SecretKey = Read("CONFORMANCE_SECRET_KEY"),
        };
    }
}
