using System.Globalization;
using System.Text.Json.Nodes;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// Requests as large as Wix Data allows, through the gateway to our adaptor on SQLite: a bulk of 1,000 realistic items
/// and one item near the 500 kB item limit. Over V3 each call is a JWT about 4/3 the size of its JSON, so these need
/// the adaptor to accept tokens up to its <c>Adaptor:MaxRequestBodyBytes</c> and the gateway to split larger bulks.
/// </summary>
public sealed class LargeRequestsTests(GatewayWithSqliteAdaptorsFixture fixture) : IClassFixture<GatewayWithSqliteAdaptorsFixture>
{
    private async Task<string> CreateCollectionAsync(AdaptorProtocol protocol, string name)
    {
        var collectionId = $"{fixture.ConnectionFor(protocol)}/{name}";
        var (status, body) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = collectionId,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "n", ["type"] = "NUMBER" }),
            },
        });
        Assert.True(status == 200, body.ToJsonString());
        return collectionId;
    }

    private static string Text(int i, int length)
    {
        var unit = string.Create(CultureInfo.InvariantCulture, $"item {i} – ünïcode and \"quotes\"; ");
        return string.Concat(Enumerable.Repeat(unit, length / unit.Length + 1))[..length];
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_bulk_insert_of_1000_items_of_300_characters_inserts_them_all(AdaptorProtocol protocol)
    {
        var collectionId = await CreateCollectionAsync(protocol, "bulk1000");
        var items = new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode?)new JsonObject
        {
            ["id"] = string.Create(CultureInfo.InvariantCulture, $"b{i:0000}"),
            ["data"] = new JsonObject { ["title"] = Text(i, 300), ["n"] = i },
        })]);

        var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/bulk/items/insert",
            new JsonObject { ["dataCollectionId"] = collectionId, ["dataItems"] = items });

        Assert.True(status == 200, answer.ToJsonString()[..Math.Min(3000, answer.ToJsonString().Length)]);
        Assert.Equal(1000, answer["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
        Assert.Equal([.. Enumerable.Range(0, 1000)], answer["results"]!.AsArray().Select(r => r!["itemMetadata"]!["originalIndex"]!.GetValue<int>()).ToList());
        var (_, count) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collectionId });
        Assert.Equal(1000, count["totalCount"]!.GetValue<int>());
        var (_, last) = await GatewayServer.GetAsync(fixture.Server.Admin, $"wix-data/v2/items/b0999?dataCollectionId={collectionId}");
        Assert.Equal(Text(999, 300), last["dataItem"]!["data"]!["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task One_item_near_the_500_kB_limit_is_inserted_read_and_updated(AdaptorProtocol protocol)
    {
        var collectionId = await CreateCollectionAsync(protocol, "nearlimit");
        var text = new string('x', 495_000);

        var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = collectionId, ["dataItem"] = new JsonObject { ["id"] = "big", ["data"] = new JsonObject { ["title"] = text } } });
        Assert.True(status == 200, answer.ToJsonString()[..Math.Min(3000, answer.ToJsonString().Length)]);

        var (_, read) = await GatewayServer.GetAsync(fixture.Server.Admin, $"wix-data/v2/items/big?dataCollectionId={collectionId}");
        Assert.Equal(text, read["dataItem"]!["data"]!["title"]!.GetValue<string>());

        var (updateStatus, updated) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items/update",
            new JsonObject { ["dataCollectionId"] = collectionId, ["dataItem"] = new JsonObject { ["id"] = "big", ["data"] = new JsonObject { ["title"] = text + "y" } } });
        Assert.True(updateStatus == 200, updated.ToJsonString()[..Math.Min(3000, updated.ToJsonString().Length)]);
    }

    [Fact]
    public async Task An_item_over_the_500_kB_limit_is_a_400_and_is_not_written()
    {
        var collectionId = await CreateCollectionAsync(AdaptorProtocol.V3, "overlimit");

        var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = collectionId, ["dataItem"] = new JsonObject { ["id"] = "huge", ["data"] = new JsonObject { ["title"] = new string('x', 501_000) } } });

        Assert.Equal(400, status);
        Assert.Equal("WDE0009", answer["details"]!["applicationError"]!["code"]!.GetValue<string>());
        var (getStatus, _) = await GatewayServer.GetAsync(fixture.Server.Admin, $"wix-data/v2/items/huge?dataCollectionId={collectionId}");
        Assert.Equal(404, getStatus);
    }

    [Fact]
    public async Task A_bulk_of_1000_items_near_9_kB_each_is_split_into_several_V3_calls_and_all_are_written()
    {
        // About 9 MiB of items: more than the adaptor accepts in one call, so only the gateway's split makes it work.
        var collectionId = await CreateCollectionAsync(AdaptorProtocol.V3, "split");
        var items = new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode?)new JsonObject
        {
            ["id"] = string.Create(CultureInfo.InvariantCulture, $"s{i:0000}"),
            ["data"] = new JsonObject { ["title"] = Text(i, 9_000), ["n"] = i },
        })]);

        var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/bulk/items/insert",
            new JsonObject { ["dataCollectionId"] = collectionId, ["dataItems"] = items, ["returnEntity"] = false });

        Assert.True(status == 200, answer.ToJsonString()[..Math.Min(3000, answer.ToJsonString().Length)]);
        Assert.Equal(1000, answer["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
        var (_, count) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collectionId });
        Assert.Equal(1000, count["totalCount"]!.GetValue<int>());
    }
}
