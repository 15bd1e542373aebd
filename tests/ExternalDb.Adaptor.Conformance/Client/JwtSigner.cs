using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Targets;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.Client;

/// <summary>
/// Builds V3 request bodies: a compact JWT with claims
/// <c>{iss, aud, iat, exp, data: {request, metadata: {requestId, instanceId, identity: {identityType: "APP", appId}}}}</c>.
/// The auth tests bend single claims or the signature through the hooks here.
/// </summary>
public static class JwtSigner
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The claims of a valid request, signed a moment ago and valid for 60 s.</summary>
    public static JsonObject Claims(V3Credentials credentials, JsonNode? request)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = credentials.Issuer,
            ["aud"] = credentials.Audience,
            ["iat"] = now,
            ["exp"] = now + 60,
            ["data"] = new JsonObject
            {
                ["request"] = request?.DeepClone() ?? new JsonObject(),
                ["metadata"] = new JsonObject
                {
                    ["requestId"] = Guid.NewGuid().ToString(),
                    ["instanceId"] = "conformance-instance",
                    ["identity"] = new JsonObject { ["identityType"] = "APP", ["appId"] = credentials.Audience },
                },
            },
        };
    }

    /// <summary>Signs <paramref name="request"/> as a valid V3 call.</summary>
    public static string Sign(V3Credentials credentials, JsonNode? request) =>
        SignClaims(credentials.Key, credentials.Algorithm, Claims(credentials, request));

    /// <summary>Signs arbitrary claims with the given key and algorithm.</summary>
    public static string SignClaims(SecurityKey key, string algorithm, JsonObject claims) =>
        Handler.CreateToken(claims.ToJsonString(), new SigningCredentials(key, algorithm));

    /// <summary>
    /// Signs a valid V3 call whose <c>data.request</c> is the raw JSON <paramref name="requestJson"/>, byte for byte: for
    /// requests a JSON writer does not produce (a key given twice, invalid UTF-8, <c>\ud800</c>, <c>1e400</c>).
    /// </summary>
    public static string SignRawRequest(V3Credentials credentials, byte[] requestJson)
    {
        const string placeholder = "\"raw-request-placeholder\"";
        var claims = Claims(credentials, JsonValue.Create("raw-request-placeholder")).ToJsonString();
        var at = claims.IndexOf(placeholder, StringComparison.Ordinal);
        byte[] payload = [.. Encoding.UTF8.GetBytes(claims[..at]), .. requestJson, .. Encoding.UTF8.GetBytes(claims[(at + placeholder.Length)..])];
        var header = new JsonObject { ["alg"] = credentials.Algorithm, ["typ"] = "JWT" }.ToJsonString();
        var signingInput = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload);
        var provider = credentials.Key.CryptoProviderFactory.CreateForSigning(credentials.Key, credentials.Algorithm);
        try
        {
            return signingInput + "." + Base64UrlEncoder.Encode(provider.Sign(Encoding.ASCII.GetBytes(signingInput)));
        }
        finally
        {
            credentials.Key.CryptoProviderFactory.ReleaseSignatureProvider(provider);
        }
    }

    /// <summary>An unsigned token (<c>alg: none</c>, empty signature) carrying <paramref name="claims"/>.</summary>
    public static string Unsigned(JsonObject claims) =>
        Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncoder.Encode(claims.ToJsonString()) + ".";

    /// <summary>Replaces the payload of a signed token with <paramref name="claims"/>, keeping the old signature.</summary>
    public static string WithPayload(string token, JsonObject claims)
    {
        var parts = token.Split('.');
        return parts[0] + "." + Base64UrlEncoder.Encode(claims.ToJsonString()) + "." + parts[2];
    }

    /// <summary>An HS256 token keyed with <paramref name="secret"/> (the classic key-confusion attack uses the public key).</summary>
    public static string Hs256(byte[] secret, JsonObject claims) =>
        SignClaims(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256, claims);

    /// <summary>The bytes of the public key as an adaptor would hold it (base64 SPKI text).</summary>
    public static byte[] PublicKeyText(AsymmetricSecurityKey key) => key switch
    {
        ECDsaSecurityKey ec => Encoding.ASCII.GetBytes(Convert.ToBase64String(ec.ECDsa.ExportSubjectPublicKeyInfo())),
        RsaSecurityKey rsa => Encoding.ASCII.GetBytes(Convert.ToBase64String((rsa.Rsa ?? System.Security.Cryptography.RSA.Create(rsa.Parameters)).ExportSubjectPublicKeyInfo())),
        _ => throw new ArgumentException("Unsupported key type.", nameof(key)),
    };
}
