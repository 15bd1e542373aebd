using System.Collections.Concurrent;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Connections;

/// <summary>
/// The connections data calls use, read from the registry, decrypted and resolved once and then held: a data call
/// with a warm entry touches neither the registry nor a key. Every change this server makes to a connection
/// (create, update, check, delete) goes through <see cref="ConnectionService"/>, which drops the entry; other servers
/// sharing a PostgreSQL registry drop theirs when told (<see cref="RegistryChanges"/>). An entry is also read again after
/// <see cref="MaxAge"/>, for changes that could not be told (SQLite, or a listener that was down).
/// </summary>
internal sealed class ResolvedConnections(ConnectionStore store, SigningKeyRegistry signingKeys, TimeProvider time)
{
    /// <summary>How long an entry is used before the registry is read again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, ResolvedConnection Connection)> _entries = new(StringComparer.Ordinal);
    private long _changes;

    /// <summary>The connection named <paramref name="name"/>, or null when there is none.</summary>
    public async Task<ResolvedConnection?> GetAsync(string name, CancellationToken ct)
    {
        var key = ConnectionStore.NameKey(name);
        if (_entries.TryGetValue(key, out var held) && held.Expires > time.GetUtcNow())
        {
            return held.Connection;
        }
        var changesBefore = Interlocked.Read(ref _changes);
        var stored = await store.GetAsync(name, ct);
        if (stored is null)
        {
            return null;
        }
        var resolved = Resolve(stored);
        // A change made while the registry was read may not be in what was read: then it is used once, not held.
        if (Interlocked.Read(ref _changes) == changesBefore)
        {
            _entries[key] = (time.GetUtcNow() + MaxAge, resolved);
        }
        return resolved;
    }

    /// <summary>Drops the entry of <paramref name="name"/>: the connection was created, changed, checked or deleted.</summary>
    public void Invalidate(string name) => InvalidateKey(ConnectionStore.NameKey(name));

    /// <summary>Drops the entry of the connection whose <see cref="ConnectionStore.NameKey"/> is <paramref name="nameKey"/>.</summary>
    public void InvalidateKey(string nameKey)
    {
        Interlocked.Increment(ref _changes);
        _entries.TryRemove(nameKey, out _);
    }

    /// <summary>Drops every entry (changes made meanwhile by other servers may have gone unheard).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _changes);
        _entries.Clear();
    }

    /// <summary>The V3 signing key of a stored connection, imported once; null for legacy connections.</summary>
    public SigningKey? SigningKeyOf(StoredConnection stored) =>
        stored.Connection.ApplicationId is { } applicationId && stored.PrivateKey is { } key ? signingKeys.GetOrImport(applicationId, key.Pkcs8) : null;

    private ResolvedConnection Resolve(StoredConnection stored) => new(
        stored.Connection,
        AdaptorConnections.Of(stored.Connection, SigningKeyOf(stored)),
        SecretScrubber.SecretsOf(stored.Connection.Configuration));
}
