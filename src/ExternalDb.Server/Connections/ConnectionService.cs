using ExternalDb.Server.Hosting;
using System.Security.Cryptography;
using ExternalDb.Protocol;
using ExternalDb.Server.Probing;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Connections;

/// <summary>The connections' life: create, replace and re-check, each with a fresh check of the adaptor.</summary>
public sealed class ConnectionService(ConnectionStore store, AdaptorProber prober, PendingSigningKeys pendingKeys, TimeProvider time, ILogger<ConnectionService> logger)
{
    /// <summary>Creates a connection; throws <see cref="DuplicateConnectionNameException"/> when its name is taken.</summary>
    public async Task<ExternalDatabaseConnection> CreateAsync(ConnectionDraft draft, ConnectionType type, CancellationToken ct)
    {
        var name = draft.Name!;
        // A cheap early answer; the unique index decides races.
        if (await store.ExistsAsync(name, ct))
        {
            throw new DuplicateConnectionNameException(name);
        }

        PrivateKeyMaterial? privateKey = null;
        string? publicKey = null, applicationId = null;
        if (type == ConnectionType.WixServicePlugin)
        {
            using var key = V3RequestSigner.CreateKey();
            privateKey = new PrivateKeyMaterial(key.ExportPkcs8PrivateKey());
            publicKey = V3RequestSigner.ExportPublicKey(key);
            applicationId = Guid.NewGuid().ToString();
        }

        ProbeResult probe;
        if (applicationId is not null)
        {
            pendingKeys.Add(applicationId, publicKey!);
        }
        try
        {
            probe = await prober.ProbeAsync(new ProbeTarget(name, type, draft.Endpoint, draft.Configuration, applicationId, privateKey), ct);
        }
        finally
        {
            if (applicationId is not null)
            {
                pendingKeys.Remove(applicationId);
            }
        }
        var now = time.UtcNowToMillisecond();
        var connection = new ExternalDatabaseConnection
        {
            Name = name,
            Endpoint = draft.Endpoint,
            Configuration = draft.Configuration,
            ConnectionStatus = probe.Status,
            Capabilities = probe.Capabilities,
            ProtocolVersion = probe.ProtocolVersion,
            PublicKey = publicKey,
            ApplicationId = applicationId,
            ConnectionType = type,
            CreatedDate = now,
            UpdatedDate = now,
        };
        await store.InsertAsync(new StoredConnection(connection, privateKey), ct);
        logger.LogInformation("Created connection {Connection} ({Type})", name, type);
        return connection;
    }

    /// <summary>Replaces endpoint and configuration and re-checks; null when the connection does not exist.</summary>
    public async Task<ExternalDatabaseConnection?> UpdateAsync(StoredConnection existing, ConnectionDraft draft, CancellationToken ct)
    {
        var current = existing.Connection;
        var probe = await prober.ProbeAsync(Target(current with { Endpoint = draft.Endpoint, Configuration = draft.Configuration }, existing.PrivateKey), ct);
        var updated = current with
        {
            Endpoint = draft.Endpoint,
            Configuration = draft.Configuration,
            ConnectionStatus = probe.Status,
            Capabilities = probe.Capabilities,
            ProtocolVersion = probe.ProtocolVersion,
            UpdatedDate = time.UtcNowToMillisecond(),
        };
        if (!await store.ReplaceAsync(existing with { Connection = updated }, ct))
        {
            return null;
        }
        logger.LogInformation("Updated connection {Connection}", current.Name);
        return updated;
    }

    /// <summary>Checks the adaptor again and stores what was found; null when the connection does not exist.</summary>
    public async Task<ExternalDatabaseConnection?> ProbeAsync(StoredConnection existing, CancellationToken ct)
    {
        var current = existing.Connection;
        var probe = await prober.ProbeAsync(Target(current, existing.PrivateKey), ct);
        var updated = current with
        {
            ConnectionStatus = probe.Status,
            Capabilities = probe.Capabilities,
            ProtocolVersion = probe.ProtocolVersion,
            UpdatedDate = time.UtcNowToMillisecond(),
        };
        if (await store.UpdateStatusAsync(existing with { Connection = updated }, current.UpdatedDate, ct))
        {
            return updated;
        }
        // The connection changed while its adaptor was checked: what is stored now is the answer. If it was deleted
        // (and perhaps made anew under the same name), the connection that was checked is gone.
        var now = (await store.GetAsync(current.Name, ct))?.Connection;
        return now?.CreatedDate == current.CreatedDate ? now : null;
    }

    private static ProbeTarget Target(ExternalDatabaseConnection c, PrivateKeyMaterial? key) =>
        new(c.Name, c.ConnectionType, c.Endpoint, c.Configuration, c.ApplicationId, key);

}
