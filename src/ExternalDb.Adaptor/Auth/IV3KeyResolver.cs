using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Auth;

/// <summary>The keys that may sign V3 requests for one audience (ES256 or RS256 public keys).</summary>
/// <param name="Keys">Every key currently valid for the audience; several allow key rotation.</param>
public sealed record V3Keys(IReadOnlyList<SecurityKey> Keys);

/// <summary>
/// Finds the verification keys of a V3 request from its (not yet verified) <c>aud</c> claim. The default
/// implementation uses <c>Adaptor:Audience</c> and <c>Adaptor:JwtPublicKeys</c>; a host may register its own
/// (for example: audience = a connection's application id, keys = that connection's public key).
/// </summary>
public interface IV3KeyResolver
{
    /// <summary>The keys for <paramref name="audience"/>, or null when the audience is unknown (the request gets 401).</summary>
    ValueTask<V3Keys?> ResolveAsync(string audience, CancellationToken ct);
}
