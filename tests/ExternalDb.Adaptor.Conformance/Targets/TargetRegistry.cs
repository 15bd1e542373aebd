using System.Security.Cryptography;
using ExternalDb.Protocol;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.Targets;

/// <summary>
/// The targets every test runs against. Self-hosted: <c>sqlite/v3</c>, <c>postgres/v3</c> for V3 tests and
/// <c>sqlite/v2</c>, <c>sqlite/v1</c>, <c>postgres/v2</c>, <c>postgres/v1</c> for legacy tests. External: one
/// target named after <c>CONFORMANCE_PROTOCOL</c>; tests of the other protocol family skip on it.
/// </summary>
public static class TargetRegistry
{
    private static readonly ConformanceSettings Settings = ConformanceSettings.Current;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, AdaptorTarget> Registered = new(StringComparer.Ordinal);

    /// <summary>Makes an extra target resolvable by name (the kit's self-checks use it for defect-injecting proxies).</summary>
    public static void Register(AdaptorTarget target) => Registered[target.Name] = target;

    /// <summary>Theory data for V3 tests.</summary>
    public static TheoryData<string> V3Targets => Data(ProtocolVersion.V3);

    /// <summary>Theory data for legacy (V1/V2) tests.</summary>
    public static TheoryData<string> LegacyTargets => Data(ProtocolVersion.V2, ProtocolVersion.V1);

    private static TheoryData<string> Data(params ProtocolVersion[] protocols)
    {
        var data = new TheoryData<string>();
        if (Settings.IsExternal)
        {
            data.Add("external/" + Settings.Protocol.ToString().ToLowerInvariant());
            return data;
        }
        foreach (var engine in SelfHostedAdaptor.Engines)
        {
            foreach (var protocol in protocols)
            {
                data.Add($"{engine}/{protocol.ToString().ToLowerInvariant()}");
            }
        }
        return data;
    }

    /// <summary>Resolves a target name from the theory data, starting the self-hosted adaptor if needed.</summary>
    public static async Task<AdaptorTarget> GetAsync(string name)
    {
        if (Registered.TryGetValue(name, out var registered))
        {
            return registered;
        }
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var host = name[..slash];
        var protocol = Enum.Parse<ProtocolVersion>(name[(slash + 1)..], ignoreCase: true);
        if (host == "external")
        {
            return External(name, protocol);
        }
        var adaptor = await SelfHostedAdaptor.GetAsync(host);
        return new AdaptorTarget(name, adaptor.BaseUrl, protocol, adaptor.V3, adaptor.SecretKey, SelfHosted: true);
    }

    private static AdaptorTarget External(string name, ProtocolVersion protocol)
    {
        var baseUrl = Settings.BaseUrl!;
        if (protocol == ProtocolVersion.V3)
        {
            var pem = Settings.JwtPrivateKeyPem
                ?? throw new InvalidOperationException("CONFORMANCE_JWT_PRIVATE_KEY (PEM, EC P-256 or RSA) is required for a V3 adaptor.");
            var audience = Settings.JwtAudience
                ?? throw new InvalidOperationException("CONFORMANCE_JWT_AUDIENCE is required for a V3 adaptor.");
            var (key, algorithm) = LoadPrivateKey(pem);
            return new AdaptorTarget(name, baseUrl, protocol, new V3Credentials(key, algorithm, audience, Settings.JwtIssuer), null, false);
        }
        var secret = Settings.SecretKey
            ?? throw new InvalidOperationException("CONFORMANCE_SECRET_KEY is required for a V1/V2 adaptor.");
        return new AdaptorTarget(name, baseUrl, protocol, null, secret, false);
    }

    /// <summary>Reads a PEM private key: EC (signs ES256) or RSA (signs RS256).</summary>
    public static (AsymmetricSecurityKey Key, string Algorithm) LoadPrivateKey(string pem)
    {
        try
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return (new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return (new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
        }
    }

    /// <summary>A fresh key of the same kind as <paramref name="key"/>: what a stranger would sign with.</summary>
    public static AsymmetricSecurityKey CreateKeyLike(AsymmetricSecurityKey key) => key switch
    {
        RsaSecurityKey => new RsaSecurityKey(RSA.Create(2048)),
        _ => new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
    };
}
