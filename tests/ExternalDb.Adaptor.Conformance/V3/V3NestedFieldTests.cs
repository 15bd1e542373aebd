using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// Dotted paths into OBJECT fields (<c>address.city</c>, <c>address.geo.country.code</c>) in filters, sorts,
/// projections, distinct values and aggregations. The data set is described on <see cref="NestedDataset"/>. Values
/// compare by the operand's type: numbers as numbers, strings as strings, dates by instant. Skipped unless the OBJECT
/// field advertises <c>capabilities.nestedPaths</c> (an ExternalDb extension of the field capabilities).
/// </summary>
public sealed class V3NestedFieldTests(NestedDataset dataset) : V3Test, IClassFixture<NestedDataset>
{
    private async Task<V3Collection> DataAsync(string target)
    {
        var client = await ClientAsync(target);
        var collection = await dataset.GetAsync(client, async () =>
        {
            await RequireCollectionModificationsAsync(client);
            Skip.If(await FirstSupportedTypeAsync(client, "OBJECT") is null, "The adaptor does not support OBJECT fields.");
            return await V3Collection.CreateAsync(client, UniqueId("nested"), ("title", "TEXT"), ("address", "OBJECT"));
        });
        Skip.If(collection.Field("address")?["capabilities"]?["nestedPaths"] is null,
            "Field 'address' (OBJECT) does not advertise capabilities.nestedPaths; nested paths are not tested.");
        return collection;
    }

    private static async Task Expect(V3Collection c, string filter, params string[] ids) =>
        Assert.Equal(ids, await c.IdsAsync(J(filter)));

