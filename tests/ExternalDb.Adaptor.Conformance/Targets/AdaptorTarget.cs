using ExternalDb.Protocol;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.Targets;

/// <summary>The key and claims the kit signs V3 requests with.</summary>
/// <param name="Key">The private key (ECDSA P-256 or RSA).</param>
/// <param name="Algorithm"><c>ES256</c> or <c>RS256</c>, matching <paramref name="Key"/>.</param>
/// <param name="Audience">The <c>aud</c> claim the adaptor expects.</param>
/// <param name="Issuer">The <c>iss</c> claim the adaptor expects.</param>
public sealed record V3Credentials(AsymmetricSecurityKey Key, string Algorithm, string Audience, string Issuer);

/// <summary>
/// One adaptor under test: where it is, which protocol the tests speak to it, and how to authenticate.
/// </summary>
/// <param name="Name">The target's name as shown in test names, e.g. <c>sqlite/v3</c>.</param>
/// <param name="BaseUrl">The adaptor's base URL without trailing slash.</param>
/// <param name="Protocol">V3 (JWT bodies), V2 (legacy, Mongo-style filters) or V1 (legacy, tree filters).</param>
/// <param name="V3">Signing material; null when the target is not spoken to over V3.</param>
/// <param name="SecretKey">The legacy <c>requestContext.settings.secretKey</c>; null when not legacy.</param>
/// <param name="SelfHosted">True for the reference adaptor hosted by the kit (it speaks every protocol at once).</param>
public sealed record AdaptorTarget(
    string Name, string BaseUrl, ProtocolVersion Protocol, V3Credentials? V3, string? SecretKey, bool SelfHosted)
{
    public bool IsLegacy => Protocol is ProtocolVersion.V1 or ProtocolVersion.V2;

    public override string ToString() => Name;
}
