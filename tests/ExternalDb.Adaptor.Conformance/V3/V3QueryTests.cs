using System.Text.Json.Nodes;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// V3 <c>/v3/items/query</c>: every filter operator, sorting, projection, paging and the limits. The data
/// set is described on <see cref="QueryDataset"/>. An operator a field does not advertise in
/// <c>capabilities.queryOperators</c> is skipped with that reason.
/// </summary>
public sealed class V3QueryTests(QueryDataset dataset) : V3Test, IClassFixture<QueryDataset>
{
    private async Task<V3Collection> DataAsync(string target)
    {
        var client = await ClientAsync(target);
        return await dataset.GetAsync(client, async () =>
        {
            await RequireCollectionModificationsAsync(client);
            var arrayType = await FirstSupportedTypeAsync(client, "ARRAY_STRING", "ARRAY");
            (string, string)[] fields = [("title", "TEXT"), ("n", "NUMBER"), ("flag", "BOOLEAN"), ("when", "DATETIME")];
            if (arrayType is not null)
            {
                fields = [.. fields, ("tags", arrayType)];
            }
            return await V3Collection.CreateAsync(client, UniqueId("query"), fields);
        });
    }

    private static async Task Expect(V3Collection c, string filter, params string[] ids) =>
        Assert.Equal(ids, await c.IdsAsync(J(filter)));

    private static string[] AllExcept(params string[] ids) => [.. QueryDataset.AllIds.Except(ids)];

