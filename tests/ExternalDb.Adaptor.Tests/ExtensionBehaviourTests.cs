using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>Role permissions, patches, indexes and type changes beyond what the conformance kit can see from outside.</summary>
public abstract partial class AdaptorBehaviourTests
{
    private static JsonObject LegacyItem(string collection, string id) =>
        new() { ["collectionName"] = collection, ["item"] = new JsonObject { ["_id"] = id, ["title"] = "t" } };

    private static JsonObject LegacyFind(string collection) =>
        new() { ["collectionName"] = collection, ["filter"] = new JsonObject(), ["sort"] = new JsonArray(), ["skip"] = 0, ["limit"] = 50 };

    [Fact]
    public async Task Legacy_roles_are_checked_per_collection_from_Adaptor_Permissions()
    {
        var open = await CreateAsync(("title", "TEXT"));
        var secrets = await CreateAsync(("title", "TEXT"));
        await using var twin = await Host.StartTwinAsync(
            ("Adaptor:Permissions:*:Write:0", "OWNER"), ("Adaptor:Permissions:*:Write:1", "BACKEND_CODE"),
            ($"Adaptor:Permissions:{secrets}:Read:0", "Admin"), ($"Adaptor:Permissions:{secrets}:Write:0", "OWNER"));

        // Everyone reads `open`; only the owner and backend code write it.
        Assert.Equal(200, (await twin.LegacyAsync("/data/find", LegacyFind(open), role: "VISITOR")).Status);
        foreach (var role in new[] { "VISITOR", "MEMBER" })
        {
            var (status, body) = await twin.LegacyAsync("/data/insert", LegacyItem(open, "x-" + role), role: role);
            Assert.Equal(403, status);
            Assert.Contains(role, body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.Equal(401, (await twin.LegacyAsync("/data/insert", LegacyItem(open, "x-none"), role: null)).Status);
        Assert.Equal(401, (await twin.LegacyAsync("/data/insert", LegacyItem(open, "x-odd"), role: "ADMIN")).Status);
        Assert.Equal(200, (await twin.LegacyAsync("/data/insert", LegacyItem(open, "by-backend"), role: "BACKEND_CODE")).Status);
        Assert.Equal(403, (await twin.LegacyAsync("/data/patch", new JsonObject
        {
            ["collectionName"] = open,
            ["patches"] = new JsonArray(new JsonObject { ["itemId"] = "by-backend", ["fieldModifications"] = new JsonArray(new JsonObject { ["action"] = "REMOVE_FIELD", ["fieldPath"] = "title" }) }),
        }, role: "MEMBER")).Status);

        // `secrets`: only Admin (OWNER, BACKEND_CODE) reads, only OWNER writes.
        Assert.Equal(403, (await twin.LegacyAsync("/data/find", LegacyFind(secrets), role: "MEMBER")).Status);
        Assert.Equal(403, (await twin.LegacyAsync("/indexes/list", new JsonObject { ["collectionName"] = secrets }, role: "VISITOR")).Status);
        Assert.Equal(200, (await twin.LegacyAsync("/data/find", LegacyFind(secrets), role: "BACKEND_CODE")).Status);
        Assert.Equal(403, (await twin.LegacyAsync("/data/insert", LegacyItem(secrets, "s1"), role: "BACKEND_CODE")).Status);
        Assert.Equal(200, (await twin.LegacyAsync("/data/insert", LegacyItem(secrets, "s2"), role: "OWNER")).Status);
        // Schemas are listed to every role.
        Assert.Equal(200, (await twin.LegacyAsync("/schemas/list", new JsonObject(), role: "VISITOR")).Status);

        // Refused calls wrote nothing.
        Assert.Equal(["by-backend"], await IdsAsync(open, new JsonObject()));
        Assert.Equal(["s2"], await IdsAsync(secrets, new JsonObject()));

        // V3 reports the configuration in Wix's levels.
        var (v3Status, v3) = await twin.PostTokenAsync("/v3/collections/get", Host.SignEs256(new JsonObject { ["collectionIds"] = new JsonArray(open, secrets) }));
        Assert.Equal(200, v3Status);
        var permissions = v3!["collections"]!.AsArray().ToDictionary(c => c!["id"]!.GetValue<string>(), c => c!["permissions"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"insert": "ADMIN", "update": "ADMIN", "remove": "ADMIN", "read": "ANYONE"}"""), permissions[open]), permissions[open]?.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"insert": "ADMIN", "update": "ADMIN", "remove": "ADMIN", "read": "ADMIN"}"""), permissions[secrets]), permissions[secrets]?.ToJsonString());
    }

