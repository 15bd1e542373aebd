using ExternalDb.Server.Hosting;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Auth;

/// <summary>An API key as the API shows it: never its secret.</summary>
internal sealed record ApiKey(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedDate);

/// <summary>A freshly made key's secret, shown once. Its own type so that it is not printed by accident.</summary>
internal sealed class ApiKeySecret(string value)
{
    public string Value { get; } = value;

    public override string ToString() => "[api key]";
}

/// <summary>What starting with or without <c>Auth:BootstrapAdminKey</c> did to the bootstrap admin key.</summary>
internal enum BootstrapKeyChange
{
    /// <summary>The stored bootstrap key is the configured one, or none is configured and one is stored.</summary>
    Unchanged,

    /// <summary>No key was stored and none configured: one was generated (shown once).</summary>
    Generated,

    /// <summary>The configured key is stored as the first bootstrap key.</summary>
    Installed,

    /// <summary>The configured key replaced a different stored bootstrap key, which no longer works.</summary>
    Replaced,
}

/// <summary>
/// API keys, stored as SHA-256 hashes in the registry; a presented key is matched by hash and compared in constant time. Keys found are
/// kept in memory (by hash) for <see cref="AuthOptions.KeyCacheDuration"/>, so that a request does not read the registry;
/// a key deleted here leaves the cache at once.
/// </summary>
internal sealed class ApiKeyStore(Database database, TimeProvider time, IOptions<AuthOptions> options)
{
    private const string BootstrapId = "bootstrap-admin";

    /// <summary>Above this many cached keys, adding one first drops the expired ones.</summary>
    private const int SweepAbove = 1024;

    private sealed record CachedKey(ApiKey Key, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<string, CachedKey> _verified = new(StringComparer.Ordinal);
    private readonly Lock _revocation = new();

    /// <summary>Counts deletions: a look-up that raced one (read the key before it went) does not cache what it read.</summary>
    private long _revocations;

    public static ApiKeySecret NewSecret() => new("edb_" + Base64Url(RandomNumberGenerator.GetBytes(32)));

    public async Task<(ApiKey Key, ApiKeySecret Secret)> CreateAsync(string name, IReadOnlyList<string> permissions, CancellationToken ct)
    {
        var secret = NewSecret();
        var key = new ApiKey(Base64Url(RandomNumberGenerator.GetBytes(9)), name, permissions, time.UtcNowToMillisecond());
        await InsertAsync(key, secret, isBootstrap: false, ct);
        return (key, secret);
    }

    public async Task<ApiKey?> FindAsync(string presented, CancellationToken ct)
    {
        var hash = Hash(presented);
        var cacheKey = Convert.ToBase64String(hash);
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(cacheKey, out var cached))
        {
            if (cached.Expires > now)
            {
                return cached.Key;
            }
            _verified.TryRemove(KeyValuePair.Create(cacheKey, cached));
        }
        var revocations = Interlocked.Read(ref _revocations);
        var key = await ReadAsync(hash, ct);
        var lifetime = options.Value.KeyCacheDuration;
        if (key is not null && lifetime > TimeSpan.Zero)
        {
            lock (_revocation)
            {
                if (revocations == _revocations)
                {
                    if (_verified.Count >= SweepAbove)
                    {
                        foreach (var expired in _verified.Where(e => e.Value.Expires <= now))
                        {
                            _verified.TryRemove(expired);
                        }
                    }
                    _verified[cacheKey] = new CachedKey(key, now + lifetime);
                }
            }
        }
        return key;
    }

    /// <summary>Forgets the cached key of <paramref name="hash"/>, and what any look-up in flight read.</summary>
    private void Forget(byte[] hash)
    {
        lock (_revocation)
        {
            _revocations++;
            _verified.TryRemove(Convert.ToBase64String(hash), out _);
        }
    }

