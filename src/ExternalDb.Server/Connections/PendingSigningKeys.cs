using System.Collections.Concurrent;

namespace ExternalDb.Server.Connections;

/// <summary>
/// The public keys of V3 connections being created: their first check runs before the row is stored, and an
/// adaptor served by this very server (the demo) must already be able to verify those requests.
/// </summary>
public sealed class PendingSigningKeys
{
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);

    public void Add(string applicationId, string publicKey) => _keys[applicationId] = publicKey;

    public void Remove(string applicationId) => _keys.TryRemove(applicationId, out _);

    public string? Find(string applicationId) => _keys.TryGetValue(applicationId, out var key) ? key : null;
}
