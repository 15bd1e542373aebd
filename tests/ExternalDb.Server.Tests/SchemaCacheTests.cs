using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The gateway's collection-schema cache: a collection made behind its back is found before a 404 is answered.</summary>
public sealed class SchemaCacheTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("externaldb-schema-cache-tests-").FullName;

    public void Dispose() => TempFiles.TryDelete(_dataDirectory);

    [Fact]
    public async Task A_collection_made_at_the_adaptor_is_served_before_the_cache_expires_and_an_unknown_one_is_still_404()
    {
        // A long TTL: only the refresh on a miss can find the new collection within this test.
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _dataDirectory,
            ["Gateway:SchemaCacheTtl"] = "01:00:00",
        });
        var http = server.Http(ServerInstance.AdminKey);
        var secret = (await http.GetRawAsync("v1/demo-adaptor")).Json["secretKey"]!.GetValue<string>();
        var name = Names.New("cache");
        var created = await http.CreateRawAsync(RawApi.CreateBody(name, new Uri(server.BaseAddress, "demo-adaptor").ToString(),
            new JsonObject { ["secretKey"] = secret }, "STANDALONE"));
        Assert.True(created["connectionStatus"]!["successful"]!.GetValue<bool>(), created.ToJsonString());
        var collection = "made_elsewhere_" + Guid.NewGuid().ToString("N")[..8];

        // The list is cached and lacks the collection.
        Assert.Equal(404, (await http.GetRawAsync($"wix-data/v2/collections/{name}%2F{collection}")).Status);

        // Made straight at the adaptor, as another server or the database's own tools would.
        var made = await http.PostJsonAsync("demo-adaptor/schemas/create", new JsonObject
        {
            ["collectionName"] = collection,
            ["requestContext"] = new JsonObject { ["settings"] = new JsonObject { ["secretKey"] = secret }, ["role"] = "OWNER" },
        }.ToJsonString());
        Assert.True(made.Status == 200, made.Body);
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // older than the interval between refreshes on a miss

        var found = await http.GetRawAsync($"wix-data/v2/collections/{name}%2F{collection}");
        Assert.True(found.Status == 200, found.Body);
        Assert.Equal($"{name}/{collection}", found.Json["collection"]!["id"]!.GetValue<string>());
        var query = await http.PostJsonAsync("wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = $"{name}/{collection}", ["query"] = new JsonObject() }.ToJsonString());
        Assert.True(query.Status == 200, query.Body);

        var unknown = await http.GetRawAsync($"wix-data/v2/collections/{name}%2Fnever_made");
        Assert.Equal(404, unknown.Status);
        Assert.Contains("WDE0025", unknown.Body, StringComparison.Ordinal);
    }
}
