using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>V3 writes and value fidelity: insert, update, remove, truncate, count, round-trips.</summary>
public sealed partial class V3ItemsTests : V3Test
{
    private static async Task<V3Collection> CollectionAsync(AdaptorClient client, string purpose)
    {
        await RequireCollectionModificationsAsync(client);
        var arrayType = await FirstSupportedTypeAsync(client, "ARRAY", "ARRAY_STRING");
        (string, string)[] fields =
        [
            ("title", "TEXT"), ("n", "NUMBER"), ("flag", "BOOLEAN"), ("when", "DATETIME"), ("meta", "OBJECT"),
        ];
        if (arrayType is not null)
        {
            fields = [.. fields, ("list", arrayType)];
        }
        return await V3Collection.CreateAsync(client, UniqueId(purpose), fields);
    }

    private static Task<AdaptorResponse> Write(V3Collection c, string path, JsonNode items) =>
        c.Client.V3Async(path, new JsonObject { ["collectionId"] = c.Id, [path.EndsWith("remove", StringComparison.Ordinal) ? "itemIds" : "items"] = items });

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_generates_an_id_when_none_is_given(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "genid");
        var stored = await c.InsertAsync(J("""{"title": "no id"}"""), J("""{"title": "no id either"}"""));
        Assert.All(stored, item => Assert.False(string.IsNullOrEmpty(item.Str("_id"))));
        Assert.NotEqual(stored[0].Str("_id"), stored[1].Str("_id"));
        Assert.Equal("no id", (await c.GetAsync(stored[0].Str("_id")!))?.Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_keeps_the_given_id_and_returns_the_stored_item(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "keepid");
        var stored = Assert.Single(await c.InsertAsync(J("""{"_id": "given-1", "title": "t", "n": 5}""")));
        Assert.Equal("given-1", stored.Str("_id"));
        Assert.Equal("t", stored.Str("title"));
        Assert.Equal(5, stored["n"]!.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_returns_created_and_updated_dates_as_date_objects_with_milliseconds(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "sysdates");
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        var stored = Assert.Single(await c.InsertAsync(J("""{"_id": "d1", "title": "t"}""")));
        foreach (var key in new[] { "_createdDate", "_updatedDate" })
        {
            var text = stored[key].Str("$date");
            Assert.True(text is not null && IsoWithMilliseconds().IsMatch(text),
                $"{key} should be {{\"$date\": \"yyyy-MM-ddTHH:mm:ss.fffZ\"}}, was {stored[key]?.ToJsonString() ?? "absent"}");
            Assert.InRange(DateValue(stored[key], key), before, DateTimeOffset.UtcNow.AddMinutes(5));
        }
        var read = await c.GetAsync("d1");
        Assert.Equal(DateValue(stored["_createdDate"], "inserted"), DateValue(read?["_createdDate"], "queried"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_with_one_duplicate_fails_that_item_only_in_input_order(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "dupitem");
        await c.InsertAsync(J("""{"_id": "existing", "title": "old"}"""));
        var response = (await Write(c, "/v3/items/insert", J("""
            [{"_id": "new-1", "title": "a"}, {"_id": "existing", "title": "clash"}, {"_id": "new-2", "title": "b"}]
            """))).EnsureSuccess();
        var results = response.Body.Arr("results");
        Assert.Equal(3, results.Count);
        Assert.Equal("new-1", results[0]?["item"].Str("_id"));
        Assert.Equal("ITEM_ALREADY_EXISTS", results[1]?["error"].Str("errorCode"));
        Assert.Equal("existing", results[1]?["error"]?["data"].Str("itemId"));
        Assert.Null(results[1]?["item"]);
        Assert.Equal("new-2", results[2]?["item"].Str("_id"));
        Assert.Equal(["existing", "new-1", "new-2"], await c.IdsAsync(null));
        Assert.Equal("old", (await c.GetAsync("existing"))?.Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_replaces_the_whole_item(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "replace");
        var inserted = (await c.InsertAsync(J("""{"_id": "u1", "title": "before", "n": 1, "flag": true}""")))[0];
        await Task.Delay(20);
        var response = (await Write(c, "/v3/items/update", J("""[{"_id": "u1", "title": "after"}]"""))).EnsureSuccess();
        var updated = response.Body.Arr("results")[0]?["item"];
        Assert.Equal("after", updated.Str("title"));
        DateValue(updated?["_updatedDate"], "_updatedDate of the update result");

        var read = await c.GetAsync("u1");
        Assert.Equal("after", read.Str("title"));
        Assert.True(read?["n"] is null, $"n was not sent in the update, so it must be gone: {read?.ToJsonString()}");
        Assert.True(read?["flag"] is null, $"flag was not sent in the update, so it must be gone: {read?.ToJsonString()}");
        Assert.Equal(DateValue(inserted["_createdDate"], "inserted"), DateValue(read?["_createdDate"], "after update"));
        Assert.True(DateValue(read?["_updatedDate"], "after update") >= DateValue(inserted["_updatedDate"], "inserted"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_of_missing_item_is_ITEM_NOT_FOUND_for_that_item_only(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "updmiss");
        await c.InsertAsync(J("""{"_id": "here", "title": "x"}"""));
        var response = (await Write(c, "/v3/items/update", J("""[{"_id": "ghost", "title": "y"}, {"_id": "here", "title": "z"}]"""))).EnsureSuccess();
        var results = response.Body.Arr("results");
        Assert.Equal(2, results.Count);
        Assert.Equal("ITEM_NOT_FOUND", results[0]?["error"].Str("errorCode"));
        Assert.Equal("ghost", results[0]?["error"]?["data"].Str("itemId"));
        Assert.Equal("z", results[1]?["item"].Str("title"));
        Assert.Equal(["here"], await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Remove_returns_removed_items_and_ITEM_NOT_FOUND_for_missing_ones(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "remove");
        await c.InsertAsync(J("""{"_id": "r1", "title": "one"}"""), J("""{"_id": "r2", "title": "two"}"""));
        var response = (await Write(c, "/v3/items/remove", J("""["r1", "ghost"]"""))).EnsureSuccess();
        var results = response.Body.Arr("results");
        Assert.Equal(2, results.Count);
        Assert.Equal("r1", results[0]?["item"].Str("_id"));
        Assert.Equal("ITEM_NOT_FOUND", results[1]?["error"].Str("errorCode"));
        Assert.Equal(["r2"], await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Truncate_removes_every_item(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "trunc");
        c.RequireDataOperation("TRUNCATE");
        await c.InsertAsync(J("""{"title": "a"}"""), J("""{"title": "b"}"""), J("""{"title": "c"}"""));
        (await c.Client.V3Async("/v3/items/truncate", new JsonObject { ["collectionId"] = c.Id })).EnsureSuccess();
        Assert.Empty(await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Count_counts_matching_items(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "count");
        c.RequireDataOperation("COUNT");
        await c.InsertAsync(J("""{"n": 1}"""), J("""{"n": 2}"""), J("""{"n": 3}"""));
        async Task<double> Count(JsonNode filter) =>
            (await c.Client.V3Async("/v3/items/count", new JsonObject { ["collectionId"] = c.Id, ["filter"] = filter, ["consistentRead"] = true }))
            .EnsureSuccess().Object["totalCount"]!.GetValue<double>();
        Assert.Equal(3, await Count(new JsonObject()));
        Assert.Equal(2, await Count(J("""{"n": {"$gte": 2}}""")));
    }

    // Planted-defect guard: some adaptors store false and 0 as NULL.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task False_zero_and_empty_string_round_trip_as_themselves_not_null(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "falsy");
        await c.InsertAsync(J("""{"_id": "z", "title": "", "n": 0, "flag": false}"""));
        var read = await c.GetAsync("z");
        Assert.True(read?["flag"] is JsonValue f && f.GetValueKind() == System.Text.Json.JsonValueKind.False, $"flag should be false: {read?.ToJsonString()}");
        Assert.True(read?["n"] is JsonValue n && n.GetValue<double>() == 0, $"n should be 0: {read?.ToJsonString()}");
        Assert.True(read?["title"] is JsonValue t && t.GetValue<string>().Length == 0, $"title should be \"\": {read?.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Filters_on_false_and_zero_find_them_and_not_nulls(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "falsyq");
        await c.InsertAsync(J("""{"_id": "zero", "n": 0, "flag": false}"""), J("""{"_id": "none"}"""), J("""{"_id": "one", "n": 1, "flag": true}"""));
        Assert.Equal(["zero"], await c.IdsAsync(J("""{"flag": {"$eq": false}}""")));
        Assert.Equal(["zero"], await c.IdsAsync(J("""{"n": {"$eq": 0}}""")));
        Assert.Equal(["none"], await c.IdsAsync(J("""{"n": {"$eq": null}}""")));
    }

    // Planted-defect guard: some adaptors drop milliseconds from dates.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Dates_keep_milliseconds(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "millis");
        await c.InsertAsync(J("""{"_id": "m", "when": {"$date": "2024-05-06T07:08:09.123Z"}}"""));
        var read = await c.GetAsync("m");
        var when = DateValue(read?["when"], "when");
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero), when);
        Assert.Equal(["m"], await c.IdsAsync(J("""{"when": {"$eq": {"$date": "2024-05-06T07:08:09.123Z"}}}""")));
        Assert.Empty(await c.IdsAsync(J("""{"when": {"$gt": {"$date": "2024-05-06T07:08:09.123Z"}}}""")));
        Assert.Equal(["m"], await c.IdsAsync(J("""{"when": {"$gt": {"$date": "2024-05-06T07:08:09.122Z"}}}""")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Objects_arrays_numbers_and_unicode_round_trip(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "shapes");
        var item = J("""
            {"_id": "s", "title": "Zoë — 東京 🚀 'quote' \"dq\"", "n": -17.25,
             "meta": {"nested": {"deep": [1, "two", false, null]}, "flag": true, "zero": 0, "empty": ""}}
            """).AsObject();
        var hasList = c.Field("list") is not null;
        if (hasList)
        {
            item["list"] = J("""["a", "b", "a"]""");
        }
        await c.InsertAsync(item);
        var read = await c.GetAsync("s");
        Assert.Equal(item["title"]!.GetValue<string>(), read.Str("title"));
        Assert.Equal(-17.25, read?["n"]!.GetValue<double>());
        Assert.True(Same(item["meta"], read?["meta"]), $"meta changed: {read?["meta"]?.ToJsonString()}");
        if (hasList)
        {
            Assert.True(Same(item["list"], read?["list"]), $"list changed: {read?["list"]?.ToJsonString()}");
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Large_batch_insert_stores_every_item(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "batch");
        var items = Enumerable.Range(0, 200).Select(i => (JsonNode)new JsonObject
        {
            ["_id"] = i.ToString("D4", CultureInfo.InvariantCulture), ["n"] = i,
        }).ToArray();
        var stored = await c.InsertAsync(items);
        Assert.Equal(200, stored.Length);
        var all = (await c.QueryRawAsync(paging: J("""{"limit": 1000, "offset": 0}"""), returnTotalCount: true)).EnsureSuccess();
        Assert.Equal(200, all.Body.Arr("items").Count);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Concurrent_inserts_are_all_stored(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "concurrent");
        var batches = Enumerable.Range(0, 8).Select(b => c.Client.V3Async("/v3/items/insert", new JsonObject
        {
            ["collectionId"] = c.Id,
            ["items"] = new JsonArray([.. Enumerable.Range(0, 25).Select(i => (JsonNode)new JsonObject { ["n"] = b * 100 + i })]),
        }));
        var responses = await Task.WhenAll(batches);
        Assert.All(responses, r => Assert.DoesNotContain(r.EnsureSuccess().Body.Arr("results"), x => x?["error"] is not null));
        var all = (await c.QueryRawAsync(paging: J("""{"limit": 1000, "offset": 0}"""))).EnsureSuccess();
        Assert.Equal(200, all.Body.Arr("items").Count);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoWithMilliseconds();
}
