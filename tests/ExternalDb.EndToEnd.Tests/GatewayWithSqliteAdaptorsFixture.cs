namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// One real server with two connections to our reference adaptor on SQLite: <c>sqlv3</c> (V3, two-call flow) and
/// <c>sqlv2</c> (STANDALONE with a secret). Shared by the tests of a class; each test uses its own collections.
/// </summary>
public sealed class GatewayWithSqliteAdaptorsFixture : IAsyncLifetime
{
    private SqliteAdaptorConnection? _v3;
    private SqliteAdaptorConnection? _standalone;
    private GatewayServer? _server;

    public GatewayServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The name of the connection speaking <paramref name="protocol"/>.</summary>
    public string ConnectionFor(AdaptorProtocol protocol) =>
        (protocol == AdaptorProtocol.V3 ? _v3 : _standalone)?.Name ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        // Multi-MiB bulk writes to SQLite took over the default 10 s per adaptor call on a loaded 2-core machine; the
        // timeout itself is tested with a short one (GatewayOverV3Tests), so here it only must not cut a slow write off.
        _server = await GatewayServer.StartAsync(new Dictionary<string, string?> { ["Gateway:AdaptorTimeout"] = "00:01:00" });
        _v3 = await SqliteAdaptorConnection.ConnectAsync(_server, "sqlv3", AdaptorProtocol.V3);
        _standalone = await SqliteAdaptorConnection.ConnectAsync(_server, "sqlv2", AdaptorProtocol.Standalone);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        if (_v3 is not null)
        {
            await _v3.DisposeAsync();
        }
        if (_standalone is not null)
        {
            await _standalone.DisposeAsync();
        }
    }
}
