using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>Legacy <c>/data/*</c>: single-item calls, bulk forms, count, truncate, aggregate, value fidelity.</summary>
public sealed class LegacyDataTests : LegacyTest
{
    private static Task<LegacyCollection> CollectionAsync(AdaptorClient client, string purpose) =>
        LegacyCollection.CreateAsync(client, UniqueName(purpose),
            ("title", "text"), ("n", "number"), ("flag", "boolean"), ("when", "datetime"), ("meta", "object"));

    private static JsonObject Body(LegacyCollection c, string json)
    {
        var body = O(json);
        body["collectionName"] = c.Name;
        return body;
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_returns_the_item_with_id_and_dates(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "insert");
        var withId = await c.InsertAsync(J("""{"_id": "given", "title": "t"}"""));
        Assert.Equal("given", withId.Str("_id"));
        Assert.Equal("t", withId.Str("title"));
        DateValue(withId["_createdDate"], "_createdDate");
        DateValue(withId["_updatedDate"], "_updatedDate");
        var generated = await c.InsertAsync(J("""{"title": "no id"}"""));
        Assert.False(string.IsNullOrEmpty(generated.Str("_id")));
        Assert.Equal("no id", (await c.GetAsync(generated.Str("_id")!)).Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Insert_of_an_existing_id_is_409_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "dup");
        await c.InsertAsync(J("""{"_id": "x", "title": "first"}"""));
        (await client.LegacyAsync("/data/insert", Body(c, """{"item": {"_id": "x", "title": "second"}}"""))).ExpectLegacyError(409);
        Assert.Equal("first", (await c.GetAsync("x")).Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Get_of_a_missing_item_is_404_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "getmiss");
        (await client.LegacyAsync("/data/get", Body(c, """{"itemId": "ghost"}"""))).ExpectLegacyError(404);
    }

    // Some V2 callers send "" (or null) for "no sort", as they do for "no filter".
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Find_with_an_empty_string_or_null_sort_is_unsorted_not_400(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "nosort");
        await c.InsertAsync(J("""{"_id": "a", "title": "t"}"""));
        foreach (var sort in new JsonNode?[] { JsonValue.Create(""), null })
        {
            var body = Body(c, """{"skip": 0, "limit": 10}""");
            body["filter"] = Filter(client).Empty;
            body["sort"] = sort;
            var found = (await client.LegacyAsync("/data/find", body)).EnsureSuccess().Body.Arr("items");
            Assert.Equal("a", Assert.Single(found).Str("_id"));
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Data_call_on_unknown_collection_is_404_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        (await client.LegacyAsync("/data/find", O($$"""{"collectionName": "{{UniqueName("missing")}}", "filter": {}, "sort": [], "skip": 0, "limit": 10}""")))
            .ExpectLegacyError(404);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_replaces_the_item(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "update");
        await c.InsertAsync(J("""{"_id": "u", "title": "before", "n": 1}"""));
        var response = (await client.LegacyAsync("/data/update", Body(c, """{"item": {"_id": "u", "title": "after"}}"""))).EnsureSuccess();
        Assert.Equal("after", response.Body?["item"].Str("title"));
        var read = await c.GetAsync("u");
        Assert.Equal("after", read.Str("title"));
        Assert.True(read?["n"] is null, $"n was not sent in the update, so it must be gone: {read?.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Update_of_a_missing_item_is_404_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "updmiss");
        (await client.LegacyAsync("/data/update", Body(c, """{"item": {"_id": "ghost", "title": "x"}}"""))).ExpectLegacyError(404);
        Assert.Empty(await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Remove_deletes_the_item_and_a_missing_one_is_404(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "remove");
        await c.InsertAsync(J("""{"_id": "r", "title": "x"}"""));
        (await client.LegacyAsync("/data/remove", Body(c, """{"itemId": "r"}"""))).EnsureSuccess();
        Assert.Null(await c.GetAsync("r"));
        (await client.LegacyAsync("/data/remove", Body(c, """{"itemId": "r"}"""))).ExpectLegacyError(404);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Count_counts_matching_items(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "count");
        foreach (var n in new[] { 1, 2, 3 })
        {
            await c.InsertAsync(new JsonObject { ["n"] = n });
        }
        var f = Filter(client);
        async Task<double> Count(JsonNode filter) =>
            (await client.LegacyAsync("/data/count", new JsonObject { ["collectionName"] = c.Name, ["filter"] = filter }))
            .EnsureSuccess().Object["totalCount"]!.GetValue<double>();
        Assert.Equal(3, await Count(f.Empty));
        Assert.Equal(2, await Count(f.Op("$gte", "n", 2)));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Find_pages_with_skip_and_limit_sorts_and_counts_the_total(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "paging");
        for (var n = 1; n <= 7; n++)
        {
            await c.InsertAsync(new JsonObject { ["_id"] = "i" + n.ToString(CultureInfo.InvariantCulture), ["n"] = n, ["flag"] = n % 2 == 0 });
        }
        var page = (await c.FindRawAsync(Filter(client).Empty, J("""[{"fieldName": "n", "direction": "desc"}]"""), skip: 2, limit: 3)).EnsureSuccess();
        Assert.Equal(["i5", "i4", "i3"], page.Body.Arr("items").Select(i => i.Str("_id")));
        Assert.Equal(7, page.Body?["totalCount"]?.GetValue<double>());
        var multi = await c.FindAsync(Filter(client).Empty, J("""[{"fieldName": "flag", "direction": "asc"}, {"fieldName": "n", "direction": "desc"}]"""));
        Assert.Equal(["i7", "i5", "i3", "i1", "i6", "i4", "i2"], multi.Select(i => i.Str("_id")));
    }

    // Planted-defect guard: page size must be bounded.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Find_with_limit_above_1000_is_400(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "limit");
        (await c.FindRawAsync(Filter(client).Empty, limit: 1001)).ExpectLegacyError(400);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Find_with_projection_returns_only_those_fields(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "projection in /data/find");
        await using var c = await CollectionAsync(client, "proj");
        await c.InsertAsync(J("""{"_id": "p", "title": "t", "n": 5}"""));
        var response = (await c.FindRawAsync(Filter(client).Empty, projection: J("""["title"]"""))).EnsureSuccess();
        var item = Assert.Single(response.Body.Arr("items"))!.AsObject();
        Assert.Equal("t", item.Str("title"));
        Assert.False(item.ContainsKey("n"), $"n was not requested: {item.ToJsonString()}");
    }

    // Planted-defect guard: some adaptors store false and 0 as NULL.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task False_zero_and_empty_string_round_trip_as_themselves_not_null(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "falsy");
        await c.InsertAsync(J("""{"_id": "z", "title": "", "n": 0, "flag": false}"""));
        await c.InsertAsync(J("""{"_id": "none"}"""));
        var read = await c.GetAsync("z");
        Assert.True(read?["flag"] is JsonValue f && f.GetValueKind() == System.Text.Json.JsonValueKind.False, $"flag should be false: {read?.ToJsonString()}");
        Assert.True(read?["n"] is JsonValue n && n.GetValue<double>() == 0, $"n should be 0: {read?.ToJsonString()}");
        Assert.True(read?["title"] is JsonValue t && t.GetValue<string>().Length == 0, $"title should be \"\": {read?.ToJsonString()}");
        Assert.Equal(["z"], await c.IdsAsync(Filter(client).Eq("flag", false)));
        Assert.Equal(["z"], await c.IdsAsync(Filter(client).Eq("n", 0)));
    }

    // Planted-defect guard: some adaptors drop milliseconds from dates.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Dates_keep_milliseconds(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "millis");
        await c.InsertAsync(J("""{"_id": "m", "when": {"$date": "2024-05-06T07:08:09.123Z"}}"""));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero), DateValue((await c.GetAsync("m"))?["when"], "when"));
        Assert.Empty(await c.IdsAsync(Filter(client).Op("$gt", "when", Date("2024-05-06T07:08:09.123Z"))));
        Assert.Equal(["m"], await c.IdsAsync(Filter(client).Op("$gt", "when", Date("2024-05-06T07:08:09.122Z"))));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Objects_round_trip(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "objects");
        var meta = J("""{"nested": {"deep": [1, "two", false, null]}, "zero": 0, "empty": "", "list": ["a", "b"]}""");
        await c.InsertAsync(new JsonObject { ["_id"] = "o", ["meta"] = meta.DeepClone(), ["title"] = "Zoë 東京 🚀" });
        var read = await c.GetAsync("o");
        Assert.True(Same(meta, read?["meta"]), $"meta changed: {read?["meta"]?.ToJsonString()}");
        Assert.Equal("Zoë 東京 🚀", read.Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Bulk_insert_update_and_remove(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/data/*/bulk");
        await using var c = await CollectionAsync(client, "bulk");
        var inserted = (await client.LegacyAsync("/data/insert/bulk", Body(c, """
            {"items": [{"_id": "b1", "n": 1}, {"_id": "b2", "n": 2}, {"_id": "b3", "n": 3}]}
            """))).EnsureSuccess();
        Assert.Equal(3, inserted.Body.Arr("items").Count);
        (await client.LegacyAsync("/data/update/bulk", Body(c, """
            {"items": [{"_id": "b1", "n": 10}, {"_id": "b2", "n": 20}]}
            """))).EnsureSuccess();
        Assert.Equal(20, (await c.GetAsync("b2"))?["n"]?.GetValue<double>());
        (await client.LegacyAsync("/data/remove/bulk", Body(c, """{"itemIds": ["b1", "b3"]}"""))).EnsureSuccess();
        Assert.Equal(["b2"], await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Bulk_insert_with_an_existing_id_is_409(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/data/insert/bulk");
        await using var c = await CollectionAsync(client, "bulkdup");
        await c.InsertAsync(J("""{"_id": "e", "n": 1}"""));
        (await client.LegacyAsync("/data/insert/bulk", Body(c, """{"items": [{"_id": "f", "n": 2}, {"_id": "e", "n": 3}]}""")))
            .ExpectLegacyError(409);
        Assert.Equal(1, (await c.GetAsync("e"))?["n"]?.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Truncate_removes_every_item(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/data/truncate");
        await using var c = await CollectionAsync(client, "trunc");
        await c.InsertAsync(J("""{"n": 1}"""));
        await c.InsertAsync(J("""{"n": 2}"""));
        (await client.LegacyAsync("/data/truncate", Body(c, "{}"))).EnsureSuccess();
        Assert.Empty(await c.IdsAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregate_groups_with_processing_and_post_filtering_steps(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/data/aggregate");
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("agg"), ("region", "text"), ("country", "text"), ("amount", "number"));
        foreach (var (region, country, amount) in new[] { ("EU", "DE", 100), ("EU", "DE", 300), ("EU", "FR", 50), ("EU", "FR", 25), ("US", "US", 1000) })
        {
            await c.InsertAsync(new JsonObject { ["region"] = region, ["country"] = country, ["amount"] = amount });
        }
        var response = (await client.LegacyAsync("/data/aggregate", Body(c, """
            {"filter": {"region": {"$eq": "EU"}},
             "processingStep": {"_id": {"country": "$country"}, "total": {"$sum": "$amount"}, "low": {"$min": "$amount"},
                                "high": {"$max": "$amount"}, "mean": {"$avg": "$amount"}, "n": {"$sum": 1}},
             "postFilteringStep": {"total": {"$gt": 100}}}
            """))).EnsureSuccess();
        var group = Assert.Single(response.Body.Arr("items"))!.AsObject();
        Assert.Equal("DE", group.Str("country"));
        Assert.Equal(400, group["total"]?.GetValue<double>());
        Assert.Equal(100, group["low"]?.GetValue<double>());
        Assert.Equal(300, group["high"]?.GetValue<double>());
        Assert.Equal(200, group["mean"]?.GetValue<double>());
        Assert.Equal(2, group["n"]?.GetValue<double>());
    }
}