    private async Task<ApiKey?> ReadAsync(byte[] hash, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, permissions, created_date, key_hash FROM api_keys WHERE key_hash = @hash";
        command.With("@hash", hash);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || !CryptographicOperations.FixedTimeEquals((byte[])reader.GetValue(4), hash))
        {
            return null;
        }
        return Read(reader);
    }

    /// <summary>The key with <paramref name="id"/>, or null when it was revoked (or never existed).</summary>
    public async Task<ApiKey?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, permissions, created_date FROM api_keys WHERE id = @id";
        command.With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, permissions, created_date FROM api_keys ORDER BY created_date, id";
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add(Read(reader));
        }
        return keys;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM api_keys WHERE id = @id RETURNING key_hash";
        command.With("@id", id);
        var deleted = await command.ExecuteScalarAsync(ct) as byte[];
        if (deleted is null)
        {
            return false;
        }
        Forget(deleted);
        return true;
    }

    /// <summary>
    /// Makes sure an admin key exists. A configured key replaces the stored bootstrap key (its entry then dates from
    /// now, so the key list says when the current key was set); without one, a key is generated on first start only
    /// and returned so that it can be shown once.
    /// </summary>
    public async Task<(BootstrapKeyChange Change, ApiKeySecret? Generated)> EnsureBootstrapAsync(string? configuredKey, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var existing = connection.CreateCommand();
        existing.CommandText = "SELECT key_hash FROM api_keys WHERE id = @id";
        existing.With("@id", BootstrapId);
        var storedHash = await existing.ExecuteScalarAsync(ct) as byte[];

        ApiKeySecret? generated = null;
        byte[] hash;
        BootstrapKeyChange change;
        if (!string.IsNullOrEmpty(configuredKey))
        {
            hash = Hash(configuredKey);
            if (storedHash is not null && CryptographicOperations.FixedTimeEquals(storedHash, hash))
            {
                return (BootstrapKeyChange.Unchanged, null);
            }
            change = storedHash is null ? BootstrapKeyChange.Installed : BootstrapKeyChange.Replaced;
        }
        else if (storedHash is not null)
        {
            return (BootstrapKeyChange.Unchanged, null);
        }
        else
        {
            generated = NewSecret();
            hash = Hash(generated.Value);
            change = BootstrapKeyChange.Generated;
        }

        // A generated key never replaces one that another server starting at the same moment stored first.
        await using var upsert = connection.Command(transaction,
            "INSERT INTO api_keys (id, name, permissions, key_hash, is_bootstrap, created_date) VALUES (@id, 'bootstrap admin', @permissions, @hash, 1, @created) " +
            (generated is null
                ? "ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, permissions = excluded.permissions, created_date = excluded.created_date"
                : "ON CONFLICT(id) DO NOTHING"));
        upsert.With("@id", BootstrapId);
        upsert.With("@permissions", JsonSerializer.Serialize(new[] { Permissions.Admin }));
        upsert.With("@hash", hash);
        upsert.With("@created", Format(time.UtcNowToMillisecond()));
        var written = await upsert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        if (written == 0)
        {
            return (BootstrapKeyChange.Unchanged, null);
        }
        if (storedHash is not null)
        {
            Forget(storedHash);
        }
        return (change, generated);
    }

    private async Task InsertAsync(ApiKey key, ApiKeySecret secret, bool isBootstrap, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO api_keys (id, name, permissions, key_hash, is_bootstrap, created_date) VALUES (@id, @name, @permissions, @hash, @bootstrap, @created)";
        command.With("@id", key.Id);
        command.With("@name", key.Name);
        command.With("@permissions", JsonSerializer.Serialize(key.Permissions));
        command.With("@hash", Hash(secret.Value));
        command.With("@bootstrap", isBootstrap ? 1 : 0);
        command.With("@created", Format(key.CreatedDate));
        await command.ExecuteNonQueryAsync(ct);
    }

    private static ApiKey Read(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), r.GetString(1), JsonSerializer.Deserialize<string[]>(r.GetString(2)) ?? [],
        DateTimeOffset.Parse(r.GetString(3), CultureInfo.InvariantCulture));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Format(DateTimeOffset date) => date.ToWireString();

}
