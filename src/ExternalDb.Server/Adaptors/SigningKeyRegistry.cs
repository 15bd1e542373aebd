using System.Collections.Concurrent;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The signing keys of V3 connections, by application id, each imported once: decrypting and importing a key costs
/// more than signing with it. Holds the keys of connections being created too (their first check signs before the
/// connection is stored). Entries are dropped when their connection changes or is deleted; a key in use by a call
/// under way stays valid for that call (keys are not disposed, only forgotten).
/// </summary>
internal sealed class SigningKeyRegistry
{
    private readonly ConcurrentDictionary<string, SigningKey> _keys = new(StringComparer.Ordinal);

    /// <summary>The key of <paramref name="applicationId"/>, imported from <paramref name="pkcs8"/> unless it is held already.</summary>
    public SigningKey GetOrImport(string applicationId, ReadOnlySpan<byte> pkcs8) =>
        _keys.TryGetValue(applicationId, out var key) ? key : _keys.GetOrAdd(applicationId, SigningKey.Import(applicationId, pkcs8));

    /// <summary>Holds the key of a connection being created.</summary>
    public void Add(SigningKey key) => _keys[key.ApplicationId] = key;

    /// <summary>The key of <paramref name="applicationId"/> if it is held.</summary>
    public SigningKey? Find(string applicationId) => _keys.GetValueOrDefault(applicationId);

    /// <summary>Forgets the key of <paramref name="applicationId"/> (its connection changed, was deleted, or was not created).</summary>
    public void Remove(string applicationId) => _keys.TryRemove(applicationId, out _);
}
