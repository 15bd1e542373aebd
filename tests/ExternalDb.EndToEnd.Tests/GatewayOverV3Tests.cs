using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>The data gateway over fake V3 adaptors on real sockets: signing, capabilities, permissions, isolation.</summary>
public sealed class GatewayOverV3Tests
{
    private static async Task<JsonObject> ConnectAsync(GatewayServer server, FakeV3Adaptor fake, string name)
    {
        var created = await server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
        fake.Trust(created["publicKey"]!.GetValue<string>(), created["applicationId"]!.GetValue<string>());
        var updated = await server.UpdateConnectionAsync(name, fake.BaseUrl);
        Assert.True(updated["connectionStatus"]!["successful"]!.GetValue<bool>(), updated.ToJsonString());
        return updated;
    }

    private static JsonObject Item(string id, string title, double price) => new() { ["_id"] = id, ["title"] = title, ["price"] = price };

    [Fact]
    public async Task Items_flow_through_a_V3_adaptor_with_requests_the_adaptor_verifies()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        await ConnectAsync(server, fake, "shop");

        var (status, inserted) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = "shop/things", ["dataItem"] = new JsonObject { ["id"] = "a1", ["data"] = new JsonObject { ["title"] = "Lamp", ["price"] = 25 } } });
        Assert.Equal(200, status);
        Assert.Equal("a1", inserted["dataItem"]!["id"]!.GetValue<string>());
        Assert.Equal("shop/things", inserted["dataItem"]!["dataCollectionId"]!.GetValue<string>());
        Assert.Equal("Lamp", inserted["dataItem"]!["data"]!["title"]!.GetValue<string>());

        var (duplicateStatus, duplicate) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = "shop/things", ["dataItem"] = new JsonObject { ["id"] = "a1", ["data"] = new JsonObject() } });
        Assert.Equal(409, duplicateStatus);
        Assert.Equal("WDE0074", duplicate["details"]!["applicationError"]!["code"]!.GetValue<string>());
        Assert.Equal("ITEM_ALREADY_EXISTS", duplicate["details"]!["applicationError"]!["data"]!["adaptorErrorCode"]!.GetValue<string>());

        using var get = await server.Admin.GetAsync("wix-data/v2/items/a1?dataCollectionId=shop%2Fthings");
        Assert.Equal(200, (int)get.StatusCode);
        using var missing = await server.Admin.GetAsync("wix-data/v2/items/zz?dataCollectionId=shop%2Fthings");
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("WDE0073", (await missing.Content.ReadFromJsonAsync<JsonObject>())!["details"]!["applicationError"]!["code"]!.GetValue<string>());

        Assert.Equal(0, fake.Rejected);
        Assert.Contains(fake.Calls, c => c.Path == "items/insert" && c.Request["collectionId"]!.GetValue<string>() == "things");
    }

    [Fact]
    public async Task Query_pages_with_offset_and_cursor_and_reports_hasNext()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        await ConnectAsync(server, fake, "shop");
        fake.Seed([.. Enumerable.Range(0, 7).Select(i => Item($"i{i}", $"t{i}", i))]);

        var (_, first) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = "shop/things",
            ["query"] = new JsonObject { ["paging"] = new JsonObject { ["limit"] = 3, ["offset"] = 0 } },
            ["returnTotalCount"] = true,
        });
        Assert.Equal(3, first["dataItems"]!.AsArray().Count);
        Assert.Equal(7, first["pagingMetadata"]!["total"]!.GetValue<int>());
        Assert.True(first["pagingMetadata"]!["hasNext"]!.GetValue<bool>());

        var seen = new List<string>();
        JsonObject query = new() { ["cursorPaging"] = new JsonObject { ["limit"] = 3 } };
        for (var pages = 0; pages < 10; pages++)
        {
            var (status, page) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = "shop/things", ["query"] = query });
            Assert.Equal(200, status);
            seen.AddRange(page["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            if (!page["pagingMetadata"]!["hasNext"]!.GetValue<bool>())
            {
                break;
            }
            query = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 3, ["cursor"] = page["pagingMetadata"]!["cursors"]!["next"]!.GetValue<string>() } };
        }
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"i{i}"), seen);
    }

    [Fact]
    public async Task Capabilities_refuse_writes_to_read_only_collections_and_unadvertised_operators_without_calling_the_adaptor()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        fake.DataOperations = ["QUERY", "COUNT"];
        await ConnectAsync(server, fake, "ro");
        var before = fake.Calls.Count(c => c.Path.StartsWith("items/", StringComparison.Ordinal));

        var (insertStatus, insert) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = "ro/things", ["dataItem"] = new JsonObject { ["data"] = new JsonObject { ["title"] = "x" } } });
        Assert.Equal(428, insertStatus);
        Assert.Contains("read-only", insert["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var (queryStatus, query) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = "ro/things",
            ["query"] = new JsonObject { ["filter"] = new JsonObject { ["title"] = new JsonObject { ["$startsWith"] = "x" } } },
        });
        Assert.Equal(400, queryStatus);
        Assert.Contains("$startsWith", query["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var (createStatus, _) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = "ro/new",
                ["fields"] = new JsonArray(new JsonObject { ["key"] = "when", ["type"] = "DATETIME" }),
            },
        });
        Assert.Equal(428, createStatus);
        Assert.Equal(before, fake.Calls.Count(c => c.Path.StartsWith("items/", StringComparison.Ordinal)));
        Assert.DoesNotContain(fake.Calls, c => c.Path == "collections/create");
    }

    [Fact]
    public async Task A_read_only_key_can_query_but_not_insert_and_nothing_is_written()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        await ConnectAsync(server, fake, "shop");
        var (_, created) = await GatewayServer.PostAsync(server.Admin, "v1/api-keys",
            new JsonObject { ["name"] = "reader", ["permissions"] = new JsonArray("DATA_READ") });
        using var reader = server.Http(created["key"]!.GetValue<string>());

        var (queryStatus, _) = await GatewayServer.PostAsync(reader, "wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = "shop/things" });
        Assert.Equal(200, queryStatus);
        var (insertStatus, insert) = await GatewayServer.PostAsync(reader, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = "shop/things", ["dataItem"] = new JsonObject { ["data"] = new JsonObject { ["title"] = "x" } } });
        Assert.Equal(403, insertStatus);
        Assert.Equal("PERMISSION_DENIED", insert["details"]!["applicationError"]!["code"]!.GetValue<string>());
        Assert.DoesNotContain(fake.Calls, c => c.Path == "items/insert");
    }

    [Fact]
    public async Task A_connection_whose_check_failed_answers_503_with_its_cause()
    {
        await using var server = await GatewayServer.StartAsync();
        await server.CreateConnectionAsync("pending", null, "WIX_SERVICE_PLUGIN");
        var (status, body) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = "pending/things" });
        Assert.Equal(503, status);
        Assert.Equal("DESTINATION_ENDPOINT_NOT_DEFINED", body["details"]!["applicationError"]!["data"]!["causeOfFailure"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stopped_adaptor_is_502_fast_a_hanging_one_504_in_time_and_other_connections_keep_answering()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string?> { ["Gateway:AdaptorTimeout"] = "00:00:01.5" });
        await using var healthy = await FakeV3Adaptor.StartAsync();
        await using var hanging = await FakeV3Adaptor.StartAsync();
        var stopped = await FakeV3Adaptor.StartAsync();
        await ConnectAsync(server, healthy, "healthy");
        await ConnectAsync(server, hanging, "hanging");
        await ConnectAsync(server, stopped, "stopped");
        // Warm the schema caches, then break two adaptors.
        foreach (var name in new[] { "healthy", "hanging", "stopped" })
        {
            var (warm, _) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = $"{name}/things" });
            Assert.Equal(200, warm);
        }
        await stopped.DisposeAsync();
        hanging.Mode = FakeMode.Hang;

        var clock = Stopwatch.StartNew();
        var (stoppedStatus, stoppedBody) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = "stopped/things" });
        Assert.Equal(502, stoppedStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"a stopped adaptor took {clock.Elapsed}");
        Assert.Equal("ADAPTOR_UNREACHABLE", stoppedBody["details"]!["applicationError"]!["code"]!.GetValue<string>());

        clock.Restart();
        var hangingCall = GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = "hanging/things" });
        for (var i = 0; i < 5; i++)
        {
            var (healthyStatus, _) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = "healthy/things" });
            Assert.Equal(200, healthyStatus);
        }
        Assert.False(hangingCall.IsCompleted, "the hanging call should still be waiting while the healthy connection answers");
        var (hangingStatus, hangingBody) = await hangingCall;
        Assert.Equal(504, hangingStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5 + 2), $"a hanging adaptor took {clock.Elapsed}");
        Assert.Equal("WDE0028", hangingBody["details"]!["applicationError"]!["code"]!.GetValue<string>());
    }
}
