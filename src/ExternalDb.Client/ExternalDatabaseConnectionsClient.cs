using System.Globalization;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>The external database connections API: the five methods of Wix's API, plus Probe.</summary>
public sealed class ExternalDatabaseConnectionsClient
{
    private const string Base = "wix-data/v1/external-database-connections";
    private readonly ApiTransport _transport;

    internal ExternalDatabaseConnectionsClient(ApiTransport transport) => _transport = transport;

    /// <summary>Creates a connection; the server checks its adaptor at once and reports the outcome in <see cref="ExternalDatabaseConnection.ConnectionStatus"/>.</summary>
    /// <param name="connection">Name, endpoint and configuration of the new connection.</param>
    /// <param name="options">The connection type (default <see cref="ConnectionType.Standalone"/>).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ExternalDbException">400 for invalid fields, 409 when the name is taken.</exception>
    public async Task<ExternalDatabaseConnection> CreateExternalDatabaseConnectionAsync(
        ExternalDatabaseConnection connection,
        CreateExternalDatabaseConnectionOptions? options = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var body = new JsonObject
        {
            ["externalDatabaseConnection"] = Writable(connection),
            ["connectionType"] = (options?.ConnectionType ?? ConnectionType.Standalone) == ConnectionType.WixServicePlugin ? "WIX_SERVICE_PLUGIN" : "STANDALONE",
        };
        var answer = await _transport.SendAsync<Envelope>(HttpMethod.Post, Base, body, ct).ConfigureAwait(false);
        return answer.ExternalDatabaseConnection;
    }

    /// <summary>Retrieves a connection by name.</summary>
    /// <exception cref="ExternalDbException">404 when no such connection exists.</exception>
    public async Task<ExternalDatabaseConnection> GetExternalDatabaseConnectionAsync(string name, CancellationToken ct = default)
    {
        var answer = await _transport.SendAsync<Envelope>(HttpMethod.Get, Path(name), null, ct).ConfigureAwait(false);
        return answer.ExternalDatabaseConnection;
    }

    /// <summary>Lists connections, oldest first.</summary>
    /// <param name="paging">Limit (default 50, at most 1000) and offset.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListExternalDatabaseConnectionsResponse> ListExternalDatabaseConnectionsAsync(Paging? paging = null, CancellationToken ct = default)
    {
        var path = Base + paging.ToQueryString();
        return _transport.SendAsync<ListExternalDatabaseConnectionsResponse>(HttpMethod.Get, path, null, ct);
    }

    /// <summary>Replaces a connection's endpoint and configuration (a full replacement) and checks the adaptor again.</summary>
    /// <param name="name">The connection to update.</param>
    /// <param name="connection">The new endpoint and configuration; its name, if set, must equal <paramref name="name"/>.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ExternalDbException">400 for invalid fields, 404 when no such connection exists.</exception>
    public async Task<ExternalDatabaseConnection> UpdateExternalDatabaseConnectionAsync(string name, ExternalDatabaseConnection connection, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var writable = Writable(connection with { Name = connection.Name ?? name });
        var answer = await _transport.SendAsync<Envelope>(HttpMethod.Put, Path(name), new JsonObject { ["externalDatabaseConnection"] = writable }, ct).ConfigureAwait(false);
        return answer.ExternalDatabaseConnection;
    }

    /// <summary>Deletes a connection.</summary>
    /// <exception cref="ExternalDbException">404 when no such connection exists.</exception>
    public async Task DeleteExternalDatabaseConnectionAsync(string name, CancellationToken ct = default) =>
        await _transport.SendAsync<JsonObject>(HttpMethod.Delete, Path(name), null, ct).ConfigureAwait(false);

    /// <summary>Checks the connection's adaptor again now and returns the updated connection (an ExternalDb addition).</summary>
    /// <exception cref="ExternalDbException">404 when no such connection exists.</exception>
    public async Task<ExternalDatabaseConnection> ProbeExternalDatabaseConnectionAsync(string name, CancellationToken ct = default)
    {
        var answer = await _transport.SendAsync<Envelope>(HttpMethod.Post, Path(name) + "/probe", null, ct).ConfigureAwait(false);
        return answer.ExternalDatabaseConnection;
    }

    /// <summary>
    /// The checks of a connection's adaptor, newest first: those at create, update and probe and the server's background
    /// checks (an ExternalDb addition). The server keeps a configurable number per connection.
    /// </summary>
    /// <param name="name">The connection.</param>
    /// <param name="paging">Limit (default 50, at most 1000) and offset.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ExternalDbException">404 when no such connection exists, 400 for invalid paging.</exception>
    public Task<ConnectionStatusHistory> GetStatusHistoryAsync(string name, Paging? paging = null, CancellationToken ct = default) =>
        _transport.SendAsync<ConnectionStatusHistory>(HttpMethod.Get, Path(name) + "/status-history" + paging.ToQueryString(), null, ct);

    private static string Path(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Base + "/" + Uri.EscapeDataString(name);
    }

    private static JsonObject Writable(ExternalDatabaseConnection connection)
    {
        var node = new JsonObject();
        if (connection.Name is not null)
        {
            node["name"] = connection.Name;
        }
        if (connection.Endpoint is not null)
        {
            node["endpoint"] = connection.Endpoint;
        }
        if (connection.Configuration is not null)
        {
            node["configuration"] = connection.Configuration.DeepClone();
        }
        return node;
    }

    private sealed record Envelope(ExternalDatabaseConnection ExternalDatabaseConnection);
}

/// <summary>API key management (an ExternalDb addition; needs an ADMIN key).</summary>
public sealed class ApiKeysClient
{
    private const string Base = "v1/api-keys";
    private readonly ApiTransport _transport;

    internal ApiKeysClient(ApiTransport transport) => _transport = transport;

    /// <summary>Creates an API key holding <paramref name="permissions"/>; the secret is in the answer only this once.</summary>
    public Task<CreatedApiKey> CreateApiKeyAsync(string name, IEnumerable<string> permissions, CancellationToken ct = default)
    {
        var body = new JsonObject { ["name"] = name, ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode?)p)]) };
        return _transport.SendAsync<CreatedApiKey>(HttpMethod.Post, Base, body, ct);
    }

    /// <summary>Lists the API keys (never their secrets).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken ct = default) =>
        (await _transport.SendAsync<KeyList>(HttpMethod.Get, Base, null, ct).ConfigureAwait(false)).ApiKeys;

    /// <summary>Deletes an API key.</summary>
    public async Task DeleteApiKeyAsync(string id, CancellationToken ct = default) =>
        await _transport.SendAsync<JsonObject>(HttpMethod.Delete, Base + "/" + Uri.EscapeDataString(id), null, ct).ConfigureAwait(false);

    private sealed record KeyList(IReadOnlyList<ApiKey> ApiKeys);
}
