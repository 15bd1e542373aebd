using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>The gateway in front of a V1 adaptor: tree filters, <c>direction</c> sorts, one call per item.</summary>
public sealed class GatewayOverV1Tests
{
    private const string Secret = "v1-secret-31a";

    private static readonly JsonObject Schema = JsonNode.Parse("""
        {"id": "cars", "displayName": "Cars", "allowedOperations": ["get", "find", "count", "insert", "update", "remove"],
         "maxPageSize": 50, "ttl": 3600,
         "fields": {
           "_id": {"displayName": "ID", "type": "text", "queryOperators": ["eq", "ne", "hasSome"]},
           "make": {"displayName": "Make", "type": "text", "queryOperators": ["eq", "ne", "startsWith", "contains"]},
           "year": {"displayName": "Year", "type": "number", "queryOperators": ["eq", "ne", "gt", "gte", "lt", "lte"]}}}
        """)!.AsObject();

    private static Task<LoopbackServer> StartFakeV1Async() => LoopbackServer.StartAsync(app =>
    {
        app.MapPost("/provision", () => Results.Json(new JsonObject()));
        app.MapPost("/schemas/list", () => Results.Json(new JsonObject { ["schemas"] = new JsonArray(Schema.DeepClone()) }));
        app.MapPost("/schemas/find", () => Results.Json(new JsonObject { ["schemas"] = new JsonArray(Schema.DeepClone()) }));
        app.MapPost("/data/find", () => Results.Json(new JsonObject
        {
            ["items"] = new JsonArray(new JsonObject { ["_id"] = "c1", ["make"] = "BMW", ["year"] = 2020 }),
            ["totalCount"] = 1,
        }));
        app.MapPost("/data/insert", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            return Results.Json(new JsonObject { ["item"] = body!["item"]!.DeepClone() });
        });
    });

    [Fact]
    public async Task A_V1_adaptor_receives_tree_filters_direction_sorts_and_single_item_writes()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await StartFakeV1Async();
        var connection = await server.CreateConnectionAsync("legacy", fake.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = Secret });
        Assert.Equal("V1", connection["protocolVersion"]!.GetValue<string>());

        var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = "legacy/cars",
            ["query"] = new JsonObject
            {
                ["filter"] = new JsonObject
                {
                    ["$and"] = new JsonArray(
                        new JsonObject { ["make"] = new JsonObject { ["$eq"] = "BMW" } },
                        new JsonObject { ["year"] = new JsonObject { ["$gte"] = 2015 } }),
                },
                ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "year", ["order"] = "DESC" }),
                ["paging"] = new JsonObject { ["limit"] = 10 },
            },
        });
        Assert.Equal(200, status);
        Assert.Equal("c1", answer["dataItems"]![0]!["id"]!.GetValue<string>());

        var find = JsonNode.Parse(fake.Requests.Last(r => r.Path == "/data/find").Body)!.AsObject();
        Assert.Equal("cars", find["collectionName"]!.GetValue<string>());
        var filter = find["filter"]!.AsObject();
        Assert.Equal("filter", filter["kind"]!.GetValue<string>());
        Assert.Equal("$and", filter["operator"]!.GetValue<string>());
        var parts = filter["value"]!.AsArray();
        Assert.Contains(parts, p => p!["fieldName"]!.GetValue<string>() == "make" && p["operator"]!.GetValue<string>() == "$eq" && p["value"]!.GetValue<string>() == "BMW");
        Assert.Contains(parts, p => p!["fieldName"]!.GetValue<string>() == "year" && p["operator"]!.GetValue<string>() == "$gte");
        Assert.Equal("year", find["sort"]![0]!["fieldName"]!.GetValue<string>());
        Assert.Equal("desc", find["sort"]![0]!["direction"]!.GetValue<string>());
        Assert.Equal(Secret, find["requestContext"]!["settings"]!["secretKey"]!.GetValue<string>());

        var before = fake.Requests.Count(r => r.Path == "/data/insert");
        var (bulkStatus, bulk) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/bulk/items/insert", new JsonObject
        {
            ["dataCollectionId"] = "legacy/cars",
            ["dataItems"] = new JsonArray(
                new JsonObject { ["id"] = "n1", ["data"] = new JsonObject { ["make"] = "Fiat", ["year"] = 2001 } },
                new JsonObject { ["id"] = "n2", ["data"] = new JsonObject { ["make"] = "Seat", ["year"] = 2002 } }),
        });
        Assert.Equal(200, bulkStatus);
        Assert.Equal(2, bulk["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
        Assert.Equal(before + 2, fake.Requests.Count(r => r.Path == "/data/insert"));
        Assert.DoesNotContain(fake.Requests, r => r.Path.EndsWith("/bulk", StringComparison.Ordinal));
    }
}