    private static string[] AllExcept(params string[] ids) => [.. NestedDataset.AllIds.Except(ids)];

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Object_field_advertises_nested_paths_with_their_operators(string target)
    {
        var c = await DataAsync(target);
        var nested = c.Field("address")!["capabilities"]!["nestedPaths"]!;
        var operators = nested.Arr("queryOperators").Select(o => o!.GetValue<string>()).ToList();
        Assert.Contains("EQ", operators);
        Assert.All(operators, o => Assert.Contains(o, QueryOperators.AllCapabilities));
        Assert.True(nested["sortable"]?.GetValue<bool>() is true or false, $"nestedPaths.sortable must be a boolean: {nested.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Eq_on_a_nested_string_matches_exactly(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": {"$eq": "Paris"}}""", "p1");
        await Expect(c, """{"address.city": "paris"}""", "p2");
        await Expect(c, """{"address.city": {"$eq": "Rome"}}""");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Paths_go_several_levels_deep(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.geo.country.code": "FR"}""", "p1", "p2");
        await Expect(c, """{"address.geo.lat": {"$lt": 0}}""", "s1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Ne_and_not_also_match_items_without_the_value(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": {"$ne": "Paris"}}""", AllExcept("p1"));
        await Expect(c, """{"$not": {"address.geo.country.code": "FR"}}""", AllExcept("p1", "p2"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Numbers_compare_as_numbers_and_only_with_numbers(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.zip": {"$gt": 20000}}""", "p1", "p2");
        await Expect(c, """{"address.zip": {"$gte": 1000, "$lt": 20000}}""", "b1", "s1");
        await Expect(c, """{"address.zip": {"$lte": 9999.5}}""", "s1");
        await Expect(c, """{"address.zip": 75001.0}""", "p1");
        // A string does not equal the number it spells, and a number range never takes in strings ("EC1A").
        await Expect(c, """{"address.zip": "75001"}""");
        await Expect(c, """{"address.zip": {"$gt": -1e9}}""", "b1", "p1", "p2", "s1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Strings_compare_as_strings_in_binary_order(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": {"$gt": "M"}}""", "p1", "p2", "s1");
        await Expect(c, """{"address.city": {"$lte": "London"}}""", "b1", "l1");
        await Expect(c, """{"address.zip": {"$gte": "A"}}""", "l1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Dates_inside_objects_compare_by_instant(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.since": {"$gt": {"$date": "2020-01-01T00:00:00.050Z"}}}""", "b1", "p1", "p2");
        await Expect(c, """{"address.since": {"$lt": {"$date": "2020-01-01T00:00:00.100Z"}}}""", "l1");
        await Expect(c, """{"address.since": {"$eq": {"$date": "2020-01-01T00:00:00.100Z"}}}""", "p1");
        // The same instant written differently.
        await Expect(c, """{"address.since": {"$eq": {"$date": "2020-01-01T01:00:00.1+01:00"}}}""", "p1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Booleans_compare_as_booleans(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.open": true}""", "l1", "p1");
        await Expect(c, """{"address.open": {"$eq": false}}""", "p2");
        await Expect(c, """{"address.open": {"$ne": true}}""", AllExcept("l1", "p1"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Null_and_exists_treat_missing_and_null_alike(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": null}""", "m1", "n1");
        await Expect(c, """{"address.city": {"$exists": false}}""", "m1", "n1");
        await Expect(c, """{"address.zip": {"$exists": true}}""", "b1", "l1", "p1", "p2", "s1");
        await Expect(c, """{"address.city": {"$ne": null}}""", "b1", "l1", "p1", "p2", "s1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task In_and_hasSome_match_one_of_the_values_or_an_array_holding_one(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": {"$in": ["Paris", "Berlin"]}}""", "b1", "p1");
        await Expect(c, """{"address.city": {"$hasSome": ["London"]}}""", "l1");
        await Expect(c, """{"address.tags": {"$hasSome": ["a", "c"]}}""", "p1", "s1");
        await Expect(c, """{"address.tags": {"$hasAll": ["a", "b"]}}""", "p1");
        await Expect(c, """{"address.zip": {"$in": [1000, 10115]}}""", "b1", "s1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task String_operators_work_on_nested_strings_only(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"address.city": {"$contains": "ARI"}}""", "p1", "p2");
        await Expect(c, """{"address.city": {"$startsWith": "lon"}}""", "l1");
        await Expect(c, """{"address.city": {"$endsWith": "paulo"}}""", "s1");
        // 75001 is a number, not text.
        await Expect(c, """{"address.zip": {"$contains": "750"}}""");
        await Expect(c, """{"address.zip": {"$startsWith": "EC"}}""", "l1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Logic_combines_nested_and_top_level_conditions(string target)
    {
        var c = await DataAsync(target);
        await Expect(c, """{"$and": [{"address.geo.country.code": "FR"}, {"title": "second"}]}""", "p2");
        await Expect(c, """{"$or": [{"address.city": "Berlin"}, {"address.zip": 1000}]}""", "b1", "s1");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Sort_by_a_nested_number_and_a_nested_string(string target)
    {
        var c = await DataAsync(target);
        var byLat = await c.QueryAsync(J("""{"address.geo.lat": {"$exists": true}}"""), J("""[{"fieldName": "address.geo.lat", "order": "DESC"}]"""));
        Assert.Equal(["b1", "l1", "p2", "p1", "s1"], byLat.Select(i => i.Str("_id")));
        var byCity = await c.QueryAsync(J("""{"address.city": {"$exists": true}}"""), J("""[{"fieldName": "address.city", "order": "ASC"}]"""));
        Assert.Equal(["b1", "l1", "p1", "s1", "p2"], byCity.Select(i => i.Str("_id")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Projection_of_nested_paths_returns_them_in_place(string target)
    {
        var c = await DataAsync(target);
        var items = (await c.QueryRawAsync(J("""{"_id": "p1"}"""), fields: J("""["address.city", "address.geo.lat"]"""))).EnsureSuccess().Body.Arr("items");
        var item = Assert.IsType<JsonObject>(Assert.Single(items));
        Assert.Equal("p1", item.Str("_id"));
        Assert.Null(item["title"]);
        Assert.True(Same(J("""{"city": "Paris", "geo": {"lat": 48.85}}"""), item["address"]), $"address should hold only the projected paths: {item.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Distinct_values_of_a_nested_path(string target)
    {
        var c = await DataAsync(target);
        async Task<List<string?>> Distinct(string order) => [.. (await c.Client.V3Async("/v3/items/query-distinct-values", new JsonObject
        {
            ["collectionId"] = c.Id, ["fieldName"] = "address.geo.country.code", ["order"] = order,
            ["paging"] = J("""{"limit": 50, "offset": 0}"""), ["consistentRead"] = true, ["returnTotalCount"] = false,
        })).EnsureSuccess().Body.Arr("distinctValues").Select(v => v?.GetValue<string>())];
        Assert.Equal(["DE", "FR", "GB"], await Distinct("ASC"));
        Assert.Equal(["GB", "FR", "DE"], await Distinct("DESC"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregation_groups_by_and_sums_nested_paths(string target)
    {
        var c = await DataAsync(target);
        var response = (await c.Client.V3Async("/v3/items/aggregate", new JsonObject
        {
            ["collectionId"] = c.Id,
            ["initialFilter"] = J("""{"address.geo.country.code": {"$exists": true}}"""),
            ["aggregation"] = J("""
                {"groupingFields": ["address.geo.country.code"],
                 "operations": [{"resultFieldName": "n", "count": {}}, {"resultFieldName": "zips", "sum": {"itemFieldName": "address.zip"}},
                                {"resultFieldName": "north", "max": {"itemFieldName": "address.geo.lat"}}]}
                """),
            ["paging"] = J("""{"limit": 50, "offset": 0}"""), ["consistentRead"] = true, ["returnTotalCount"] = false,
        })).EnsureSuccess();
        var groups = response.Body.Arr("items").OfType<JsonObject>().ToList();
        Assert.Equal(3, groups.Count);
        var fr = groups.Single(g => GroupKey(g) == "FR");
        Assert.Equal(2, fr["n"]!.GetValue<double>());
        Assert.Equal(150003, fr["zips"]!.GetValue<double>());
        Assert.Equal(48.86, fr["north"]!.GetValue<double>(), 6);
        // London's zip is a string: a sum takes numbers only.
        Assert.Equal(1, groups.Single(g => GroupKey(g) == "GB")["n"]!.GetValue<double>());
    }

    /// <summary>The grouping value: under the path's name, or at the path inside the group (both shapes are accepted).</summary>
    private static string? GroupKey(JsonObject group) =>
        group.Str("address.geo.country.code") ?? group["address"]?["geo"]?["country"].Str("code");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_path_into_a_field_that_holds_no_objects_is_VALIDATION_ERROR(string target)
    {
        var c = await DataAsync(target);
        (await c.QueryRawAsync(J("""{"title.length": 3}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
        (await c.QueryRawAsync(J("""{"nowhere.city": "Paris"}"""))).ExpectV3Error(400, "VALIDATION_ERROR");
        (await c.QueryRawAsync(sort: J("""[{"fieldName": "title.x", "order": "ASC"}]"""))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    // Path keys reach SQL: a hostile key is refused (400) or matches nothing; never a 500 or every item.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Hostile_path_keys_are_refused_or_match_nothing(string target)
    {
        var c = await DataAsync(target);
        foreach (var key in new[] { "address.x') OR 1=1 --", "address.x\"}' OR '1'='1", "address.$where", "address.a\\b", "address..city" })
        {
            var response = await c.QueryRawAsync(new JsonObject { [key] = new JsonObject { ["$ne"] = "zzz-none" } }, paging: J("""{"limit": 100, "offset": 0}"""));
            if (response.IsSuccess)
            {
                Assert.True(response.Body.Arr("items").Count == NestedDataset.AllIds.Length,
                    $"{key} $ne a value nobody has should match every item or be refused: {response.Text}");
                continue;
            }
            response.ExpectV3Error(400, "VALIDATION_ERROR");
        }
        var eq = await c.QueryRawAsync(J("""{"address.x') OR 1=1 --": "x"}"""));
        Assert.True(!eq.IsSuccess || eq.Body.Arr("items").Count == 0, $"A hostile key matched items: {eq.Text}");
        if (!eq.IsSuccess)
        {
            eq.ExpectV3Error(400, "VALIDATION_ERROR");
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Items_written_with_nested_dates_read_back_as_date_objects(string target)
    {
        var c = await DataAsync(target);
        var item = await c.GetAsync("p1");
        Assert.Equal(DateTimeOffset.Parse("2020-01-01T00:00:00.100Z", System.Globalization.CultureInfo.InvariantCulture),
            DateValue(item?["address"]?["since"], "address.since"));
    }
}
