using System.Security.Cryptography;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>The registry a test's servers keep their state in: one suite runs on both.</summary>
public enum Registry
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Settings that put servers on a <see cref="Registry"/>: SQLite in the data directory the settings name (or each
/// server's own), or a fresh database on the test class's PostgreSQL cluster with an encryption key of its own, which
/// every server started with the same settings shares.
/// </summary>
public static class RegistrySettings
{
    public static async Task<Dictionary<string, string?>> ForAsync(Registry registry, PostgresFixture postgres, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var result = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (registry == Registry.Postgres)
        {
            result["Storage:Provider"] = "postgres";
            result["Storage:ConnectionString"] = await postgres.CreateDatabaseAsync("registry_" + Guid.NewGuid().ToString("N"));
            result["Storage:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        return result;
    }
}

/// <summary>One server per registry for the tests of a class (they run one after another), each started on first use.</summary>
public sealed class RegistryServers : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private readonly Dictionary<Registry, Task<ServerInstance>> _servers = [];

    public Task<ServerInstance> GetAsync(Registry registry)
    {
        lock (_servers)
        {
            if (!_servers.TryGetValue(registry, out var server))
            {
                _servers[registry] = server = StartAsync(registry);
            }
            return server;
        }
    }

    private async Task<ServerInstance> StartAsync(Registry registry) =>
        await ServerInstance.StartAsync(await RegistrySettings.ForAsync(registry, _postgres));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            // One that did not start failed its test, which said why.
            await server.ContinueWith(_ => { }, TaskScheduler.Default);
            if (server.IsCompletedSuccessfully)
            {
                await (await server).DisposeAsync();
            }
        }
        await ((IAsyncLifetime)_postgres).DisposeAsync();
    }
}
