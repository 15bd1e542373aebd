using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// The gateway against an adaptor that behaves as Wix's own does (<see cref="PeerAdaptor"/>), over V3 and V2: what the
/// adaptor supports gives the right answer, what it does not is a clear 4xx before any call to it.
/// </summary>
public sealed class GatewayOverPeerAdaptorTests
{
    private const string Books = "peer/books";

    private static async Task<(GatewayServer Server, PeerAdaptor Peer)> StartAsync(bool v2)
    {
        var server = await GatewayServer.StartAsync();
        var peer = await PeerAdaptor.StartAsync(v2);
        var connection = v2
            ? await server.CreateConnectionAsync("peer", peer.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = PeerAdaptor.Secret })
            : await server.CreateConnectionAsync("peer", peer.BaseUrl, "WIX_SERVICE_PLUGIN");
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());
        return (server, peer);
    }

    private static Task<(int Status, JsonObject Body)> PostAsync(GatewayServer server, string path, JsonObject body) =>
        GatewayServer.PostAsync(server.Admin, "wix-data/v2/" + path, body);

    private static async Task<JsonObject> CreateBooksAsync(GatewayServer server)
    {
        var (status, created) = await PostAsync(server, "collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = Books,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "genre", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "pages", ["type"] = "NUMBER" }),
            },
        });
        Assert.True(status == 200, created.ToJsonString());
        var (insertStatus, inserted) = await PostAsync(server, "bulk/items/insert", new JsonObject
        {
            ["dataCollectionId"] = Books,
            ["dataItems"] = new JsonArray(Book("b1", "Dune", "sf", 412), Book("b2", "Emma", "classic", 474), Book("b3", "Solaris", "sf", 204)),
        });
        Assert.True(insertStatus == 200, inserted.ToJsonString());
        Assert.Equal(3, inserted["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
        return created["collection"]!.AsObject();
    }

    private static JsonObject Book(string id, string title, string genre, int pages) => new()
    {
        ["id"] = id,
        ["data"] = new JsonObject { ["title"] = title, ["genre"] = genre, ["pages"] = pages },
    };

    private static IEnumerable<string> Strings(JsonNode? array) => (array as JsonArray ?? []).Select(n => n!.GetValue<string>());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_collection_made_through_the_gateway_lists_what_the_peer_can_do(bool v2)
    {
        var (server, peer) = await StartAsync(v2);
        await using var _ = server;
        await using var __ = peer;

        // V3: created although the caller sent no system fields, and described with capabilities the create answer
        // lacked. V2: tried although the empty database said nothing about schema changes.
        var collection = await CreateBooksAsync(server);

        Assert.Contains("INSERT", Strings(collection["capabilities"]!["dataOperations"]));
        Assert.Contains("AGGREGATE", Strings(collection["capabilities"]!["dataOperations"]));
        string[] collectionOperations = v2 ? ["UPDATE"] : ["UPDATE", "REMOVE"]; // the legacy protocol cannot delete
        Assert.Equal(collectionOperations, Strings(collection["capabilities"]!["collectionOperations"]));
        Assert.Equal(["_id", "_createdDate", "_updatedDate", "_owner", "title", "genre", "pages"], collection["fields"]!.AsArray().Select(f => f!["key"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reads_translate_to_what_the_peer_knows_and_come_back_as_the_schema_says(bool v2)
    {
        var (server, peer) = await StartAsync(v2);
        await using var _ = server;
        await using var __ = peer;
        await CreateBooksAsync(server);

        var (status, found) = await PostAsync(server, "items/query", new JsonObject
        {
            ["dataCollectionId"] = Books,
            ["query"] = new JsonObject
            {
                ["filter"] = new JsonObject { ["genre"] = new JsonObject { ["$in"] = new JsonArray("sf") } },
                ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "title", ["order"] = "ASC" }),
            },
        });
        Assert.True(status == 200, found.ToJsonString());
        Assert.Equal(["Dune", "Solaris"], found["dataItems"]!.AsArray().Select(i => i!["data"]!["title"]!.GetValue<string>()));
        var pages = found["dataItems"]![0]!["data"]!["pages"]!;
        Assert.Equal(JsonValueKind.Number, pages.GetValueKind());
        Assert.Equal(412, pages.GetValue<double>());

        (status, var distinct) = await PostAsync(server, "items/query-distinct-values", new JsonObject { ["dataCollectionId"] = Books, ["fieldName"] = "genre" });
        Assert.True(status == 200, distinct.ToJsonString());
        Assert.Equal(["classic", "sf"], Strings(distinct["distinctValues"]));
        (status, distinct) = await PostAsync(server, "items/query-distinct-values", new JsonObject
        {
            ["dataCollectionId"] = Books, ["fieldName"] = "pages", ["order"] = "DESC",
        });
        Assert.True(status == 200, distinct.ToJsonString());
        Assert.Equal([474.0, 412.0, 204.0], distinct["distinctValues"]!.AsArray().Select(v => v!.GetValue<double>()));
        // The missing route is asked for once; after that the gateway goes straight to the aggregation.
        Assert.True(peer.Paths.Count(p => p == "items/query-distinct-values") <= 1);

        (status, var aggregated) = await PostAsync(server, "items/aggregate", new JsonObject
        {
            ["dataCollectionId"] = Books,
            ["aggregation"] = new JsonObject
            {
                ["groupingFields"] = new JsonArray("genre"),
                ["operations"] = new JsonArray(
                    new JsonObject { ["resultFieldName"] = "books", ["itemCount"] = new JsonObject() },
                    new JsonObject { ["resultFieldName"] = "allPages", ["sum"] = new JsonObject { ["itemFieldName"] = "pages" } }),
            },
            ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "genre", ["order"] = "ASC" }),
        });
        Assert.True(status == 200, aggregated.ToJsonString());
        var results = aggregated["results"]!.AsArray();
        Assert.Equal(["classic", "sf"], results.Select(r => r!["genre"]!.GetValue<string>()));
        Assert.All(results, r => Assert.Equal(JsonValueKind.Number, r!["books"]!.GetValueKind()));
        Assert.Equal([1.0, 2.0], results.Select(r => r!["books"]!.GetValue<double>()));
        Assert.Equal([474.0, 616.0], results.Select(r => r!["allPages"]!.GetValue<double>()));

        (status, var counted) = await PostAsync(server, "items/count", new JsonObject
        {
            ["dataCollectionId"] = Books,
            ["filter"] = new JsonObject { ["genre"] = new JsonObject { ["$in"] = new JsonArray("sf", "classic") } },
        });
        Assert.True(status == 200, counted.ToJsonString());
        Assert.Equal(3, counted["totalCount"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(false, "$hasAll")]
    [InlineData(false, "$exists")]
    [InlineData(true, "$hasAll")]
    public async Task An_operator_the_peer_does_not_advertise_is_refused_naming_it_before_any_call(bool v2, string op)
    {
        var (server, peer) = await StartAsync(v2);
        await using var _ = server;
        await using var __ = peer;
        await CreateBooksAsync(server);
        var calls = peer.Paths.Count;

        var (status, refused) = await PostAsync(server, "items/query", new JsonObject
        {
            ["dataCollectionId"] = Books,
            ["query"] = new JsonObject { ["filter"] = new JsonObject { ["genre"] = new JsonObject { [op] = op == "$exists" ? true : new JsonArray("sf") } } },
        });

        Assert.Equal(400, status);
        Assert.Contains(op, refused.ToJsonString());
        Assert.Contains("genre", refused.ToJsonString());
        Assert.Equal(calls, peer.Paths.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reference_operation_on_a_field_that_holds_no_references_is_refused_naming_it_before_any_call(bool v2)
    {
        var (server, peer) = await StartAsync(v2);
        await using var _ = server;
        await using var __ = peer;
        await CreateBooksAsync(server);
        var calls = peer.Paths.Count;

        var (status, refused) = await PostAsync(server, "items/query-referenced", new JsonObject
        {
            ["dataCollectionId"] = Books, ["referringItemId"] = "b1", ["referringItemFieldName"] = "genre",
        });

        Assert.True(status is 400 or 428, refused.ToJsonString());
        if (!v2)
        {
            // The V3 peer lists QUERY_REFERENCED: only the field's type can tell.
            Assert.Equal(400, status);
            Assert.Contains("referringItemFieldName", refused.ToJsonString());
            Assert.Contains("TEXT", refused.ToJsonString());
        }
        Assert.Equal(calls, peer.Paths.Count);
    }

    [Fact]
    public async Task Reference_operations_the_V3_peer_lists_but_does_not_route_are_a_4xx_and_then_refused_before_calling()
    {
        var (server, peer) = await StartAsync(v2: false);
        await using var _ = server;
        await using var __ = peer;
        peer.AddCollection("authors", ("name", "TEXT"));
        peer.AddCollection("shelves", ("label", "TEXT"), ("book", "REFERENCE"));
        var reference = new JsonObject
        {
            ["dataCollectionId"] = "peer/shelves",
            ["dataItemReference"] = new JsonObject { ["referringItemFieldName"] = "book", ["referringItemId"] = "s1", ["referencedItemId"] = "a1" },
        };

        var (status, first) = await PostAsync(server, "items/insert-reference", reference);
        Assert.Equal(428, status);
        Assert.Equal("WDE0120", first["details"]!["applicationError"]!["code"]!.GetValue<string>());
        Assert.Single(peer.Paths, p => p == "items/insert-references");

        (status, var second) = await PostAsync(server, "items/insert-reference", reference);
        Assert.Equal(428, status);
        Assert.Equal("WDE0120", second["details"]!["applicationError"]!["code"]!.GetValue<string>());
        Assert.Single(peer.Paths, p => p == "items/insert-references");
    }

    [Fact]
    public async Task A_V2_collection_made_on_an_empty_database_can_be_changed_but_not_deleted_which_is_refused_before_any_call()
    {
        var (server, peer) = await StartAsync(v2: true);
        await using var _ = server;
        await using var __ = peer;
        var collection = await CreateBooksAsync(server);

        var fields = collection["fields"]!.DeepClone().AsArray();
        fields.Add(new JsonObject { ["key"] = "year", ["type"] = "NUMBER" });
        using var response = await server.Admin.PutAsync("wix-data/v2/collections", System.Net.Http.Json.JsonContent.Create(new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = Books, ["revision"] = collection["revision"]!.DeepClone(), ["fields"] = fields },
        }));
        var updated = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.True((int)response.StatusCode == 200, updated.ToJsonString());
        Assert.Contains("year", updated["collection"]!["fields"]!.AsArray().Select(f => f!["key"]!.GetValue<string>()));

        var calls = peer.Paths.Count;
        var (status, refused) = await GatewayServer.DeleteAsync(server.Admin, "wix-data/v2/collections/" + Uri.EscapeDataString(Books));
        Assert.Equal(428, status);
        Assert.Equal("WDE0120", refused["details"]!["applicationError"]!["code"]!.GetValue<string>());
        Assert.DoesNotContain("/schemas/delete", peer.Paths.Skip(calls));
    }

    [Fact]
    public async Task A_V3_collection_of_the_peer_is_deleted()
    {
        var (server, peer) = await StartAsync(v2: false);
        await using var _ = server;
        await using var __ = peer;
        await CreateBooksAsync(server);

        var (status, deleted) = await GatewayServer.DeleteAsync(server.Admin, "wix-data/v2/collections/" + Uri.EscapeDataString(Books));

        Assert.True(status == 200, deleted.ToJsonString());
        Assert.Contains("collections/delete", peer.Paths);
    }
}
