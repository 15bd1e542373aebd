using System.Diagnostics;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// <c>/v3/indexes/list|create|remove</c>: Wix's index shape (<c>name, fields: [{path, order}], unique, caseInsensitive,
/// status, failure</c>), regular, unique and nested-path indexes, a unique index over duplicates reported FAILED with
/// the reason, and the refusals (duplicate name, missing field, unknown index, the primary key). Skipped unless
/// <c>/v3/capabilities/get</c> says <c>indexOptions.supportsIndexes</c> (or velo's spelling <c>indexptions</c>).
/// </summary>
public sealed class V3IndexTests : V3Test
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    private static async Task<V3Collection> CollectionAsync(AdaptorClient client, string purpose)
    {
        await RequireCollectionModificationsAsync(client);
        var capabilities = await CapabilitiesAsync(client);
        var options = capabilities["indexOptions"] ?? capabilities["indexptions"];
        Skip.IfNot(options?["supportsIndexes"]?.GetValue<bool>() == true,
            "The adaptor does not advertise indexOptions.supportsIndexes in /v3/capabilities/get.");
        return await V3Collection.CreateAsync(client, UniqueId(purpose), ("title", "TEXT"), ("code", "TEXT"), ("n", "NUMBER"), ("address", "OBJECT"));
    }

    internal static Task<AdaptorResponse> CreateRawAsync(V3Collection c, string index) =>
        c.Client.V3Async("/v3/indexes/create", new JsonObject { ["collectionId"] = c.Id, ["index"] = J(index) });

    private static async Task<JsonArray> ListAsync(V3Collection c) =>
        (await c.Client.V3Async("/v3/indexes/list", new JsonObject { ["collectionId"] = c.Id })).EnsureSuccess().Body.Arr("indexes");

    private static Task<AdaptorResponse> RemoveAsync(V3Collection c, string name) =>
        c.Client.V3Async("/v3/indexes/remove", new JsonObject { ["collectionId"] = c.Id, ["indexName"] = name });

    /// <summary>Creates the index and waits (listing) until it is no longer BUILDING; returns it as listed.</summary>
    internal static async Task<JsonObject> CreateSettledAsync(V3Collection c, string index)
    {
        var created = (await CreateRawAsync(c, index)).EnsureSuccess().Body?["index"] as JsonObject
            ?? throw new Xunit.Sdk.XunitException("/v3/indexes/create answered no index");
        var name = created.Str("name")!;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = (await ListAsync(c)).OfType<JsonObject>().SingleOrDefault(i => i.Str("name") == name)
                ?? throw new Xunit.Sdk.XunitException($"Index {name} was created but is not listed");
            if (listed.Str("status") != "BUILDING")
            {
                return listed;
            }
            if (clock.Elapsed > Settle)
            {
                throw new Xunit.Sdk.XunitException($"Index {name} still BUILDING after {Settle.TotalSeconds} s");
            }
            await Task.Delay(200);
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task List_shows_the_primary_key_as_a_unique_index_on_id(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixlist");
        var indexes = await ListAsync(c);
        Assert.Contains(indexes, i => i?["unique"]?.GetValue<bool>() == true && i.Str("status") == "ACTIVE"
            && i["fields"] is JsonArray { Count: 1 } f && f[0].Str("path") == "_id");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Created_index_is_listed_as_sent_and_becomes_ACTIVE(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixcreate");
        await c.InsertAsync(J("""{"_id": "a", "title": "x", "n": 1}"""), J("""{"_id": "b", "title": "x", "n": 2}"""));
        var created = (await CreateRawAsync(c, """{"name": "by_title_n", "fields": [{"path": "title", "order": "ASC"}, {"path": "n", "order": "DESC"}], "unique": false, "caseInsensitive": false}"""))
            .EnsureSuccess().Body?["index"];
        Assert.Contains(created.Str("status"), new[] { "BUILDING", "ACTIVE" });
        var listed = await CreateSettledOrListedAsync(c, "by_title_n");
        Assert.Equal("ACTIVE", listed.Str("status"));
        Assert.True(Same(J("""[{"path": "title", "order": "ASC"}, {"path": "n", "order": "DESC"}]"""), listed["fields"]), listed.ToJsonString());
        Assert.False(listed["unique"]!.GetValue<bool>());
        Assert.Equal(["a", "b"], await c.IdsAsync(J("""{"title": "x"}""")));
    }

    private static async Task<JsonObject> CreateSettledOrListedAsync(V3Collection c, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = (await ListAsync(c)).OfType<JsonObject>().Single(i => i.Str("name") == name);
            if (listed.Str("status") != "BUILDING" || clock.Elapsed > Settle)
            {
                return listed;
            }
            await Task.Delay(200);
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unique_index_refuses_a_second_item_with_the_same_value(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixunique");
        await c.InsertAsync(J("""{"_id": "a", "code": "X1"}"""));
        Assert.Equal("ACTIVE", (await CreateSettledAsync(c, """{"name": "code_unique", "fields": [{"path": "code", "order": "ASC"}], "unique": true}""")).Str("status"));
        var response = await c.Client.V3Async("/v3/items/insert", new JsonObject { ["collectionId"] = c.Id, ["items"] = J("""[{"_id": "b", "code": "X1"}]""") });
        Assert.True(!response.IsSuccess || response.Body.Arr("results")[0]?["error"] is not null, $"A duplicate of a unique index was stored: {response.Text}");
        Assert.Equal(["a"], await c.IdsAsync(J("""{"code": "X1"}""")));
        await c.InsertAsync(J("""{"_id": "c", "code": "X2"}"""));
    }

    /// <summary>Skips when the adaptor says (in the ExternalDb extensions of its capabilities) that it cannot build such indexes.</summary>
    private static async Task RequireIndexFeatureAsync(AdaptorClient client, string extension, string what) =>
        Skip.If((await CapabilitiesAsync(client))["externalDb"]?[extension]?.GetValue<bool>() == false,
            $"The adaptor says externalDb.{extension}: false; it builds no {what}.");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Case_insensitive_unique_index_treats_case_variants_as_the_same_value(string target)
    {
        var client = await ClientAsync(target);
        await RequireIndexFeatureAsync(client, "caseInsensitiveIndexes", "case-insensitive indexes");
        await using var c = await CollectionAsync(client, "ixci");
        await c.InsertAsync(J("""{"_id": "a", "title": "Hello"}"""));
        var index = await CreateSettledAsync(c, """{"name": "title_ci", "fields": [{"path": "title", "order": "ASC"}], "unique": true, "caseInsensitive": true}""");
        Assert.Equal("ACTIVE", index.Str("status"));
        Assert.True(index["caseInsensitive"]?.GetValue<bool>());
        var response = await c.Client.V3Async("/v3/items/insert", new JsonObject { ["collectionId"] = c.Id, ["items"] = J("""[{"_id": "b", "title": "hELLO"}]""") });
        Assert.True(!response.IsSuccess || response.Body.Arr("results")[0]?["error"] is not null, $"A case variant of a unique value was stored: {response.Text}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unique_index_over_duplicate_values_is_FAILED_with_the_reason(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixfail");
        await c.InsertAsync(J("""{"_id": "a", "code": "same"}"""), J("""{"_id": "b", "code": "same"}"""));
        var index = await CreateSettledAsync(c, """{"name": "code_unique", "fields": [{"path": "code", "order": "ASC"}], "unique": true}""");
        Assert.Equal("FAILED", index.Str("status"));
        Assert.False(string.IsNullOrEmpty(index["failure"].Str("description")), $"A FAILED index needs a failure with a description: {index.ToJsonString()}");
        Assert.False(string.IsNullOrEmpty(index["failure"].Str("code")), $"A FAILED index needs a failure code: {index.ToJsonString()}");
        // Nothing enforces uniqueness: a third equal value is stored.
        await c.InsertAsync(J("""{"_id": "c", "code": "same"}"""));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Index_on_a_nested_path_is_built_and_queries_still_answer(string target)
    {
        var client = await ClientAsync(target);
        await RequireIndexFeatureAsync(client, "nestedPathIndexes", "indexes on nested paths");
        await using var c = await CollectionAsync(client, "ixnested");
        await c.InsertAsync(J("""{"_id": "a", "address": {"city": "Paris"}}"""), J("""{"_id": "b", "address": {"city": "Rome"}}"""));
        var index = await CreateSettledAsync(c, """{"name": "by_city", "fields": [{"path": "address.city", "order": "ASC"}]}""");
        Assert.Equal("ACTIVE", index.Str("status"));
        Assert.Equal("address.city", index["fields"]?[0].Str("path"));
        if (c.Field("address")?["capabilities"]?["nestedPaths"] is not null)
        {
            Assert.Equal(["a"], await c.IdsAsync(J("""{"address.city": "Paris"}""")));
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_second_index_with_the_same_name_is_INDEX_ALREADY_EXISTS(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixdup");
        await CreateSettledAsync(c, """{"name": "by_n", "fields": [{"path": "n", "order": "ASC"}]}""");
        var again = await CreateRawAsync(c, """{"name": "by_n", "fields": [{"path": "title", "order": "ASC"}]}""");
        again.ExpectV3Error(409, "INDEX_ALREADY_EXISTS");
        Assert.Single((await ListAsync(c)).OfType<JsonObject>(), i => i.Str("name") == "by_n");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task An_index_on_a_missing_field_is_refused_naming_the_field(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixmissing");
        var response = await CreateRawAsync(c, """{"name": "by_ghost", "fields": [{"path": "ghost_field", "order": "ASC"}]}""");
        Assert.Equal(400, response.StatusCode);
        Assert.Contains("ghost_field", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain((await ListAsync(c)).OfType<JsonObject>(), i => i.Str("name") == "by_ghost");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Hostile_index_names_are_refused_or_kept_literally(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixhostile");
        var response = await CreateRawAsync(c, """{"name": "x\"; DROP TABLE y; --", "fields": [{"path": "n", "order": "ASC"}]}""");
        if (!response.IsSuccess)
        {
            Assert.Equal(400, response.StatusCode);
            return;
        }
        Assert.Contains((await ListAsync(c)).OfType<JsonObject>(), i => i.Str("name") == "x\"; DROP TABLE y; --");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Remove_drops_the_index(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixremove");
        await c.InsertAsync(J("""{"_id": "a", "code": "X"}"""));
        await CreateSettledAsync(c, """{"name": "code_unique", "fields": [{"path": "code", "order": "ASC"}], "unique": true}""");
        (await RemoveAsync(c, "code_unique")).EnsureSuccess();
        Assert.DoesNotContain((await ListAsync(c)).OfType<JsonObject>(), i => i.Str("name") == "code_unique");
        await c.InsertAsync(J("""{"_id": "b", "code": "X"}"""));
        // The name is free again.
        Assert.Equal("FAILED", (await CreateSettledAsync(c, """{"name": "code_unique", "fields": [{"path": "code", "order": "ASC"}], "unique": true}""")).Str("status"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Removing_an_unknown_index_is_INDEX_NOT_FOUND_and_the_primary_key_cannot_be_removed(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "ixnotfound");
        (await RemoveAsync(c, "no_such_index")).ExpectV3Error(404, "INDEX_NOT_FOUND");
        var system = (await ListAsync(c)).OfType<JsonObject>().First(i => i["fields"] is JsonArray { Count: 1 } f && f[0].Str("path") == "_id");
        var response = await RemoveAsync(c, system.Str("name")!);
        Assert.InRange(response.StatusCode, 400, 499);
        Assert.Contains((await ListAsync(c)).OfType<JsonObject>(), i => i.Str("name") == system.Str("name"));
    }
}
