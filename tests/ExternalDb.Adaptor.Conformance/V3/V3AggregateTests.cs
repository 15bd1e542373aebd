using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>V3 <c>/v3/items/aggregate</c> and <c>/v3/items/query-distinct-values</c>.</summary>
public sealed class V3AggregateTests : V3Test
{
    private const string Sales = """
        [
          {"_id": "s1", "region": "EU", "country": "DE", "amount": 100, "tags": ["b", "a"]},
          {"_id": "s2", "region": "EU", "country": "DE", "amount": 300, "tags": ["a"]},
          {"_id": "s3", "region": "EU", "country": "FR", "amount": 50,  "tags": ["c"]},
          {"_id": "s4", "region": "EU", "country": "FR", "amount": 25,  "tags": []},
          {"_id": "s5", "region": "US", "country": "US", "amount": 1000, "tags": ["d", "a"]},
          {"_id": "s6", "region": "US", "country": "US", "amount": 500}
        ]
        """;

    private static async Task<V3Collection> SalesAsync(AdaptorClient client, bool withTags = false)
    {
        await RequireCollectionModificationsAsync(client);
        var arrayType = withTags ? await FirstSupportedTypeAsync(client, "ARRAY_STRING", "ARRAY") : null;
        Skip.If(withTags && arrayType is null, "The adaptor supports neither ARRAY nor ARRAY_STRING fields.");
        (string, string)[] fields = [("region", "TEXT"), ("country", "TEXT"), ("amount", "NUMBER")];
        if (arrayType is not null)
        {
            fields = [.. fields, ("tags", arrayType)];
        }
        var collection = await V3Collection.CreateAsync(client, UniqueId("sales"), fields);
        var items = J(Sales).AsArray();
        if (arrayType is null)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item.Remove("tags");
            }
        }
        await collection.InsertAsync([.. items.Select(i => i!)]);
        return collection;
    }

    private static Task<AdaptorResponse> AggregateAsync(V3Collection c, JsonObject body)
    {
        body["collectionId"] = c.Id;
        body["consistentRead"] = true;
        body["returnTotalCount"] = false;
        body["paging"] ??= J("""{"limit": 50, "offset": 0}""");
        return c.Client.V3Async("/v3/items/aggregate", body);
    }

    private static JsonObject Group(JsonArray items, string key, string value) =>
        items.OfType<JsonObject>().SingleOrDefault(i => i.Str(key) == value)
        ?? throw new Xunit.Sdk.XunitException($"No group {key}={value} in {items.ToJsonString()}");

    private static double Num(JsonObject group, string key) =>
        group[key]?.GetValue<double>() ?? throw new Xunit.Sdk.XunitException($"No {key} in {group.ToJsonString()}");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregate_groups_and_computes_sum_average_min_max_count(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target));
        c.RequireDataOperation("AGGREGATE");
        var response = (await AggregateAsync(c, O("""
            {"initialFilter": {"region": {"$eq": "EU"}},
             "aggregation": {"groupingFields": ["country"], "operations": [
               {"resultFieldName": "total", "sum": {"itemFieldName": "amount"}},
               {"resultFieldName": "mean", "average": {"itemFieldName": "amount"}},
               {"resultFieldName": "low", "min": {"itemFieldName": "amount"}},
               {"resultFieldName": "high", "max": {"itemFieldName": "amount"}},
               {"resultFieldName": "n", "count": {}}]},
             "sort": [{"fieldName": "country", "order": "ASC"}]}
            """))).EnsureSuccess();
        var items = response.Body.Arr("items");
        Assert.Equal(2, items.Count);
        var de = Group(items, "country", "DE");
        Assert.Equal(400, Num(de, "total"));
        Assert.Equal(200, Num(de, "mean"));
        Assert.Equal(100, Num(de, "low"));
        Assert.Equal(300, Num(de, "high"));
        Assert.Equal(2, Num(de, "n"));
        var fr = Group(items, "country", "FR");
        Assert.Equal(75, Num(fr, "total"));
        Assert.Equal(37.5, Num(fr, "mean"));
        Assert.Equal(25, Num(fr, "low"));
        Assert.Equal(50, Num(fr, "high"));
        Assert.Equal(2, Num(fr, "n"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregate_final_filter_applies_to_the_groups(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target));
        c.RequireDataOperation("AGGREGATE");
        var response = (await AggregateAsync(c, O("""
            {"aggregation": {"groupingFields": ["country"], "operations": [
               {"resultFieldName": "total", "sum": {"itemFieldName": "amount"}}]},
             "finalFilter": {"total": {"$gt": 100}},
             "sort": [{"fieldName": "total", "order": "DESC"}]}
            """))).EnsureSuccess();
        var items = response.Body.Arr("items");
        Assert.Equal(["US", "DE"], items.Select(i => i.Str("country")));
        Assert.Equal(1500, Num(items[0]!.AsObject(), "total"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregate_without_grouping_fields_summarises_the_whole_collection(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target));
        c.RequireDataOperation("AGGREGATE");
        var response = (await AggregateAsync(c, O("""
            {"aggregation": {"groupingFields": [], "operations": [
               {"resultFieldName": "total", "sum": {"itemFieldName": "amount"}},
               {"resultFieldName": "n", "count": {}}]}}
            """))).EnsureSuccess();
        var only = Assert.Single(response.Body.Arr("items"))!.AsObject();
        Assert.Equal(1975, Num(only, "total"));
        Assert.Equal(6, Num(only, "n"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Aggregate_on_unknown_field_is_VALIDATION_ERROR(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target));
        c.RequireDataOperation("AGGREGATE");
        (await AggregateAsync(c, O("""
            {"aggregation": {"groupingFields": ["nope"], "operations": [{"resultFieldName": "n", "count": {}}]}}
            """))).ExpectV3Error(400, "VALIDATION_ERROR");
    }

    private static Task<AdaptorResponse> DistinctAsync(V3Collection c, string fieldName, JsonNode? filter = null, string order = "ASC") =>
        c.Client.V3Async("/v3/items/query-distinct-values", new JsonObject
        {
            ["collectionId"] = c.Id,
            ["fieldName"] = fieldName,
            ["filter"] = filter ?? new JsonObject(),
            ["order"] = order,
            ["paging"] = J("""{"limit": 50, "offset": 0}"""),
            ["consistentRead"] = true,
            ["returnTotalCount"] = false,
        });

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Distinct_values_are_unique_ordered_and_filtered(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target));
        var all = (await DistinctAsync(c, "country")).EnsureSuccess();
        Assert.Equal(["DE", "FR", "US"], all.Body.Arr("distinctValues").Select(v => v!.GetValue<string>()));
        var descending = (await DistinctAsync(c, "country", order: "DESC")).EnsureSuccess();
        Assert.Equal(["US", "FR", "DE"], descending.Body.Arr("distinctValues").Select(v => v!.GetValue<string>()));
        var filtered = (await DistinctAsync(c, "country", J("""{"amount": {"$lt": 100}}"""))).EnsureSuccess();
        Assert.Equal(["FR"], filtered.Body.Arr("distinctValues").Select(v => v!.GetValue<string>()));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Distinct_values_of_an_array_field_are_unwound(string target)
    {
        await using var c = await SalesAsync(await ClientAsync(target), withTags: true);
        var response = (await DistinctAsync(c, "tags")).EnsureSuccess();
        Assert.Equal(["a", "b", "c", "d"], response.Body.Arr("distinctValues").Select(v => v!.GetValue<string>()));
    }
}
