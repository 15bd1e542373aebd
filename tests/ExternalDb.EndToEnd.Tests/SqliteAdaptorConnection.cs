using System.Text.Json.Nodes;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>How the gateway talks to our reference adaptor.</summary>
public enum AdaptorProtocol
{
    /// <summary>A WIX_SERVICE_PLUGIN connection: created without endpoint, the adaptor trusts its public key, then the endpoint is set.</summary>
    V3,

    /// <summary>A STANDALONE connection with a shared secret (the legacy V2 protocol).</summary>
    Standalone,
}

/// <summary>
/// Our reference adaptor over a fresh SQLite file, connected to a <see cref="GatewayServer"/> under a given name.
/// Disposing stops the adaptor and deletes the database file.
/// </summary>
public sealed class SqliteAdaptorConnection : IAsyncDisposable
{
    private const string StandaloneSecret = "sdk-e2e-secret-3c9a";
    private readonly ReferenceAdaptor _adaptor;
    private readonly string _databaseFile;

    private SqliteAdaptorConnection(string name, ReferenceAdaptor adaptor, string databaseFile)
    {
        Name = name;
        _adaptor = adaptor;
        _databaseFile = databaseFile;
    }

    /// <summary>The connection's name: collections are <c>{Name}/{collectionId}</c>.</summary>
    public string Name { get; }

    public static async Task<SqliteAdaptorConnection> ConnectAsync(GatewayServer server, string name, AdaptorProtocol protocol)
    {
        var databaseFile = Path.Combine(Path.GetTempPath(), $"e2e-{name}-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={databaseFile}";
        ReferenceAdaptor adaptor;
        if (protocol == AdaptorProtocol.V3)
        {
            var created = await server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
            adaptor = await ReferenceAdaptor.StartAsync("sqlite", connectionString,
                publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
        }
        else
        {
            adaptor = await ReferenceAdaptor.StartAsync("sqlite", connectionString, secretKey: StandaloneSecret);
        }
        var connection = new SqliteAdaptorConnection(name, adaptor, databaseFile);
        try
        {
            var answer = protocol == AdaptorProtocol.V3
                ? await server.UpdateConnectionAsync(name, adaptor.BaseUrl)
                : await server.CreateConnectionAsync(name, adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = StandaloneSecret });
            Assert.Equal(protocol == AdaptorProtocol.V3 ? "V3" : "V2", answer["protocolVersion"]!.GetValue<string>());
            Assert.True(answer["connectionStatus"]!["successful"]!.GetValue<bool>(), answer.ToJsonString());
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _adaptor.DisposeAsync();
        foreach (var file in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm", _databaseFile + "-journal" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
