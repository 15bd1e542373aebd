using System.Text.Json.Nodes;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Tests.Infrastructure;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>The gateway resolves a connection once and holds it until the server changes that connection.</summary>
public sealed class ResolvedConnectionCacheTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_data_call_with_a_warm_cache_reads_no_connection_from_the_registry(Registry registry)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.OnJson("/data/find", """{"items": [], "totalCount": 0}""").OnJson("/schemas/find", $$"""{"schemas": {{Answers.OneSchema}}}""");
        await using var server = await ServerInstance.StartAsync(await RegistrySettings.ForAsync(registry, postgres));
        var name = await CreateAsync(server, adaptor.Endpoint);
        var store = server.Services.GetRequiredService<ConnectionStore>();
        Assert.Equal(200, (await QueryAsync(server, name)).Status);
        var queriesBefore = store.Queries;
        var findsBefore = adaptor.ReceivedAt("/data/find").Count;

        var again = await QueryAsync(server, name);

        Assert.Equal(200, again.Status);
        Assert.Equal(findsBefore + 1, adaptor.ReceivedAt("/data/find").Count);
        Assert.Equal(queriesBefore, store.Queries);
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task An_update_is_seen_by_the_next_data_call_and_a_delete_ends_them(Registry registry)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.OnJson("/data/find", """{"items": [], "totalCount": 0}""").OnJson("/schemas/find", $$"""{"schemas": {{Answers.OneSchema}}}""");
        await using var server = await ServerInstance.StartAsync(await RegistrySettings.ForAsync(registry, postgres));
        var name = await CreateAsync(server, adaptor.Endpoint);
        Assert.Equal(200, (await QueryAsync(server, name)).Status);

        var update = await server.AdminHttp().PutJsonAsync(RawApi.Path(name), new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject
            {
                ["name"] = name,
                ["endpoint"] = adaptor.Endpoint,
                ["configuration"] = new JsonObject { ["secretKey"] = "second-secret" },
            },
        }.ToJsonString());
        Assert.Equal(200, update.Status);
        Assert.Equal(200, (await QueryAsync(server, name)).Status);

        var settings = adaptor.ReceivedAt("/data/find")[^1].Json["requestContext"]!["settings"]!;
        Assert.Equal("second-secret", settings["secretKey"]!.GetValue<string>());

        Assert.Equal(200, (await server.AdminHttp().DeleteRawAsync(RawApi.Path(name))).Status);
        var findsBefore = adaptor.ReceivedAt("/data/find").Count;
        var gone = await QueryAsync(server, name);
        Assert.Equal(404, gone.Status);
        Assert.Equal(findsBefore, adaptor.ReceivedAt("/data/find").Count);
    }

    private static async Task<string> CreateAsync(ServerInstance server, string endpoint)
    {
        var name = Names.New("cache");
        var body = RawApi.CreateBody(name, endpoint, new JsonObject { ["secretKey"] = "first-secret" }, "STANDALONE");
        var connection = await server.AdminHttp().CreateRawAsync(body);
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());
        return name;
    }

    private static Task<RawResponse> QueryAsync(ServerInstance server, string name) =>
        server.AdminHttp().PostJsonAsync("wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = name + "/products" }.ToJsonString());
}