    private static void RequireTags(V3Collection c) =>
        Skip.If(c.Field("tags") is null, "The adaptor supports neither ARRAY nor ARRAY_STRING fields.");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Empty_filter_matches_everything(string target) =>
        Assert.Equal(QueryDataset.AllIds, await (await DataAsync(target)).IdsAsync(new JsonObject()));

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Eq_matches_equal_values(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "EQ");
        await Expect(c, """{"title": {"$eq": "beta"}}""", "b");
        await Expect(c, """{"n": {"$eq": 3}}""", "c");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Bare_value_means_eq(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"title": "beta"}""", "b");
        await Expect(c, """{"title": "beta", "n": 3}""");
        await Expect(c, """{"flag": true, "n": 3}""", "c");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Eq_null_matches_items_without_a_value(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"title": {"$eq": null}}""", "i");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Ne_excludes_the_value(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("n", "NE");
        await Expect(c, """{"n": {"$ne": 2}}""", AllExcept("b"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Lt_lte_gt_gte_compare_numbers(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("n", "LT");
        c.RequireOperator("n", "LTE");
        c.RequireOperator("n", "GT");
        c.RequireOperator("n", "GTE");
        await Expect(c, """{"n": {"$lt": 2}}""", "a", "h");
        await Expect(c, """{"n": {"$lte": 2}}""", "a", "b", "h");
        await Expect(c, """{"n": {"$gt": 7}}""", "i", "j");
        await Expect(c, """{"n": {"$gte": 7}}""", "g", "i", "j");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Comparisons_on_dates_use_milliseconds(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("when", "GT");
        c.RequireOperator("when", "LTE");
        await Expect(c, """{"when": {"$gt": {"$date": "2024-01-09T10:00:00.122Z"}}}""", "i", "j");
        await Expect(c, """{"when": {"$gt": {"$date": "2024-01-09T10:00:00.123Z"}}}""", "j");
        await Expect(c, """{"when": {"$lte": {"$date": "2024-01-02T10:00:00.123Z"}}}""", "a", "b");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task In_matches_any_listed_value(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"n": {"$in": [1, 3, 99]}}""", "a", "c");
        await Expect(c, """{"title": {"$in": ["beta", "delta"]}}""", "b", "d");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task HasSome_on_a_scalar_field_matches_any_listed_value(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("n", "HAS_SOME");
        await Expect(c, """{"n": {"$hasSome": [2, 4]}}""", "b", "d");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task HasSome_on_an_array_field_matches_arrays_holding_any_value(string target)
    {
        var c = await DataAsync(target);
        RequireTags(c);
        c.RequireOperator("tags", "HAS_SOME");
        await Expect(c, """{"tags": {"$hasSome": ["blue", "y"]}}""", "c", "e", "h");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task HasAll_on_an_array_field_requires_every_value(string target)
    {
        var c = await DataAsync(target);
        RequireTags(c);
        c.RequireOperator("tags", "HAS_ALL");
        await Expect(c, """{"tags": {"$hasAll": ["red", "green"]}}""", "a", "c");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Contains_is_a_case_insensitive_substring_match(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "CONTAINS");
        await Expect(c, """{"title": {"$contains": "ELL"}}""", "e", "f");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task StartsWith_is_a_case_insensitive_prefix_match(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "STARTS_WITH");
        await Expect(c, """{"title": {"$startsWith": "HELLO"}}""", "e", "f");
        await Expect(c, """{"title": {"$startsWith": "gam"}}""", "c");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task EndsWith_is_a_case_insensitive_suffix_match(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "ENDS_WITH");
        await Expect(c, """{"title": {"$endsWith": "WORLD"}}""", "e", "f");
        await Expect(c, """{"title": {"$endsWith": "ray"}}""", "c");
    }

    // SQL LIKE wildcards in the value must be literal: "0% p" must not match "100x pure", "a_" not "Alpha" or "ab_c".
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task String_operators_treat_percent_and_underscore_literally(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "CONTAINS");
        c.RequireOperator("title", "STARTS_WITH");
        await Expect(c, """{"title": {"$contains": "0% p"}}""", "g");
        await Expect(c, """{"title": {"$startsWith": "ab_"}}""", "j");
        await Expect(c, """{"title": {"$startsWith": "a_"}}""");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Exists_tells_present_from_missing_values(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "EXISTS");
        await Expect(c, """{"title": {"$exists": true}}""", AllExcept("i"));
        await Expect(c, """{"title": {"$exists": false}}""", "i");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Urlized_matches_words_joined_by_space_or_dash(string target)
    {
        var c = await DataAsync(target);
        c.RequireOperator("title", "URLIZED");
        await Expect(c, """{"title": {"$urlized": ["hello", "world"]}}""", "e", "f");
        await Expect(c, """{"title": {"$urlized": ["hello", "there"]}}""");
    }

    // Planted-defect guard: $matches must match the whole value, not a substring.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Matches_is_anchored_to_the_whole_value(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """
            {"title": {"$matches": {"ignoreCase": true, "spec": [
              {"type": "literal", "value": "ello"}, {"type": "anyOf", "value": " -"}, {"type": "literal", "value": "worl"}]}}}
            """);
        await Expect(c, """
            {"title": {"$matches": {"ignoreCase": true, "spec": [
              {"type": "literal", "value": "hello"}, {"type": "anyOf", "value": " -"}, {"type": "literal", "value": "world"}]}}}
            """, "e", "f");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Matches_honours_ignoreCase_false(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """
            {"title": {"$matches": {"ignoreCase": false, "spec": [
              {"type": "literal", "value": "Hello"}, {"type": "anyOf", "value": " -"}, {"type": "literal", "value": "World"}]}}}
            """, "e");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task And_requires_every_condition(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"$and": [{"n": {"$gt": 2}}, {"flag": {"$eq": true}}]}""", "c", "e", "g", "i");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Or_requires_any_condition(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"$or": [{"title": {"$eq": "beta"}}, {"n": {"$gte": 10}}]}""", "b", "j");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Not_as_an_array_negates(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"$not": [{"flag": {"$eq": true}}]}""", "b", "d", "f", "h", "j");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Not_as_an_object_negates(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"$not": {"flag": {"$eq": true}}}""", "b", "d", "f", "h", "j");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Nested_logical_operators_combine(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """
            {"$or": [{"$and": [{"flag": false}, {"n": {"$lt": 3}}]}, {"$not": [{"title": {"$ne": "Gamma Ray"}}]}]}
            """, "b", "c", "h");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Sort_orders_by_each_key_in_turn(string target)
    {
        var c = await DataAsync(target);
        var items = await c.QueryAsync(new JsonObject(), J("""[{"fieldName": "flag", "order": "ASC"}, {"fieldName": "n", "order": "DESC"}]"""));
        Assert.Equal(["j", "f", "d", "b", "h", "i", "g", "e", "c", "a"], items.Select(i => i.Str("_id")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Sort_on_text_and_dates_descending(string target)
    {
        var c = await DataAsync(target);
        var byDate = await c.QueryAsync(J("""{"n": {"$lte": 3}}"""), J("""[{"fieldName": "when", "order": "DESC"}]"""));
        Assert.Equal(["h", "c", "b", "a"], byDate.Select(i => i.Str("_id")));
        var byId = await c.QueryAsync(J("""{"n": {"$lte": 3}}"""), J("""[{"fieldName": "_id", "order": "DESC"}]"""));
        Assert.Equal(["h", "c", "b", "a"], byId.Select(i => i.Str("_id")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Fields_projection_returns_only_the_requested_fields_and_id(string target)
    {
        var c = await DataAsync(target);
        var response = (await c.QueryRawAsync(J("""{"_id": "a"}"""), fields: J("""["title"]"""),
            paging: J("""{"limit": 10, "offset": 0}"""))).EnsureSuccess();
        var item = Assert.Single(response.Body.Arr("items"))!.AsObject();
        Assert.Equal("a", item.Str("_id"));
        Assert.Equal("Alpha", item.Str("title"));
        Assert.False(item.ContainsKey("n"), $"n was not requested: {item.ToJsonString()}");
        Assert.False(item.ContainsKey("flag"), $"flag was not requested: {item.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Offset_paging_returns_the_window_and_the_total_count(string target)
    {
        var c = await DataAsync(target);
        var response = (await c.QueryRawAsync(new JsonObject(), J("""[{"fieldName": "n", "order": "ASC"}]"""),
            J("""{"limit": 3, "offset": 3}"""), returnTotalCount: true)).EnsureSuccess();
        Assert.Equal(["c", "d", "e"], response.Body.Arr("items").Select(i => i.Str("_id")));
        Assert.Equal(10, response.Body?["pagingMetadata"]?["total"]?.GetValue<double>());
        var last = (await c.QueryRawAsync(new JsonObject(), J("""[{"fieldName": "n", "order": "ASC"}]"""),
            J("""{"limit": 3, "offset": 9}"""))).EnsureSuccess();
        Assert.Equal(["j"], last.Body.Arr("items").Select(i => i.Str("_id")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Cursor_paging_walks_every_item_exactly_once(string target)
    {
        var c = await DataAsync(target);
        var seen = new List<string>();
        var first = (await c.QueryRawAsync(new JsonObject(), J("""[{"fieldName": "n", "order": "ASC"}]"""),
            cursorPaging: J("""{"limit": 3}"""))).EnsureSuccess();
        var next = first.Body?["pagingMetadata"]?["cursors"].Str("next");
        Skip.If(next is null && c.Definition.Str("pagingMode") != "CURSOR",
            "The collection's pagingMode is not CURSOR and the adaptor returned no cursor for cursorPaging.");
        seen.AddRange(first.Body.Arr("items").Select(i => i.Str("_id")!));
        for (var page = 0; next is not null && page < 20; page++)
        {
            var response = (await c.Client.V3Async("/v3/items/query", new JsonObject
            {
                ["collectionId"] = c.Id,
                ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 3, ["cursor"] = next } },
                ["consistentRead"] = true,
                ["returnTotalCount"] = false,
            })).EnsureSuccess();
            var items = response.Body.Arr("items");
            Assert.InRange(items.Count, 0, 3);
            seen.AddRange(items.Select(i => i.Str("_id")!));
            next = response.Body?["pagingMetadata"]?["cursors"].Str("next");
        }
        Assert.Null(next);
        Assert.Equal(["h", "a", "b", "c", "d", "e", "f", "g", "i", "j"], seen);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Limit_of_1000_is_accepted(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(paging: J("""{"limit": 1000, "offset": 0}"""))).EnsureSuccess();
    }

    // Planted-defect guard: page size must be bounded.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Limit_above_1000_is_VALIDATION_ERROR(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(paging: J("""{"limit": 1001, "offset": 0}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Negative_offset_is_VALIDATION_ERROR(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(paging: J("""{"limit": 10, "offset": -1}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Filter_on_unknown_field_is_VALIDATION_ERROR(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(J("""{"no_such_field": {"$eq": 1}}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    // Planted-defect guard: an unknown operator is the caller's mistake (400), never a 500.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unknown_operator_is_VALIDATION_ERROR_not_500(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(J("""{"n": {"$regex": "1"}}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
        (await c.QueryRawAsync(J("""{"$nor": [{"n": 1}]}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Sort_on_unknown_field_is_VALIDATION_ERROR(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(sort: J("""[{"fieldName": "no_such_field", "order": "ASC"}]"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Filter_values_are_data_not_sql(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"title": {"$eq": "x' OR '1'='1"}}""");
        await Expect(c, """{"title": {"$eq": "beta\"; DROP TABLE x; --"}}""");
        Assert.Equal(10, (await c.IdsAsync(new JsonObject())).Length);
    }
}
