using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// The ExternalDb extension <c>/v3/items/patch</c>: Wix's field modifiers (set, remove, increment, append to and remove
/// from an array) on fields and nested paths, each item's modifications at once, per-item results like
/// <c>items/update</c>, and no increment lost under concurrency. Skipped unless <c>/v3/capabilities/get</c> says
/// <c>externalDb.patch: true</c>.
/// </summary>
public sealed class V3PatchTests : V3Test
{
    private static async Task<V3Collection> CollectionAsync(AdaptorClient client, string purpose)
    {
        await RequireCollectionModificationsAsync(client);
        Skip.IfNot((await CapabilitiesAsync(client))["externalDb"]?["patch"]?.GetValue<bool>() == true,
            "The adaptor does not advertise externalDb.patch in /v3/capabilities/get.");
        var arrayType = await FirstSupportedTypeAsync(client, "ARRAY", "ARRAY_STRING");
        Skip.If(arrayType is null, "The adaptor supports neither ARRAY nor ARRAY_STRING fields.");
        return await V3Collection.CreateAsync(client, UniqueId(purpose),
            ("title", "TEXT"), ("n", "NUMBER"), ("flag", "BOOLEAN"), ("when", "DATETIME"), ("meta", "OBJECT"), ("list", arrayType!));
    }

    /// <summary>Sends one patch per (itemId, modifications) and returns the results.</summary>
    internal static async Task<JsonArray> PatchAsync(V3Collection c, params (string ItemId, string Modifications)[] patches)
    {
        var response = await PatchRawAsync(c, patches);
        return response.EnsureSuccess().Body.Arr("results");
    }

    internal static Task<AdaptorResponse> PatchRawAsync(V3Collection c, params (string ItemId, string Modifications)[] patches) =>
        c.Client.V3Async("/v3/items/patch", new JsonObject
        {
            ["collectionId"] = c.Id,
            ["patches"] = new JsonArray([.. patches.Select(p => (JsonNode)new JsonObject { ["itemId"] = p.ItemId, ["fieldModifications"] = J(p.Modifications) })]),
        });

