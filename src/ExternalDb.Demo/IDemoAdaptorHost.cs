namespace ExternalDb.Demo;

/// <summary>
/// What the demo adaptor needs of the server that hosts it, and nothing more: where its files go, how the server
/// keeps small secrets and private folders, which addresses count as loopback, and the public key of a V3 connection
/// (by its application id) so that the demo adaptor trusts the tokens that connection signs.
/// </summary>
public interface IDemoAdaptorHost
{
    /// <summary>The server's data directory (absolute); the demo's SQLite file and secret live there.</summary>
    string DataDirectory { get; }

    /// <summary>The addresses the server is configured to listen on.</summary>
    IReadOnlyList<string> ListenAddresses { get; }

    /// <summary>Whether <paramref name="address"/> is reachable from this machine only.</summary>
    bool IsLoopback(string address);

    /// <summary>Creates a folder only its owner may enter.</summary>
    void CreatePrivateDirectory(string path);

    /// <summary>The trimmed text of an owner-only file, made from <paramref name="make"/> when missing; whether this call made it.</summary>
    (string Value, bool Created) ReadOrCreatePrivateFile(string path, Func<string> make);
}

/// <summary>The public keys of the hosting server's V3 connections, registered in its services by the server.</summary>
public interface IDemoConnectionKeys
{
    /// <summary>The base64 SubjectPublicKeyInfo of the connection whose application id is <paramref name="applicationId"/>, if any.</summary>
    ValueTask<string?> FindPublicKeyAsync(string applicationId, CancellationToken ct);
}
