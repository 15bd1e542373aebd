using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Probing;
using ExternalDb.Server.StatusChecks;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Connections;

/// <summary>The connections' life: create, replace and re-check, each with a fresh check of the adaptor.</summary>
internal sealed class ConnectionService(
    ConnectionStore store,
    AdaptorProber prober,
    SigningKeyRegistry signingKeys,
    ResolvedConnections resolved,
    Observability.ServerMetrics metrics,
    TimeProvider time,
    ILogger<ConnectionService> logger)
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

        // A V3 connection's key pair is made now; its key is held by the registry from the first check on (an adaptor
        // served by this server, such as the demo, verifies that check), and forgotten if the connection is not stored.
        SigningKey? signing = null;
        PrivateKeyMaterial? privateKey = null;
        if (type == ConnectionType.WixServicePlugin)
        {
            (signing, var pkcs8) = SigningKey.Create(Guid.NewGuid().ToString());
            privateKey = new PrivateKeyMaterial(pkcs8);
            signingKeys.Add(signing);
        }
        var stored = false;
        try
        {
            var adaptor = AdaptorConnections.Of(name, draft.Endpoint, ProtocolVersion.Unknown, draft.Configuration, signing);
            var probe = await prober.ProbeAsync(new ProbeTarget(name, type, adaptor), ct);
            metrics.CheckCompleted(name, probe.Status, CheckTrigger.Create);
            var now = time.UtcNowToMillisecond();
            var connection = new ExternalDatabaseConnection
            {
                Name = name,
                Endpoint = draft.Endpoint,
                Configuration = draft.Configuration,
                ConnectionStatus = probe.Status,
                Capabilities = probe.Capabilities,
                ProtocolVersion = probe.ProtocolVersion,
                PublicKey = signing?.PublicKey,
                ApplicationId = signing?.ApplicationId,
                ConnectionType = type,
                CreatedDate = now,
                UpdatedDate = now,
            };
            await store.InsertAsync(new StoredConnection(connection, privateKey), ct);
            stored = true;
            Changed(name);
            logger.LogInformation("Created connection {Connection} ({Type})", name, type);
            return connection;
        }
        finally
        {
            if (signing is not null && !stored)
            {
                signingKeys.Remove(signing.ApplicationId);
            }
        }
    }

    /// <summary>Replaces endpoint and configuration and re-checks; null when the connection does not exist.</summary>
    public async Task<ExternalDatabaseConnection?> UpdateAsync(StoredConnection existing, ConnectionDraft draft, CancellationToken ct)
    {
        var current = existing.Connection;
        var probe = await prober.ProbeAsync(Target(current with { Endpoint = draft.Endpoint, Configuration = draft.Configuration }, SigningOf(existing)), ct);
        metrics.CheckCompleted(current.Name, probe.Status, CheckTrigger.Update);
        var updated = current with
        {
            Endpoint = draft.Endpoint,
            Configuration = draft.Configuration,
            ConnectionStatus = probe.Status,
            Capabilities = probe.Capabilities,
            ProtocolVersion = probe.ProtocolVersion,
            UpdatedDate = time.UtcNowToMillisecond(),
        };
        var replaced = await store.ReplaceAsync(existing with { Connection = updated }, ct);
        Changed(current.Name);
        if (!replaced)
        {
            return null;
        }
        logger.LogInformation("Updated connection {Connection}", current.Name);
        return updated;
    }

    /// <summary>Checks the adaptor again and stores what was found; null when the connection does not exist (or changed meanwhile, for a scheduled check).</summary>
    public async Task<ExternalDatabaseConnection?> ProbeAsync(StoredConnection existing, string trigger, CancellationToken ct)
    {
        var current = existing.Connection;
        var probe = await prober.ProbeAsync(Target(current, SigningOf(existing)), ct);
        metrics.CheckCompleted(current.Name, probe.Status, trigger);
        var updated = current with
        {
            ConnectionStatus = probe.Status,
            Capabilities = probe.Capabilities,
            ProtocolVersion = probe.ProtocolVersion,
            UpdatedDate = time.UtcNowToMillisecond(),
        };
        var stored = await store.UpdateStatusAsync(existing with { Connection = updated }, current.UpdatedDate, current.ConnectionStatus, ct);
        Changed(current.Name);
        if (stored)
        {
            return updated;
        }
        // The connection changed while its adaptor was checked: what is stored now is the answer. If it was deleted
        // (and perhaps made anew under the same name), the connection that was checked is gone.
        var now = (await store.GetAsync(current.Name, ct))?.Connection;
        return now?.CreatedDate == current.CreatedDate ? now : null;
    }

    /// <summary>Deletes a connection; false when it does not exist.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        var deleted = await store.DeleteAsync(name, ct);
        Changed(name, deleted.ApplicationId);
        return deleted.Found;
    }

    /// <summary>
    /// What every committed change of a connection is followed by: what was resolved or imported of it is forgotten here
    /// (the other servers sharing the registry are told by the store, in the change's transaction).
    /// </summary>
    private void Changed(string name, string? goneApplicationId = null)
    {
        resolved.Invalidate(name);
        if (goneApplicationId is not null)
        {
            signingKeys.Remove(goneApplicationId);
        }
    }

    private static ProbeTarget Target(ExternalDatabaseConnection c, SigningKey? signing) =>
        new(c.Name, c.ConnectionType, AdaptorConnections.Of(c, signing));

    private SigningKey? SigningOf(StoredConnection stored) => resolved.SigningKeyOf(stored);

}
