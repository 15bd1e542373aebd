using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Npgsql;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// Field operations, collection patch, what the gateway keeps of a collection (display names, permissions, reference
/// details) and indexes, through the gateway to our reference adaptor over real sockets, on V3 and V2 connections.
/// </summary>
public sealed class CollectionFieldsAndIndexesTests(GatewayWithSqliteAdaptorsFixture fixture) : IClassFixture<GatewayWithSqliteAdaptorsFixture>
{
    private static readonly JsonObject SentPermissions = new() { ["insert"] = "SITE_MEMBER", ["update"] = "SITE_MEMBER_AUTHOR", ["remove"] = "ADMIN", ["read"] = "ANYONE" };

    private HttpClient Http => fixture.Server.Admin;

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Field_operations_change_the_adaptors_collection_and_answer_it_as_get_shows_it(AdaptorProtocol protocol)
    {
        var id = await CreateCollectionAsync(protocol, "fields", Field("title", "TEXT"), Field("price", "NUMBER"));

        var created = await SendAsync(HttpMethod.Post, "wix-data/v2/collections/create-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("pages", "NUMBER", "Pages") });
        Assert.True(created.Status == 200, created.Body.ToJsonString());
        Assert.Equal(["NUMBER", "Pages"], FieldOf(created.Body["dataCollection"]!, "pages"));
        Assert.Equal(["NUMBER", "Pages"], FieldOf(await GetCollectionAsync(id), "pages"));
        // The column is the adaptor's: an item holding it is written and read back.
        var inserted = await SendAsync(HttpMethod.Post, "wix-data/v2/items", new JsonObject
        {
            ["dataCollectionId"] = id,
            ["dataItem"] = new JsonObject { ["id"] = "i1", ["data"] = new JsonObject { ["title"] = "Atlas", ["pages"] = 320 } },
        });
        Assert.True(inserted.Status == 200, inserted.Body.ToJsonString());
        Assert.Equal(320, inserted.Body["dataItem"]!["data"]!["pages"]!.GetValue<double>());

        var again = await SendAsync(HttpMethod.Post, "wix-data/v2/collections/create-field", new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("pages", "NUMBER") });
        Assert.Equal(409, again.Status);
        Assert.Equal("FIELD_ALREADY_EXISTS", Code(again.Body));

        var updated = await SendAsync(HttpMethod.Post, "wix-data/v2/collections/update-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("title", "TEXT", "Book title") });
        Assert.True(updated.Status == 200, updated.Body.ToJsonString());
        Assert.Equal(["TEXT", "Book title"], FieldOf(await GetCollectionAsync(id), "title"));

        var unknown = await SendAsync(HttpMethod.Post, "wix-data/v2/collections/update-field", new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("nope", "TEXT") });
        Assert.Equal(404, unknown.Status);
        Assert.Equal("FIELD_NOT_FOUND", Code(unknown.Body));

        // patch-field with the id's '/' raw (as Wix's SDK sends it) and escaped.
        var patched = await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}/patch-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = new JsonObject { ["key"] = "price", ["displayName"] = "Price (EUR)" } });
        Assert.True(patched.Status == 200, patched.Body.ToJsonString());
        Assert.Equal(["NUMBER", "Price (EUR)"], FieldOf(patched.Body["dataCollection"]!, "price"));
        var escaped = await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{Uri.EscapeDataString(id)}/patch-field",
            new JsonObject { ["field"] = new JsonObject { ["key"] = "price", ["displayName"] = "Price" } });
        Assert.True(escaped.Status == 200, escaped.Body.ToJsonString());
        Assert.Equal(["NUMBER", "Price"], FieldOf(await GetCollectionAsync(id), "price"));

        var deleted = await SendAsync(HttpMethod.Post, "wix-data/v2/collections/delete-field", new JsonObject { ["dataCollectionId"] = id, ["fieldKey"] = "pages" });
        Assert.True(deleted.Status == 200, deleted.Body.ToJsonString());
        Assert.DoesNotContain(Keys(deleted.Body["dataCollection"]!), k => k == "pages");
        Assert.DoesNotContain(Keys(await GetCollectionAsync(id)), k => k == "pages");
        var item = await GatewayServer.GetAsync(Http, $"wix-data/v2/items/i1?dataCollectionId={Uri.EscapeDataString(id)}");
        Assert.Null(item.Body["dataItem"]!["data"]!["pages"]);

        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/collections/delete-field", new JsonObject { ["dataCollectionId"] = id, ["fieldKey"] = "_id" }), "fieldKey");
        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/collections/create-field", new JsonObject { ["dataCollectionId"] = id }), "field");
        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/collections/create-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("x", "NOT_A_TYPE") }), "field.type");
        Assert.DoesNotContain(Keys(await GetCollectionAsync(id)), k => k == "x");
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Sixteen_concurrent_field_changes_of_one_collection_each_take_effect(AdaptorProtocol protocol)
    {
        var id = await CreateCollectionAsync(protocol, "busy", Field("title", "TEXT"));
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => SendAsync(HttpMethod.Post, "wix-data/v2/collections/create-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = Field($"f{i}", "NUMBER", $"Field {i}") })));
        Assert.All(answers, a => Assert.True(a.Status == 200, a.Body.ToJsonString()));
        var patched = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}",
            new JsonObject { ["dataCollection"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["key"] = $"f{i}", ["displayName"] = $"Patched {i}" }) } })));
        Assert.All(patched, a => Assert.True(a.Status == 200, a.Body.ToJsonString()));

        var collection = await GetCollectionAsync(id);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(["NUMBER", $"Patched {i}"], FieldOf(collection, $"f{i}"));
        }
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Display_names_permissions_and_reference_details_come_back_as_sent_and_go_with_the_collection(AdaptorProtocol protocol)
    {
        var authors = await CreateCollectionAsync(protocol, "authors", Field("name", "TEXT"));
        var multiReference = new JsonObject { ["referencedCollectionId"] = authors, ["referencingFieldKey"] = "shelves", ["referencingDisplayName"] = "Shelves" };
        var id = Id(protocol, "shelves");
        var created = await SendAsync(HttpMethod.Post, "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = id,
                ["displayName"] = "Shelves",
                ["permissions"] = SentPermissions.DeepClone(),
                ["fields"] = new JsonArray(Field("label", "TEXT", "Label"),
                    new JsonObject { ["key"] = "authors", ["type"] = "MULTI_REFERENCE", ["typeMetadata"] = new JsonObject { ["multiReference"] = multiReference.DeepClone() } }),
            },
        });
        Assert.True(created.Status == 200, created.Body.ToJsonString());
        var listed = await GatewayServer.GetAsync(Http, "wix-data/v2/collections?paging.limit=1000");
        var fromList = listed.Body["collections"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!;
        foreach (var collection in new[] { created.Body["collection"]!, await GetCollectionAsync(id), fromList })
        {
            Assert.Equal("Shelves", collection["displayName"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(SentPermissions, collection["permissions"]), collection["permissions"]!.ToJsonString());
            Assert.Equal(["TEXT", "Label"], FieldOf(collection, "label"));
            var authorsField = collection["fields"]!.AsArray().Single(f => f!["key"]!.GetValue<string>() == "authors")!;
            Assert.True(JsonNode.DeepEquals(multiReference, authorsField["typeMetadata"]!["multiReference"]), authorsField.ToJsonString());
        }

        var before = (await GetCollectionAsync(id))["revision"]!.GetValue<string>();
        var patched = await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}", new JsonObject
        {
            ["dataCollection"] = new JsonObject
            {
                ["_id"] = id,
                ["id"] = id,
                ["displayName"] = "All shelves",
                ["permissions"] = new JsonObject { ["read"] = "SITE_MEMBER" },
                ["fields"] = new JsonArray(new JsonObject { ["key"] = "label", ["displayName"] = "Shelf label" }),
            },
        });
        Assert.True(patched.Status == 200, patched.Body.ToJsonString());
        var read = await GetCollectionAsync(id);
        Assert.Equal("All shelves", read["displayName"]!.GetValue<string>());
        Assert.Equal("SITE_MEMBER", read["permissions"]!["read"]!.GetValue<string>());
        Assert.Equal("SITE_MEMBER", read["permissions"]!["insert"]!.GetValue<string>());
        Assert.Equal(["TEXT", "Shelf label"], FieldOf(read, "label"));
        Assert.NotEqual(before, read["revision"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(patched.Body["dataCollection"], read), "the patch answers the collection as Get shows it");

        AssertNamesField(await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}",
            new JsonObject { ["dataCollection"] = new JsonObject { ["permissions"] = new JsonObject { ["read"] = "EVERYONE" } } }), "dataCollection.permissions.read");
        AssertNamesField(await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}",
            new JsonObject { ["dataCollection"] = new JsonObject { ["id"] = authors, ["displayName"] = "x" } }), "dataCollection.id");
        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = Id(protocol, "partial"), ["permissions"] = new JsonObject { ["read"] = "ANYONE" }, ["fields"] = new JsonArray(Field("a", "TEXT")) },
        }), "collection.permissions.insert");
        var unknownField = await SendAsync(HttpMethod.Patch, $"wix-data/v2/collections/{id}",
            new JsonObject { ["dataCollection"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["key"] = "nope", ["displayName"] = "x" }) } });
        Assert.Equal(404, unknownField.Status);
        Assert.Equal("All shelves", (await GetCollectionAsync(id))["displayName"]!.GetValue<string>());

        // Deleted, then made again with nothing kept: nothing of the first comes back.
        Assert.Equal(200, (await GatewayServer.DeleteAsync(Http, $"wix-data/v2/collections/{id}")).Status);
        var again = await SendAsync(HttpMethod.Post, "wix-data/v2/collections",
            new JsonObject { ["collection"] = new JsonObject { ["id"] = id, ["fields"] = new JsonArray(Field("label", "TEXT")) } });
        Assert.True(again.Status == 200, again.Body.ToJsonString());
        var fresh = await GetCollectionAsync(id);
        Assert.NotEqual("All shelves", fresh["displayName"]!.GetValue<string>());
        Assert.Equal("ADMIN", fresh["permissions"]!["read"]!.GetValue<string>());
        Assert.Equal(["TEXT", "label"], FieldOf(fresh, "label"));
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Indexes_are_created_listed_and_dropped_in_wix_shapes(AdaptorProtocol protocol)
    {
        var id = await CreateCollectionAsync(protocol, "indexed", Field("title", "TEXT"), Field("price", "NUMBER"));
        var created = await SendAsync(HttpMethod.Post, "wix-data/v2/indexes", IndexRequest(id, "byPrice", "price", "DESC"));
        Assert.True(created.Status == 200, created.Body.ToJsonString());
        var index = created.Body["index"]!;
        Assert.Equal("ACTIVE", index["status"]!.GetValue<string>());
        Assert.Equal("USER", index["source"]!.GetValue<string>());
        Assert.False(index["unique"]!.GetValue<bool>());
        Assert.True(Guid.TryParse(index["_id"]!.GetValue<string>(), out _), index.ToJsonString());
        Assert.True(JsonNode.DeepEquals(new JsonArray(new JsonObject { ["path"] = "price", ["order"] = "DESC" }), index["fields"]), index.ToJsonString());

        var duplicate = await SendAsync(HttpMethod.Post, "wix-data/v2/indexes", IndexRequest(id, "byPrice", "title"));
        Assert.Equal(409, duplicate.Status);
        Assert.Equal("INDEX_ALREADY_EXISTS", Code(duplicate.Body));
        var missing = await SendAsync(HttpMethod.Post, "wix-data/v2/indexes", IndexRequest(id, "byNothing", "nope"));
        Assert.Equal(400, missing.Status);
        Assert.Equal("WDE0147", Code(missing.Body));
        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/indexes", new JsonObject { ["dataCollectionId"] = id, ["index"] = new JsonObject { ["name"] = "x", ["fields"] = new JsonArray() } }), "index.fields");
        AssertNamesField(await SendAsync(HttpMethod.Post, "wix-data/v2/indexes", IndexRequest(id, "x", "price", "UP")), "index.fields[0].order");

        var listed = await GatewayServer.GetAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}");
        Assert.True(listed.Status == 200, listed.Body.ToJsonString());
        var names = listed.Body["indexes"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["_id_", "byPrice"], names);
        Assert.Equal("SYSTEM", listed.Body["indexes"]![0]!["source"]!.GetValue<string>());
        Assert.Equal(2, listed.Body["pagingMetadata"]!["total"]!.GetValue<int>());
        var page = await GatewayServer.GetAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}&paging.limit=1&paging.offset=1");
        Assert.Equal(["byPrice"], page.Body["indexes"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
        Assert.Equal(1, page.Body["pagingMetadata"]!["count"]!.GetValue<int>());
        Assert.False(page.Body["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
        var first = await GatewayServer.GetAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}&paging.limit=1");
        Assert.True(first.Body["pagingMetadata"]!["hasNext"]!.GetValue<bool>());

        // V3 says its limits (indexOptions); the legacy protocol has no way to, so they read 0.
        var limits = (await GetCollectionAsync(id))["capabilities"]!["indexLimits"]!;
        Assert.Equal(protocol == AdaptorProtocol.V3 ? [10, 10, 20] : [0, 0, 0], new[] { "regular", "unique", "total" }.Select(k => limits[k]!.GetValue<int>()));

        var dropped = await GatewayServer.DeleteAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}&indexName=byPrice");
        Assert.True(dropped.Status == 200, dropped.Body.ToJsonString());
        Assert.Empty(dropped.Body);
        var after = await GatewayServer.GetAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}");
        Assert.Equal(["_id_"], after.Body["indexes"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
        var again = await GatewayServer.DeleteAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}&indexName=byPrice");
        Assert.Equal(404, again.Status);
        Assert.Equal("INDEX_NOT_FOUND", Code(again.Body));
        AssertNamesField(await GatewayServer.DeleteAsync(Http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}"), "indexName");
        AssertNamesField(await GatewayServer.GetAsync(Http, "wix-data/v2/indexes"), "dataCollectionId");
    }

    [Fact]
    public async Task What_is_kept_of_a_collection_goes_with_its_connection()
    {
        const string secret = "kept-secret-5e1a";
        var file = Path.Combine(Path.GetTempPath(), $"e2e-kept-{Guid.NewGuid():N}.db");
        try
        {
            await using var server = await GatewayServer.StartAsync();
            await using var adaptor = await ReferenceAdaptor.StartAsync("sqlite", $"Data Source={file}", secretKey: secret);
            await server.CreateConnectionAsync("kept", adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = secret });
            var created = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/collections", new JsonObject
            {
                ["collection"] = new JsonObject { ["id"] = "kept/things", ["displayName"] = "Things", ["permissions"] = SentPermissions.DeepClone(), ["fields"] = new JsonArray(Field("a", "TEXT")) },
            });
            Assert.True(created.Status == 200, created.Body.ToJsonString());
            Assert.Equal("Things", (await GatewayServer.GetAsync(server.Admin, "wix-data/v2/collections/kept/things")).Body["collection"]!["displayName"]!.GetValue<string>());

            Assert.Equal(200, (await GatewayServer.DeleteAsync(server.Admin, "wix-data/v1/external-database-connections/kept")).Status);
            await server.CreateConnectionAsync("kept", adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = secret });

            var again = (await GatewayServer.GetAsync(server.Admin, "wix-data/v2/collections/kept/things")).Body["collection"]!;
            Assert.NotEqual("Things", again["displayName"]!.GetValue<string>());
            Assert.Equal("ADMIN", again["permissions"]!["read"]!.GetValue<string>());
        }
        finally
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task An_adaptor_without_indexes_is_refused_before_any_index_call()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        var created = await server.CreateConnectionAsync("noindexes", null, "WIX_SERVICE_PLUGIN");
        fake.Trust(created["publicKey"]!.GetValue<string>(), created["applicationId"]!.GetValue<string>());
        await server.UpdateConnectionAsync("noindexes", fake.BaseUrl);

        var create = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/indexes", IndexRequest("noindexes/things", "byPrice", "price"));
        Assert.Equal(428, create.Status);
        Assert.Equal("WDE0120", Code(create.Body));
        Assert.Equal(428, (await GatewayServer.GetAsync(server.Admin, "wix-data/v2/indexes?dataCollectionId=noindexes%2Fthings")).Status);
        Assert.Equal(428, (await GatewayServer.DeleteAsync(server.Admin, "wix-data/v2/indexes?dataCollectionId=noindexes%2Fthings&indexName=byPrice")).Status);
        Assert.DoesNotContain(fake.Calls, c => c.Path.StartsWith("indexes/", StringComparison.Ordinal));
        var limits = (await GatewayServer.GetAsync(server.Admin, "wix-data/v2/collections/noindexes/things")).Body["collection"]!["capabilities"]!["indexLimits"]!;
        Assert.Equal(0, limits["total"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v2")]
    public async Task On_PostgreSQL_an_index_is_BUILDING_while_the_table_is_held_then_ACTIVE_and_a_field_changes_type(string protocol)
    {
        const string secret = "pg-fields-secret-91c2";
        var postgres = await SharedPostgres.GetAsync();
        var database = await postgres.CreateDatabaseAsync($"fi_{protocol}_{Guid.NewGuid():N}"[..24]);
        await using var server = await GatewayServer.StartAsync();
        var name = "pg" + protocol;
        ReferenceAdaptor adaptor;
        if (protocol == "v3")
        {
            var created = await server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
            adaptor = await ReferenceAdaptor.StartAsync("postgres", database, publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
            await server.UpdateConnectionAsync(name, adaptor.BaseUrl);
        }
        else
        {
            adaptor = await ReferenceAdaptor.StartAsync("postgres", database, secretKey: secret);
            await server.CreateConnectionAsync(name, adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = secret });
        }
        await using var stopsAdaptor = adaptor;
        var id = $"{name}/books";
        var made = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/collections",
            new JsonObject { ["collection"] = new JsonObject { ["id"] = id, ["displayName"] = "Books", ["fields"] = new JsonArray(Field("title", "TEXT"), Field("pages", "TEXT")) } });
        Assert.True(made.Status == 200, made.Body.ToJsonString());
        Assert.Equal("Books", made.Body["collection"]!["displayName"]!.GetValue<string>());

        // An empty column changes type on V3 (the adaptor decides); the legacy protocol cannot change a type.
        var changed = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/collections/update-field",
            new JsonObject { ["dataCollectionId"] = id, ["field"] = Field("pages", "NUMBER", "Pages") });
        if (protocol == "v3")
        {
            Assert.True(changed.Status == 200, changed.Body.ToJsonString());
            Assert.Equal(["NUMBER", "Pages"], FieldOf(changed.Body["dataCollection"]!, "pages"));
        }
        else
        {
            Assert.Equal(400, changed.Status);
            Assert.Equal(["TEXT", "pages"], FieldOf((await GatewayServer.GetAsync(server.Admin, $"wix-data/v2/collections/{id}")).Body["collection"]!, "pages"));
        }

        await using (var blocker = new NpgsqlConnection(database))
        {
            await blocker.OpenAsync();
            await using var tx = await blocker.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand("INSERT INTO \"books\" (\"_id\", \"title\") VALUES ('held', 'x')", blocker, tx))
            {
                await insert.ExecuteNonQueryAsync();
            }
            var building = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/indexes", IndexRequest(id, "byTitle", "title"));
            Assert.True(building.Status == 200, building.Body.ToJsonString());
            Assert.Equal("BUILDING", building.Body["index"]!["status"]!.GetValue<string>());
            Assert.Equal("BUILDING", await StatusAsync(server.Admin, id, "byTitle"));
            await tx.CommitAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string status;
        while ((status = await StatusAsync(server.Admin, id, "byTitle")) == "BUILDING" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("ACTIVE", status);
    }

    private static async Task<string> StatusAsync(HttpClient http, string id, string indexName)
    {
        var listed = await GatewayServer.GetAsync(http, $"wix-data/v2/indexes?dataCollectionId={Uri.EscapeDataString(id)}");
        Assert.True(listed.Status == 200, listed.Body.ToJsonString());
        return listed.Body["indexes"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == indexName)!["status"]!.GetValue<string>();
    }

    private string Id(AdaptorProtocol protocol, string stem) => $"{fixture.ConnectionFor(protocol)}/{stem}_{Guid.NewGuid().ToString("N")[..12]}";

    private async Task<string> CreateCollectionAsync(AdaptorProtocol protocol, string stem, params JsonObject[] fields)
    {
        var id = Id(protocol, stem);
        var created = await SendAsync(HttpMethod.Post, "wix-data/v2/collections",
            new JsonObject { ["collection"] = new JsonObject { ["id"] = id, ["fields"] = new JsonArray([.. fields]) } });
        Assert.True(created.Status == 200, created.Body.ToJsonString());
        return id;
    }

    private async Task<JsonObject> GetCollectionAsync(string id)
    {
        var got = await GatewayServer.GetAsync(Http, $"wix-data/v2/collections/{id}");
        Assert.True(got.Status == 200, got.Body.ToJsonString());
        return got.Body["collection"]!.AsObject();
    }

    private async Task<(int Status, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject());
    }

    private static JsonObject Field(string key, string type, string? displayName = null)
    {
        var field = new JsonObject { ["key"] = key, ["type"] = type };
        if (displayName is not null)
        {
            field["displayName"] = displayName;
        }
        return field;
    }

    private static JsonObject IndexRequest(string id, string name, string path, string order = "ASC") => new()
    {
        ["dataCollectionId"] = id,
        ["index"] = new JsonObject { ["name"] = name, ["fields"] = new JsonArray(new JsonObject { ["path"] = path, ["order"] = order }) },
    };

    private static string[] FieldOf(JsonNode collection, string key)
    {
        var field = collection["fields"]!.AsArray().SingleOrDefault(f => f!["key"]!.GetValue<string>() == key)
            ?? throw new Xunit.Sdk.XunitException($"no field {key} in {collection.ToJsonString()}");
        return [field["type"]!.GetValue<string>(), field["displayName"]!.GetValue<string>()];
    }

    private static IEnumerable<string> Keys(JsonNode collection) => collection["fields"]!.AsArray().Select(f => f!["key"]!.GetValue<string>());

    private static string? Code(JsonObject body) => body["details"]?["applicationError"]?["code"]?.GetValue<string>();

    private static void AssertNamesField((int Status, JsonObject Body) answer, string field)
    {
        Assert.True(answer.Status == 400, $"HTTP {answer.Status}: {answer.Body.ToJsonString()}");
        var violations = answer.Body["details"]!["validationError"]!["fieldViolations"]!.AsArray();
        Assert.Contains(violations, v => v!["field"]!.GetValue<string>() == field);
    }
}
