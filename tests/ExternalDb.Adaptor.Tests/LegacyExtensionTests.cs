using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Tests;

/// <summary>
/// The ExternalDb extensions of the legacy protocol (<c>/schemas/delete</c>, <c>/data/references/*</c>), on every engine.
/// The bodies are shaped as the gateway's legacy translator sends them: the V3 request plus <c>collectionName</c>.
/// </summary>
public abstract partial class AdaptorBehaviourTests
{
    private static List<string> Names(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<string>())];

    private static JsonObject Reference(string from, string to) => new() { ["referringItemId"] = from, ["referencedItemId"] = to };

    /// <summary>people p1..p3 and movies m1, m2 whose <c>actors</c> is a MULTI_REFERENCE to people.</summary>
    private async Task<(string People, string Movies)> CreateMoviesAsync()
    {
        var people = await CreateAsync(("name", "TEXT"), ("age", "NUMBER"));
        await InsertAsync(people,
            new JsonObject { ["_id"] = "p1", ["name"] = "Ann", ["age"] = 30 },
            new JsonObject { ["_id"] = "p2", ["name"] = "Bob", ["age"] = 40 },
            new JsonObject { ["_id"] = "p3", ["name"] = "Cid", ["age"] = 50 });
        var movies = NewId("m");
        await Host.V3OkAsync("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = movies,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "actors", ["type"] = "MULTI_REFERENCE", ["multiReferenceOptions"] = new JsonObject { ["referencedCollectionId"] = people } }),
            },
        });
        await InsertAsync(movies, new JsonObject { ["_id"] = "m1", ["title"] = "One" }, new JsonObject { ["_id"] = "m2", ["title"] = "Two" });
        return (people, movies);
    }

    /// <summary>A reference write as the gateway sends it: V3 body (with collectionId) plus collectionName.</summary>
    private static JsonObject LegacyRefs(string movies, params (string From, string To)[] refs) => new()
    {
        ["collectionId"] = movies,
        ["collectionName"] = movies,
        ["referringFieldKey"] = "actors",
        ["references"] = new JsonArray([.. refs.Select(r => (JsonNode)Reference(r.From, r.To))]),
    };

    private static void AssertLegacyError(JsonNode? body)
    {
        Assert.Equal(["message"], body!.AsObject().Select(p => p.Key));
        Assert.False(string.IsNullOrWhiteSpace(body["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Legacy_schemas_delete_drops_the_collection_and_answers_404_for_an_unknown_one()
    {
        var id = NewId();
        await Host.LegacyOkAsync("/schemas/create", new JsonObject { ["collectionName"] = id });
        await Host.LegacyOkAsync("/data/insert", new JsonObject { ["collectionName"] = id, ["item"] = new JsonObject { ["_id"] = "x" } });
        var schema = (await Host.LegacyOkAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(id) }))["schemas"]![0]!;
        var operations = Names(schema["allowedSchemaOperations"]);
        Assert.Contains("dropCollection", operations);
        Assert.Contains("referenceOperations", operations);

        var (status, body) = await Host.LegacyAsync("/schemas/delete", new JsonObject { ["collectionName"] = id }, secret: "wrong");
        Assert.Equal(401, status);
        AssertLegacyError(body);
        (status, body) = await Host.LegacyAsync("/schemas/delete", new JsonObject());
        Assert.Equal(400, status);
        AssertLegacyError(body);

        var deleted = await Host.LegacyOkAsync("/schemas/delete", new JsonObject { ["collectionName"] = id });
        Assert.Empty(deleted.AsObject());
        (status, _) = await Host.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(id) });
        Assert.Equal(404, status);
        var all = await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray() });
        Assert.DoesNotContain(all["collections"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);

        (status, body) = await Host.LegacyAsync("/schemas/delete", new JsonObject { ["collectionName"] = id });
        Assert.Equal(404, status);
        AssertLegacyError(body);
        Assert.Equal($"Collection {id} does not exist", body!["message"]!.GetValue<string>());
        // The name can be used again: nothing of the old collection is left behind.
        await Host.LegacyOkAsync("/schemas/create", new JsonObject { ["collectionName"] = id });
        Assert.Equal(0, (await Host.LegacyOkAsync("/data/count", new JsonObject { ["collectionName"] = id, ["filter"] = new JsonObject() }))["totalCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Legacy_reference_writes_answer_per_item_as_V3_does()
    {
        var (people, movies) = await CreateMoviesAsync();
        var inserted = await Host.LegacyOkAsync("/data/references/insert", LegacyRefs(movies, ("m1", "p1"), ("m1", "p2"), ("m2", "p1")));
        Assert.True(JsonNode.DeepEquals(new JsonObject
        {
            ["results"] = new JsonArray(
                new JsonObject { ["reference"] = Reference("m1", "p1") },
                new JsonObject { ["reference"] = Reference("m1", "p2") },
                new JsonObject { ["reference"] = Reference("m2", "p1") }),
        }, inserted), inserted.ToJsonString());

        // collectionName alone is enough (the V3 collectionId is optional on the legacy paths).
        var again = await Host.LegacyOkAsync("/data/references/insert", new JsonObject
        {
            ["collectionName"] = movies, ["referringFieldKey"] = "actors", ["references"] = new JsonArray(Reference("m1", "p1"), Reference("m2", "p3")),
        });
        var error = again["results"]![0]!["error"]!;
        Assert.Equal("REFERENCE_ALREADY_EXISTS", error["errorCode"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["errorMessage"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(Reference("m1", "p1"), error["data"]), error.ToJsonString());
        Assert.True(JsonNode.DeepEquals(Reference("m2", "p3"), again["results"]![1]!["reference"]));

        var removed = await Host.LegacyOkAsync("/data/references/remove", LegacyRefs(movies, ("m1", "p1"), ("m1", "p9")));
        Assert.True(JsonNode.DeepEquals(Reference("m1", "p1"), removed["results"]![0]!["reference"]));
        Assert.Equal("REFERENCE_NOT_FOUND", removed["results"]![1]!["error"]!["errorCode"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Reference("m1", "p9"), removed["results"]![1]!["error"]!["data"]));

        // The legacy paths and V3 share one store.
        var v3 = await Host.V3OkAsync("/v3/items/query-referenced", new JsonObject
        {
            ["collectionId"] = movies, ["referringFieldKey"] = "actors", ["referringItemIds"] = new JsonArray("m1"), ["includeReferencedItems"] = false,
        });
        Assert.True(JsonNode.DeepEquals(new JsonArray(Reference("m1", "p2")), v3["items"]), v3.ToJsonString());

        // Deleting the referenced collection through the legacy extension also drops the references to it.
        await Host.LegacyOkAsync("/schemas/delete", new JsonObject { ["collectionName"] = people });
        var left = await Host.LegacyOkAsync("/data/references/query", new JsonObject { ["collectionName"] = movies, ["referringFieldKey"] = "actors" });
        Assert.Empty(left["items"]!.AsArray());
    }

    [Fact]
    public async Task Legacy_reference_query_answers_exactly_what_V3_query_referenced_answers()
    {
        var (_, movies) = await CreateMoviesAsync();
        await Host.V3OkAsync("/v3/items/insert-references", new JsonObject
        {
            ["collectionId"] = movies, ["referringFieldKey"] = "actors",
            ["references"] = new JsonArray(Reference("m1", "p1"), Reference("m1", "p2"), Reference("m1", "p3"), Reference("m2", "p1")),
        });
        JsonObject[] requests =
        [
            new()
            {
                ["referringFieldKey"] = "actors", ["referringItemIds"] = new JsonArray("m1"), ["order"] = "DESC",
                ["paging"] = new JsonObject { ["limit"] = 2, ["offset"] = 0 }, ["returnTotalCount"] = true,
                ["fields"] = new JsonArray("name"), ["includeReferencedItems"] = true,
            },
            new()
            {
                ["referringFieldKey"] = "actors", ["referencedItemIds"] = new JsonArray("p1"), ["order"] = "ASC",
                ["paging"] = new JsonObject { ["limit"] = 10, ["offset"] = 1 }, ["returnTotalCount"] = false, ["includeReferencedItems"] = false,
            },
        ];
        foreach (var request in requests)
        {
            var v3Request = (JsonObject)request.DeepClone();
            v3Request["collectionId"] = movies;
            var legacyRequest = (JsonObject)request.DeepClone();
            legacyRequest["collectionName"] = movies;
            var v3 = await Host.V3OkAsync("/v3/items/query-referenced", v3Request);
            var legacy = await Host.LegacyOkAsync("/data/references/query", legacyRequest);
            Assert.True(JsonNode.DeepEquals(v3, legacy), $"V3: {v3.ToJsonString()}\nlegacy: {legacy.ToJsonString()}");
        }

        var firstRequest = (JsonObject)requests[0].DeepClone();
        firstRequest["collectionName"] = movies;
        var first = await Host.LegacyOkAsync("/data/references/query", firstRequest);
        Assert.Equal(["p3", "p2"], first["items"]!.AsArray().Select(i => i!["referencedItemId"]!.GetValue<string>()));
        Assert.Equal("Cid", first["items"]![0]!["referencedItem"]!["name"]!.GetValue<string>());
        Assert.Null(first["items"]![0]!["referencedItem"]!["age"]);
        Assert.Equal(3, first["pagingMetadata"]!["total"]!.GetValue<long>());
        Assert.True(first["pagingMetadata"]!["hasNext"]!.GetValue<bool>());

        // Cursor paging on the legacy path: the cursor does not carry the requestContext (the secret) and can be followed.
        var page = await Host.LegacyOkAsync("/data/references/query", new JsonObject
        {
            ["collectionName"] = movies, ["referringFieldKey"] = "actors", ["referringItemIds"] = new JsonArray("m1"),
            ["cursorPaging"] = new JsonObject { ["limit"] = 2 },
        });
        var cursor = page["pagingMetadata"]!["cursors"]!["next"]!.GetValue<string>();
        var decoded = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(cursor[..cursor.IndexOf('.', StringComparison.Ordinal)]));
        Assert.DoesNotContain(AdaptorHost.Secret, decoded, StringComparison.Ordinal);
        Assert.DoesNotContain("requestContext", decoded, StringComparison.Ordinal);
        var next = await Host.LegacyOkAsync("/data/references/query", new JsonObject
        {
            ["collectionName"] = movies, ["referringFieldKey"] = "actors", ["cursorPaging"] = new JsonObject { ["limit"] = 2, ["cursor"] = cursor },
        });
        Assert.Equal(["p3"], next["items"]!.AsArray().Select(i => i!["referencedItemId"]!.GetValue<string>()));
        Assert.False(next["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Legacy_reference_calls_fail_in_the_legacy_error_format()
    {
        var (_, movies) = await CreateMoviesAsync();
        var missing = NewId("missing");
        foreach (var path in new[] { "/data/references/insert", "/data/references/remove", "/data/references/query" })
        {
            var (status, body) = await Host.LegacyAsync(path, LegacyRefs(missing, ("m1", "p1")));
            Assert.Equal(404, status);
            AssertLegacyError(body);
            Assert.Contains("collection", body!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);

            (status, body) = await Host.LegacyAsync(path, LegacyRefs(movies, ("m1", "p1")), secret: "wrong");
            Assert.Equal(401, status);
            AssertLegacyError(body);

            var mismatch = LegacyRefs(movies, ("m1", "p1"));
            mismatch["collectionId"] = missing;
            (status, body) = await Host.LegacyAsync(path, mismatch);
            Assert.Equal(400, status);
            AssertLegacyError(body);

            var notReference = LegacyRefs(movies, ("m1", "p1"));
            notReference["referringFieldKey"] = "title";
            (status, body) = await Host.LegacyAsync(path, notReference);
            Assert.Equal(400, status);
            AssertLegacyError(body);
        }
        var (s, b) = await Host.LegacyAsync("/data/references/insert", new JsonObject { ["collectionName"] = movies, ["referringFieldKey"] = "actors", ["references"] = new JsonArray() });
        Assert.Equal(400, s);
        AssertLegacyError(b);
    }

    [Fact]
    public async Task Read_only_adaptor_refuses_legacy_delete_and_reference_writes_but_answers_reference_queries()
    {
        var (_, movies) = await CreateMoviesAsync();
        await Host.V3OkAsync("/v3/items/insert-references", new JsonObject
        {
            ["collectionId"] = movies, ["referringFieldKey"] = "actors", ["references"] = new JsonArray(Reference("m1", "p1")),
        });
        await using var readOnly = await Host.StartTwinAsync(("Adaptor:ReadOnly", "true"));

        var schema = (await readOnly.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(movies) })).Body!["schemas"]![0]!;
        var operations = Names(schema["allowedSchemaOperations"]);
        Assert.DoesNotContain("dropCollection", operations);
        Assert.Contains("referenceOperations", operations);
        Assert.DoesNotContain("insert", Names(schema["allowedOperations"]));

        var (status, body) = await readOnly.LegacyAsync("/schemas/delete", new JsonObject { ["collectionName"] = movies });
        Assert.Equal(400, status);
        AssertLegacyError(body);
        foreach (var path in new[] { "/data/references/insert", "/data/references/remove" })
        {
            (status, body) = await readOnly.LegacyAsync(path, LegacyRefs(movies, ("m1", "p2")));
            Assert.Equal(400, status);
            AssertLegacyError(body);
        }
        (status, body) = await readOnly.LegacyAsync("/data/references/query", new JsonObject { ["collectionName"] = movies, ["referringFieldKey"] = "actors" });
        Assert.Equal(200, status);
        Assert.Equal(["p1"], body!["items"]!.AsArray().Select(i => i!["referencedItemId"]!.GetValue<string>()));

        // Nothing changed.
        var references = await Host.LegacyOkAsync("/data/references/query", new JsonObject { ["collectionName"] = movies, ["referringFieldKey"] = "actors" });
        Assert.Single(references["items"]!.AsArray());
        Assert.Equal(200, (await Host.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(movies) })).Status);
    }
}