    [Fact]
    public async Task Without_Adaptor_Permissions_every_role_writes_and_V3_reports_no_permissions()
    {
        var id = await CreateAsync(("title", "TEXT"));
        Assert.Equal(200, (await AdaptorHost.LegacyAsync(Host.Http, "/data/insert", LegacyItem(id, "v"), role: "VISITOR")).Status);
        Assert.Equal(200, (await AdaptorHost.LegacyAsync(Host.Http, "/data/insert", LegacyItem(id, "n"), role: null)).Status);
        var collection = (await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(id) }))["collections"]![0]!;
        Assert.Null(collection["permissions"]);
    }

    [Fact]
    public async Task Concurrent_increments_of_a_nested_number_are_never_lost()
    {
        var id = await CreateAsync(("stats", "OBJECT"));
        await InsertAsync(id, new JsonObject { ["_id"] = "c", ["stats"] = new JsonObject { ["views"] = 0 } });
        const int clients = 16, times = 25;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < times; i++)
            {
                var body = await Host.V3OkAsync("/v3/items/patch", new JsonObject
                {
                    ["collectionId"] = id,
                    ["patches"] = new JsonArray(new JsonObject
                    {
                        ["itemId"] = "c",
                        ["fieldModifications"] = new JsonArray(
                            new JsonObject { ["action"] = "INCREMENT_FIELD", ["fieldPath"] = "stats.views", ["incrementFieldOptions"] = new JsonObject { ["value"] = 1 } },
                            new JsonObject { ["action"] = "APPEND_TO_ARRAY", ["fieldPath"] = "stats.log", ["appendToArrayOptions"] = new JsonObject { ["value"] = 1 } }),
                    }),
                });
                Assert.NotNull(body["results"]![0]!["item"]);
            }
        })));
        var item = (await QueryAsync(id)).Single()!;
        Assert.Equal(clients * times, item["stats"]!["views"]!.GetValue<double>());
        Assert.Equal(clients * times, item["stats"]!["log"]!.AsArray().Count);
    }

    [Fact]
    public async Task Patch_of_a_read_only_collection_or_adaptor_is_refused()
    {
        var id = await CreateAsync(("n", "NUMBER"));
        await InsertAsync(id, new JsonObject { ["_id"] = "a", ["n"] = 1 });
        await using var readOnly = await Host.StartTwinAsync(("Adaptor:ReadOnly", "true"));
        var (status, body) = await readOnly.PostTokenAsync("/v3/items/patch", Host.SignEs256(new JsonObject
        {
            ["collectionId"] = id,
            ["patches"] = new JsonArray(new JsonObject { ["itemId"] = "a", ["fieldModifications"] = new JsonArray(new JsonObject { ["action"] = "REMOVE_FIELD", ["fieldPath"] = "n" }) }),
        }));
        Assert.Equal(400, status);
        Assert.Equal("UNSUPPORTED_OPERATION", body!["errorCode"]!.GetValue<string>());
        var capabilities = (await readOnly.PostTokenAsync("/v3/capabilities/get", Host.SignEs256(new JsonObject()))).Body!;
        Assert.False(capabilities["externalDb"]!["patch"]!.GetValue<bool>());
        Assert.False(capabilities["indexOptions"]!["supportsIndexes"]!.GetValue<bool>());
        Assert.Equal(1, (await QueryAsync(id)).Single()!["n"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_indexed_field_keeps_its_type_until_the_index_is_removed_and_removing_the_field_removes_its_index()
    {
        var id = await CreateAsync(("code", "TEXT"), ("other", "TEXT"));
        var index = await Host.V3OkAsync("/v3/indexes/create", new JsonObject
        {
            ["collectionId"] = id,
            ["index"] = new JsonObject { ["name"] = "by_code", ["fields"] = new JsonArray(new JsonObject { ["path"] = "code", ["order"] = "ASC" }) },
        });
        Assert.NotEqual("FAILED", index["index"]!["status"]!.GetValue<string>());
        var (status, body) = await Host.V3Async("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("_id", "TEXT"), ("code", "NUMBER"), ("other", "TEXT")) },
        });
        Assert.Equal(400, status);
        Assert.Equal("COLLECTION_CHANGE_NOT_SUPPORTED", body!["errorCode"]!.GetValue<string>());
        Assert.Contains("by_code", body["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);

        await Host.V3OkAsync("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("_id", "TEXT"), ("other", "TEXT")) },
        });
        var indexes = (await Host.V3OkAsync("/v3/indexes/list", new JsonObject { ["collectionId"] = id }))["indexes"]!.AsArray();
        Assert.DoesNotContain(indexes, i => i!["name"]!.GetValue<string>() == "by_code");
        Assert.Contains(indexes, i => i!["name"]!.GetValue<string>() == "_id_");
    }

    [Fact]
    public async Task Not_matches_items_where_the_field_is_missing()
    {
        var id = await CreateAsync(("title", "TEXT"));
        await InsertAsync(id, new JsonObject { ["_id"] = "a", ["title"] = "x" }, new JsonObject { ["_id"] = "b", ["title"] = "y" }, new JsonObject { ["_id"] = "c" });
        Assert.Equal(["b", "c"], await IdsAsync(id, JsonNode.Parse("""{"$not": {"title": "x"}}""")!));
    }
}
