using System.Security.Cryptography;
using ExternalDb.Protocol;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// A V3 connection's signing key, imported once: its application id (the tokens' audience), the private key as the JWT
/// library signs with it (which caches its signature provider), and the public key as the connection shows it.
/// Never printed: <see cref="ToString"/> hides it.
/// </summary>
internal sealed class SigningKey
{
    private SigningKey(string applicationId, ECDsa key)
    {
        ApplicationId = applicationId;
        SecurityKey = new ECDsaSecurityKey(key);
        PublicKey = V3RequestSigner.ExportPublicKey(key);
    }

    /// <summary>The connection's application id: the <c>aud</c> of its tokens.</summary>
    public string ApplicationId { get; }

    /// <summary>Base64 of the DER SubjectPublicKeyInfo, as the connection shows it.</summary>
    public string PublicKey { get; }

    internal ECDsaSecurityKey SecurityKey { get; }

    /// <summary>A new ECDSA P-256 key for a connection being created, and its PKCS#8 form to store.</summary>
    public static (SigningKey Key, byte[] Pkcs8) Create(string applicationId)
    {
        var key = V3RequestSigner.CreateKey();
        return (new SigningKey(applicationId, key), key.ExportPkcs8PrivateKey());
    }

    /// <summary>The key stored as PKCS#8.</summary>
    public static SigningKey Import(string applicationId, ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return new SigningKey(applicationId, key);
    }

    public override string ToString() => "[signing key]";
}
