using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>V3 capabilities and collection management: <c>/v3/capabilities/get</c>, <c>/v3/collections/*</c>.</summary>
public sealed class V3CollectionsTests : V3Test
{
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Capabilities_have_the_documented_shape(string target)
    {
        var client = await ClientAsync(target);
        var capabilities = (await client.V3Async("/v3/capabilities/get", new JsonObject())).EnsureSuccess().Object;
        Assert.True(capabilities["supportsCollectionModifications"] is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
            $"supportsCollectionModifications must be a boolean: {capabilities.ToJsonString()}");
        var types = capabilities.Arr("supportedFieldTypes").Select(t => t!.GetValue<string>()).ToList();
        Assert.All(types, t => Assert.Contains(t, FieldTypes.V3));
        Assert.Equal(types.Count, types.Distinct(StringComparer.Ordinal).Count());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Created_collection_is_returned_with_fields_capabilities_and_paging_mode(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        await using var collection = await V3Collection.CreateAsync(client, UniqueId("create"), ("title", "TEXT"), ("year", "NUMBER"));

        Assert.Equal(collection.Id, collection.Definition.Str("id"));
        foreach (var key in new[] { "_id", "title", "year" })
        {
            var field = collection.Field(key);
            Assert.True(field is not null, $"field {key} missing from {collection.Definition.ToJsonString()}");
            Assert.Contains(field.Str("type"), FieldTypes.V3);
            if (field["capabilities"] is JsonObject caps)
            {
                Assert.All(caps.Arr("queryOperators"), op => Assert.Contains(op!.GetValue<string>(), QueryOperators.AllCapabilities));
            }
        }
        Assert.Equal("TEXT", collection.Field("title").Str("type"));
        Assert.Equal("NUMBER", collection.Field("year").Str("type"));
        var operations = collection.Definition["capabilities"].Arr("dataOperations").Select(o => o!.GetValue<string>()).ToList();
        Assert.All(operations, op => Assert.Contains(op, DataOperations.All));
        Assert.Contains("QUERY", operations);
        Assert.Contains(collection.Definition.Str("pagingMode"), new[] { "OFFSET", "CURSOR" });
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Get_with_no_ids_lists_every_collection(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        await using var first = await V3Collection.CreateAsync(client, UniqueId("list"), ("a", "TEXT"));
        await using var second = await V3Collection.CreateAsync(client, UniqueId("list"), ("b", "NUMBER"));
        var all = (await client.V3Async("/v3/collections/get", J("""{"collectionIds": []}"""))).EnsureSuccess();
        var ids = all.Body.Arr("collections").Select(c => c.Str("id")).ToList();
        Assert.Contains(first.Id, ids);
        Assert.Contains(second.Id, ids);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Get_of_unknown_collection_omits_it_or_is_COLLECTION_NOT_FOUND(string target)
    {
        var client = await ClientAsync(target);
        var missing = UniqueId("missing");
        var response = await client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(missing) });
        if (response.StatusCode == 404)
        {
            response.ExpectV3Error(404, "COLLECTION_NOT_FOUND");
        }
        else
        {
            response.ExpectStatus(200);
            Assert.DoesNotContain(response.Body.Arr("collections"), c => c.Str("id") == missing);
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Creating_an_existing_collection_is_COLLECTION_ALREADY_EXISTS(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        await using var collection = await V3Collection.CreateAsync(client, UniqueId("dup"), ("a", "TEXT"));
        var again = await client.V3Async("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = collection.Id, ["fields"] = J("""[{"key": "_id", "type": "TEXT"}]""") },
        });
        again.ExpectV3Error(409, "COLLECTION_ALREADY_EXISTS");
        Assert.Equal(collection.Id, again.Body?["data"].Str("collectionId"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_replaces_the_field_list(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        await using var collection = await V3Collection.CreateAsync(client, UniqueId("upd"), ("keep", "TEXT"), ("drop", "NUMBER"));
        var update = await client.V3Async("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = collection.Id,
                ["fields"] = J("""[{"key": "_id", "type": "TEXT"}, {"key": "keep", "type": "TEXT"}, {"key": "added", "type": "BOOLEAN"}]"""),
            },
        });
        var returned = update.EnsureSuccess().Body?["collection"];
        Assert.NotNull(returned);
        Assert.NotNull(returned["capabilities"]);
        var got = (await client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(collection.Id) })).EnsureSuccess();
        var keys = got.Body.Arr("collections").Single(c => c.Str("id") == collection.Id).Arr("fields").Select(f => f.Str("key")).ToList();
        Assert.Contains("keep", keys);
        Assert.Contains("added", keys);
        Assert.DoesNotContain("drop", keys);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_of_unknown_collection_is_COLLECTION_NOT_FOUND(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        var missing = UniqueId("missing");
        var response = await client.V3Async("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = missing, ["fields"] = J("""[{"key": "_id", "type": "TEXT"}]""") },
        });
        response.ExpectV3Error(404, "COLLECTION_NOT_FOUND");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Delete_removes_the_collection(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        var collection = await V3Collection.CreateAsync(client, UniqueId("del"), ("a", "TEXT"));
        (await client.V3Async("/v3/collections/delete", new JsonObject { ["collectionId"] = collection.Id })).EnsureSuccess();
        var all = (await client.V3Async("/v3/collections/get", J("""{"collectionIds": []}"""))).EnsureSuccess();
        Assert.DoesNotContain(all.Body.Arr("collections"), c => c.Str("id") == collection.Id);
        (await client.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = collection.Id, ["query"] = new JsonObject(), ["consistentRead"] = true, ["returnTotalCount"] = false,
        })).ExpectV3Error(404, "COLLECTION_NOT_FOUND");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Delete_of_unknown_collection_is_COLLECTION_NOT_FOUND(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        var missing = UniqueId("missing");
        var response = await client.V3Async("/v3/collections/delete", new JsonObject { ["collectionId"] = missing });
        response.ExpectV3Error(404, "COLLECTION_NOT_FOUND");
        Assert.Equal(missing, response.Body?["data"].Str("collectionId"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Items_call_on_unknown_collection_is_COLLECTION_NOT_FOUND(string target)
    {
        var client = await ClientAsync(target);
        var missing = UniqueId("missing");
        var response = await client.V3Async("/v3/items/insert", new JsonObject
        {
            ["collectionId"] = missing, ["items"] = J("""[{"_id": "x"}]"""),
        });
        response.ExpectV3Error(404, "COLLECTION_NOT_FOUND");
    }

    // Identifiers reach SQL: a hostile name is refused (400) or kept literally, never a 500 or an injection.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Hostile_collection_and_field_names_are_refused_or_kept_literally(string target)
    {
        var client = await ClientAsync(target);
        await RequireCollectionModificationsAsync(client);
        var id = UniqueId("hostile") + "\"; DROP TABLE x; --";
        var response = await client.V3Async("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = id,
                ["fields"] = J("""[{"key": "_id", "type": "TEXT"}, {"key": "a\"); DROP TABLE y; --", "type": "TEXT"}]"""),
            },
        });
        if (!response.IsSuccess)
        {
            response.ExpectV3Error(400, "VALIDATION_ERROR");
            return;
        }
        try
        {
            var got = (await client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(id) })).EnsureSuccess();
            Assert.Contains(got.Body.Arr("collections"), c => c.Str("id") == id);
        }
        finally
        {
            await client.V3Async("/v3/collections/delete", new JsonObject { ["collectionId"] = id });
        }
    }
}
