using ExternalDb.Server.Tests.Infrastructure;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>
/// Verified API keys are cached: a key revoked through a server stops working there at once, and on another server
/// sharing the registry (SQLite data folder or PostgreSQL database) within <c>Auth:KeyCacheDuration</c>.
/// </summary>
public sealed class ApiKeyCacheTests(PostgresFixture postgres) : IAsyncDisposable, IClassFixture<PostgresFixture>
{
    private const string ListPermission = "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("externaldb-key-cache-tests-").FullName;

    /// <summary>The settings of this test's registry, which every server it starts shares.</summary>
    private Dictionary<string, string?> _registry = [];

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    public ValueTask DisposeAsync()
    {
        TempFiles.TryDelete(_dataDirectory);
        return ValueTask.CompletedTask;
    }

    private async Task UseAsync(Registry registry) => _registry = await RegistrySettings.ForAsync(registry, postgres);

    private Task<ServerInstance> StartAsync(string? cacheDuration = null, TimeProvider? clock = null)
    {
        var settings = new Dictionary<string, string?>(_registry) { ["Storage:DataDirectory"] = _dataDirectory };
        if (cacheDuration is not null)
        {
            settings["Auth:KeyCacheDuration"] = cacheDuration;
        }
        return ServerInstance.StartAsync(settings, services =>
        {
            if (clock is not null)
            {
                services.AddSingleton(clock);
            }
        });
    }

    private static async Task<(string Id, string Secret)> CreateKeyAsync(ServerInstance server)
    {
        var created = await server.AdminHttp().PostJsonAsync("v1/api-keys", $$"""{"name": "cached", "permissions": ["{{ListPermission}}"]}""");
        Assert.True(created.Status == 200, created.Body);
        return (created.Json["apiKey"]!["id"]!.GetValue<string>(), created.Json["key"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_key_revoked_on_another_server_works_here_until_the_cache_duration_has_passed_and_no_longer(Registry registry)
    {
        await UseAsync(registry);
        var clock = new ManualClock();
        await using var here = await StartAsync("00:00:30", clock);
        await using var elsewhere = await StartAsync();
        var (id, secret) = await CreateKeyAsync(elsewhere);
        var mine = here.Http(secret);
        var theirs = elsewhere.Http(secret);
        Assert.Equal(200, (await mine.GetRawAsync(RawApi.Base)).Status);
        Assert.Equal(200, (await theirs.GetRawAsync(RawApi.Base)).Status);

        Assert.Equal(200, (await elsewhere.AdminHttp().DeleteRawAsync("v1/api-keys/" + id)).Status);

        // Revoked through that server: refused there at once.
        ErrorAssert.Application(await theirs.GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
        // Here it is still trusted from memory until the cache duration has passed, and refused from then on.
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(200, (await mine.GetRawAsync(RawApi.Base)).Status);
        clock.Advance(TimeSpan.FromSeconds(1));
        ErrorAssert.Application(await mine.GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_key_revoked_on_this_server_is_refused_at_once_although_it_was_cached(Registry registry)
    {
        await UseAsync(registry);
        var clock = new ManualClock();
        await using var server = await StartAsync("00:10:00", clock);
        var (id, secret) = await CreateKeyAsync(server);
        var http = server.Http(secret);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await http.GetRawAsync(RawApi.Base)).Status);
        }

        Assert.Equal(200, (await server.AdminHttp().DeleteRawAsync("v1/api-keys/" + id)).Status);

        ErrorAssert.Application(await http.GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task With_a_cache_duration_of_zero_a_key_revoked_elsewhere_is_refused_at_once(Registry registry)
    {
        await UseAsync(registry);
        await using var here = await StartAsync("00:00:00");
        await using var elsewhere = await StartAsync();
        var (id, secret) = await CreateKeyAsync(elsewhere);
        var mine = here.Http(secret);
        Assert.Equal(200, (await mine.GetRawAsync(RawApi.Base)).Status);

        Assert.Equal(200, (await elsewhere.AdminHttp().DeleteRawAsync("v1/api-keys/" + id)).Status);

        ErrorAssert.Application(await mine.GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("02:00:00")]
    public async Task A_cache_duration_outside_zero_to_one_hour_stops_the_start(string duration)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(duration));
        Assert.Contains("Auth:KeyCacheDuration", error.ToString(), StringComparison.Ordinal);
    }
}
