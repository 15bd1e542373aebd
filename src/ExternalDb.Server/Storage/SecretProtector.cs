using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Storage;

/// <summary>
/// Encrypts secrets at rest (connection configurations, private keys) with AES-256-GCM. The key comes from
/// <c>Storage:EncryptionKey</c> or from <c>{DataDirectory}/encryption.key</c>, made on first start.
/// The purpose is bound as associated data, so a ciphertext cannot be moved to another row or column.
/// </summary>
internal sealed class SecretProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(IOptions<StorageOptions> options)
    {
        _key = LoadKey(options.Value);
    }

    /// <summary>
    /// A 32-byte key for <paramref name="label"/>, derived (HKDF-SHA256) from the encryption key: servers sharing the
    /// key file derive the same keys, and no derived key reveals the encryption key or another label's key.
    /// </summary>
    public byte[] DeriveKey(string label) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, salt: [], info: Encoding.UTF8.GetBytes(label));

    public byte[] Protect(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var output = new byte[1 + NonceSize + TagSize + plaintext.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> protectedData, string purpose)
    {
        if (protectedData.Length < 1 + NonceSize + TagSize || protectedData[0] != FormatVersion)
        {
            throw new CryptographicException("Stored secret has an unknown format.");
        }
        var plaintext = new byte[protectedData.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedData.Slice(1, NonceSize), protectedData[(1 + NonceSize + TagSize)..], protectedData.Slice(1 + NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }

    /// <summary>The 32-byte key that <paramref name="base64"/> holds, or null when it is not base64 of 32 bytes.</summary>
    public static byte[]? ParseKey(string base64)
    {
        try
        {
            var key = Convert.FromBase64String(base64.Trim());
            return key.Length == 32 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] LoadKey(StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            return ParseKey(options.EncryptionKey) ?? throw new InvalidOperationException("Storage:EncryptionKey must be base64 of 32 bytes.");
        }

        var path = Path.Combine(Path.GetFullPath(options.DataDirectory), "encryption.key");
        var (text, _) = PrivateFile.ReadOrCreate(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return ParseKey(text) ?? throw new InvalidOperationException($"{path} does not hold a 32-byte key.");
    }
}
