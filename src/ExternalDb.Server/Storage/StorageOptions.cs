namespace ExternalDb.Server.Storage;

/// <summary>Which database holds the registry.</summary>
internal enum StorageProvider
{
    /// <summary>An embedded SQLite file in <see cref="StorageOptions.DataDirectory"/> (one server).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database at <see cref="StorageOptions.ConnectionString"/> (any number of servers).</summary>
    Postgres,
}

/// <summary>Where and how the registry is stored (<c>Storage</c> section).</summary>
internal sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The Npgsql connection string of the registry when <see cref="Provider"/> is <c>postgres</c>. Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Folder of <c>externaldb.db</c> (SQLite) and the encryption key. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Base64 of a 32-byte key that encrypts configurations and private keys at rest. When absent, a key
    /// is made on first start and kept in <c>{DataDirectory}/encryption.key</c>. Servers sharing a registry share this key.
    /// </summary>
    public string? EncryptionKey { get; set; }

    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "externaldb.db");

    /// <summary>
    /// The full path of <c>Storage:DataDirectory</c> as configured, for what is composed before options exist (the
    /// console's data-protection keys, the demo adaptor's files).
    /// </summary>
    public static string DataDirectoryOf(IConfiguration configuration) =>
        Path.GetFullPath(configuration.GetSection(Section).Get<StorageOptions>()?.DataDirectory ?? new StorageOptions().DataDirectory);
}