    private static JsonObject ItemOf(JsonNode? result) =>
        result?["item"] as JsonObject ?? throw new Xunit.Sdk.XunitException($"Expected an item, got {result?.ToJsonString()}");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Set_remove_and_increment_change_only_the_named_fields(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patch");
        var inserted = (await c.InsertAsync(J("""{"_id": "a", "title": "old", "n": 1, "flag": true, "meta": {"keep": 1}, "list": ["x"]}""")))[0];
        var results = await PatchAsync(c, ("a", """
            [{"action": "SET_FIELD", "fieldPath": "title", "setFieldOptions": {"value": "new"}},
             {"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": 2.5}},
             {"action": "REMOVE_FIELD", "fieldPath": "flag"},
             {"action": "SET_FIELD", "fieldPath": "when", "setFieldOptions": {"value": {"$date": "2024-05-06T07:08:09.123Z"}}}]
            """));
        var item = ItemOf(Assert.Single(results));
        Assert.Equal("new", item.Str("title"));
        Assert.Equal(3.5, item["n"]!.GetValue<double>());
        Assert.Null(item["flag"]);
        Assert.Equal(DateTimeOffset.Parse("2024-05-06T07:08:09.123Z", System.Globalization.CultureInfo.InvariantCulture), DateValue(item["when"], "when"));
        Assert.True(Same(J("""{"keep": 1}"""), item["meta"]), $"meta was not patched: {item.ToJsonString()}");
        Assert.True(Same(J("""["x"]"""), item["list"]), $"list was not patched: {item.ToJsonString()}");
        Assert.Equal(DateValue(inserted["_createdDate"], "inserted"), DateValue(item["_createdDate"], "patched"));
        Assert.True(DateValue(item["_updatedDate"], "patched") >= DateValue(inserted["_updatedDate"], "inserted"));
        var stored = await c.GetAsync("a");
        Assert.Equal("new", stored.Str("title"));
        Assert.Equal(3.5, stored!["n"]!.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Increment_of_a_missing_number_starts_from_zero(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchzero");
        await c.InsertAsync(J("""{"_id": "a", "title": "t"}"""));
        var item = ItemOf(Assert.Single(await PatchAsync(c, ("a", """[{"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": -4}}]"""))));
        Assert.Equal(-4, item["n"]!.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Array_modifiers_append_and_remove_every_equal_element_in_order(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patcharr");
        await c.InsertAsync(J("""{"_id": "a", "list": ["a", "b", "a", 1, {"k": 1}]}"""), J("""{"_id": "b"}"""));
        var results = await PatchAsync(c,
            ("a", """
                [{"action": "APPEND_TO_ARRAY", "fieldPath": "list", "appendToArrayOptions": {"value": "c"}},
                 {"action": "REMOVE_FROM_ARRAY", "fieldPath": "list", "removeFromArrayOptions": {"value": "a"}},
                 {"action": "REMOVE_FROM_ARRAY", "fieldPath": "list", "removeFromArrayOptions": {"value": {"k": 1}}},
                 {"action": "APPEND_TO_ARRAY", "fieldPath": "list", "appendToArrayOptions": {"value": ["nested"]}}]
                """),
            ("b", """[{"action": "APPEND_TO_ARRAY", "fieldPath": "list", "appendToArrayOptions": {"value": 7}}]"""));
        Assert.True(Same(J("""["b", 1, "c", ["nested"]]"""), ItemOf(results[0])["list"]), results[0]!.ToJsonString());
        Assert.True(Same(J("""[7]"""), ItemOf(results[1])["list"]), results[1]!.ToJsonString());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Nested_paths_are_set_incremented_removed_and_created_on_the_way(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchnest");
        await c.InsertAsync(J("""{"_id": "a", "meta": {"views": 1, "geo": {"lat": 1.5, "lng": 2}, "name": "x"}}"""));
        var item = ItemOf(Assert.Single(await PatchAsync(c, ("a", """
            [{"action": "INCREMENT_FIELD", "fieldPath": "meta.views", "incrementFieldOptions": {"value": 1}},
             {"action": "SET_FIELD", "fieldPath": "meta.geo.city", "setFieldOptions": {"value": "Paris"}},
             {"action": "REMOVE_FIELD", "fieldPath": "meta.geo.lat"},
             {"action": "SET_FIELD", "fieldPath": "meta.new.deep.key", "setFieldOptions": {"value": true}},
             {"action": "SET_FIELD", "fieldPath": "meta.name.first", "setFieldOptions": {"value": "Ada"}},
             {"action": "APPEND_TO_ARRAY", "fieldPath": "meta.tags", "appendToArrayOptions": {"value": "t1"}},
             {"action": "INCREMENT_FIELD", "fieldPath": "meta.counts.a", "incrementFieldOptions": {"value": 2}}]
            """))));
        Assert.True(Same(J("""
            {"views": 2, "geo": {"lng": 2, "city": "Paris"}, "name": {"first": "Ada"}, "new": {"deep": {"key": true}},
             "tags": ["t1"], "counts": {"a": 2}}
            """), item["meta"]), $"meta after the patch: {item["meta"]?.ToJsonString()}");
        Assert.True(Same(item["meta"], (await c.GetAsync("a"))?["meta"]), "the stored item differs from the answer");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_missing_item_fails_alone_in_input_order(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchmiss");
        await c.InsertAsync(J("""{"_id": "a", "n": 1}"""), J("""{"_id": "c", "n": 1}"""));
        const string inc = """[{"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": 1}}]""";
        var results = await PatchAsync(c, ("c", inc), ("missing", inc), ("a", inc));
        Assert.Equal(3, results.Count);
        Assert.Equal("c", ItemOf(results[0]).Str("_id"));
        Assert.Equal("ITEM_NOT_FOUND", results[1]?["error"].Str("errorCode"));
        Assert.Equal("missing", results[1]?["error"]?["data"].Str("itemId"));
        Assert.Equal(2, ItemOf(results[2])["n"]!.GetValue<double>());
        Assert.Equal(2, (await c.GetAsync("c"))?["n"]?.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Malformed_modifications_are_VALIDATION_ERROR_naming_them_and_change_nothing(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchbad");
        await c.InsertAsync(J("""{"_id": "a", "title": "t", "n": 1}"""));
        const string ok = """{"action": "SET_FIELD", "fieldPath": "title", "setFieldOptions": {"value": "changed"}}""";
        foreach (var (bad, fieldPath) in new[]
        {
            ("""{"action": "SET_FIELD", "fieldPath": "nope", "setFieldOptions": {"value": 1}}""", "patches[0].fieldModifications[1].fieldPath"),
            ("""{"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": "1"}}""", "patches[0].fieldModifications[1].incrementFieldOptions.value"),
            ("""{"action": "INCREMENT_FIELD", "fieldPath": "title", "incrementFieldOptions": {"value": 1}}""", "patches[0].fieldModifications[1].fieldPath"),
            ("""{"action": "SET_FIELD", "fieldPath": "n", "setFieldOptions": {"value": "not a number"}}""", "patches[0].fieldModifications[1].setFieldOptions.value"),
            ("""{"action": "SET_FIELD", "fieldPath": "_id", "setFieldOptions": {"value": "other"}}""", "patches[0].fieldModifications[1].fieldPath"),
            ("""{"action": "FLIP_FIELD", "fieldPath": "title"}""", "patches[0].fieldModifications[1].action"),
        })
        {
            var response = await PatchRawAsync(c, ("a", $"[{ok}, {bad}]"));
            response.ExpectV3Error(400, "VALIDATION_ERROR");
            Assert.Contains(response.Body?["data"]?["violations"]?.AsArray() ?? [], v => v.Str("fieldPath") == fieldPath);
        }
        Assert.Equal("t", (await c.GetAsync("a")).Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Increment_where_the_item_holds_no_number_fails_that_item_and_changes_nothing(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchtype");
        await c.InsertAsync(J("""{"_id": "a", "title": "t", "meta": {"views": "many"}}"""), J("""{"_id": "b", "meta": {"views": 1}}"""));
        const string inc = """
            [{"action": "SET_FIELD", "fieldPath": "title", "setFieldOptions": {"value": "changed"}},
             {"action": "INCREMENT_FIELD", "fieldPath": "meta.views", "incrementFieldOptions": {"value": 1}}]
            """;
        var results = await PatchAsync(c, ("a", inc), ("b", inc));
        Assert.Equal("VALIDATION_ERROR", results[0]?["error"].Str("errorCode"));
        Assert.Equal(2, ItemOf(results[1])["meta"]?["views"]?.GetValue<double>());
        var a = await c.GetAsync("a");
        Assert.Equal("t", a.Str("title"));
        Assert.Equal("many", a?["meta"].Str("views"));
    }

    /// <summary>16 clients increment one field 100 times each, at the same time: every increment counts.</summary>
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Concurrent_increments_are_never_lost(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "patchrace");
        await c.InsertAsync(J("""{"_id": "counter", "n": 0}"""));
        const int clients = 16, times = 100;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < times; i++)
            {
                var result = Assert.Single(await PatchAsync(c, ("counter", """[{"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": 1}}]""")));
                ItemOf(result);
            }
        })));
        Assert.Equal(clients * times, (await c.GetAsync("counter"))?["n"]?.GetValue<double>());
    }
}
