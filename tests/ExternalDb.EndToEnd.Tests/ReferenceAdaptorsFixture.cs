using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// One server with connections to reference adaptors of its own, each on its own database and, where asked, behind an
/// <see cref="AdaptorProxy"/>. Disposing stops everything and deletes the SQLite files.
/// </summary>
public abstract class ReferenceAdaptorsFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _parts = [];
    private readonly List<string> _files = [];
    private readonly Dictionary<string, AdaptorProxy> _proxies = new(StringComparer.Ordinal);

    public GatewayServer Server { get; private set; } = null!;

    /// <summary>The proxy in front of a connection's adaptor.</summary>
    public AdaptorProxy Proxy(string connection) => _proxies[connection];

    /// <summary>The shared secret of the V2 connections.</summary>
    protected abstract string Secret { get; }

    /// <summary>The server's settings beyond the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? ServerSettings => null;

    /// <summary>Connects the adaptors (<see cref="ConnectAsync"/>) and adds what the tests read.</summary>
    protected abstract Task ConnectAllAsync();

    public async Task InitializeAsync()
    {
        Server = await GatewayServer.StartAsync(ServerSettings);
        _parts.Add(Server);
        await ConnectAllAsync();
    }

    /// <summary>The connection string of a new SQLite file for <paramref name="name"/>, deleted on dispose.</summary>
    protected string NewSqliteDatabase(string name)
    {
        var file = Path.Combine(Path.GetTempPath(), $"e2e-{GetType().Name}-{name}-{Guid.NewGuid():N}.db");
        _files.Add(file);
        return $"Data Source={file}";
    }

    /// <summary>
    /// Connects the server to a new reference adaptor as <paramref name="name"/>: V3 (the adaptor trusts the connection's
    /// key) or V2 (with <see cref="Secret"/>), through the proxy <paramref name="proxy"/> starts in front of it when given.
    /// </summary>
    protected async Task ConnectAsync(string name, string engine, string connectionString, bool v3, Func<string, Task<AdaptorProxy>>? proxy = null)
    {
        ReferenceAdaptor adaptor;
        if (v3)
        {
            var created = await Server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
            adaptor = await ReferenceAdaptor.StartAsync(engine, connectionString,
                publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
        }
        else
        {
            adaptor = await ReferenceAdaptor.StartAsync(engine, connectionString, secretKey: Secret);
        }
        _parts.Add(adaptor);
        var endpoint = adaptor.BaseUrl;
        if (proxy is not null)
        {
            var started = await proxy(adaptor.BaseUrl);
            _parts.Add(started);
            _proxies[name] = started;
            endpoint = started.BaseUrl;
        }
        var answer = v3
            ? await Server.UpdateConnectionAsync(name, endpoint)
            : await Server.CreateConnectionAsync(name, endpoint, "STANDALONE", new JsonObject { ["secretKey"] = Secret });
        Assert.True(answer["connectionStatus"]!["successful"]!.GetValue<bool>(), answer.ToJsonString());
    }

    public async Task DisposeAsync()
    {
        foreach (var part in Enumerable.Reverse(_parts))
        {
            await part.DisposeAsync();
        }
        foreach (var file in _files.SelectMany(f => new[] { f, f + "-wal", f + "-shm" }))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }
    }
}
