using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Auth;

/// <summary>Reads an EC or RSA public key given as PEM or as base64 of the DER SubjectPublicKeyInfo.</summary>
public static class PublicKeyParser
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> when it is not a public key.</summary>
    public static SecurityKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new FormatException("A private key was given where a public key is expected.");
        }
        try
        {
            if (trimmed.StartsWith("-----BEGIN", StringComparison.Ordinal))
            {
                try
                {
                    var ec = ECDsa.Create();
                    ec.ImportFromPem(trimmed);
                    return new ECDsaSecurityKey(ec);
                }
                catch (Exception e) when (e is CryptographicException or ArgumentException)
                {
                    var rsa = RSA.Create();
                    rsa.ImportFromPem(trimmed);
                    return new RsaSecurityKey(rsa);
                }
            }
            var der = Convert.FromBase64String(string.Concat(trimmed.Where(c => !char.IsWhiteSpace(c))));
            try
            {
                var ec = ECDsa.Create();
                ec.ImportSubjectPublicKeyInfo(der, out _);
                return new ECDsaSecurityKey(ec);
            }
            catch (CryptographicException)
            {
                var rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(der, out _);
                return new RsaSecurityKey(rsa);
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            throw new FormatException("Not a PEM or base64 SubjectPublicKeyInfo EC or RSA public key.", e);
        }
    }
}
