namespace ExternalDb.Server.Storage;

/// <summary>Where and how the registry is stored (<c>Storage</c> section).</summary>
public sealed class StorageOptions
{
    /// <summary>Folder of <c>externaldb.db</c> and the encryption key. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Base64 of a 32-byte key that encrypts configurations and private keys at rest. When absent, a key
    /// is made on first start and kept in <c>{DataDirectory}/encryption.key</c>.
    /// </summary>
    public string? EncryptionKey { get; set; }

    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "externaldb.db");
}
