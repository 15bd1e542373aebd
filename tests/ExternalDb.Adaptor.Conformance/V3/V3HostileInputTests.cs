using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// V3 requests that are signed correctly but malformed, or unusually large: a client mistake is a 400 VALIDATION_ERROR
/// naming the field and changes nothing (PRODUCT.md §5: never a 5xx for a client mistake); a large request within the
/// adaptor's body limit works.
/// </summary>
public sealed class V3HostileInputTests : V3Test
{
    private static async Task<V3Collection> CollectionAsync(AdaptorClient client, string purpose)
    {
        await RequireCollectionModificationsAsync(client);
        return await V3Collection.CreateAsync(client, UniqueId(purpose), ("title", "TEXT"), ("n", "NUMBER"), ("meta", "OBJECT"));
    }

    /// <summary>Sends <paramref name="requestJson"/> (<c>{C}</c> stands for the collection id) byte for byte.</summary>
    private static Task<AdaptorResponse> RawAsync(V3Collection c, string path, string requestJson) =>
        c.Client.V3RawAsync(path, Encoding.UTF8.GetBytes(requestJson.Replace("{C}", c.Id, StringComparison.Ordinal)));

    private static void ExpectViolation(AdaptorResponse response, string fieldPath)
    {
        response.ExpectV3Error(400, "VALIDATION_ERROR");
        var paths = (response.Body?["data"]?["violations"] as JsonArray ?? []).Select(v => v.Str("fieldPath")).ToList();
        Assert.True(paths.Contains(fieldPath), $"Expected a violation naming {fieldPath}: {response}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Non_finite_numbers_are_VALIDATION_ERROR_naming_the_field_and_nothing_is_written(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "nonfinite");
        await c.InsertAsync(J("""{"_id": "kept", "title": "t", "n": 1}"""));
        (string Path, string Request, string FieldPath)[] cases =
        [
            ("/v3/items/insert", """{"collectionId": "{C}", "items": [{"_id": "x", "n": 1e400}]}""", "items[0].n"),
            ("/v3/items/insert", """{"collectionId": "{C}", "items": [{"_id": "y", "n": 2}, {"_id": "x", "n": -1e400}]}""", "items[1].n"),
            ("/v3/items/insert", """{"collectionId": "{C}", "items": [{"_id": "x", "meta": {"deep": [1, 1e999]}}]}""", "items[0].meta.deep[1]"),
            ("/v3/items/update", """{"collectionId": "{C}", "items": [{"_id": "kept", "title": "changed", "n": 1e400}]}""", "items[0].n"),
            ("/v3/items/query", """{"collectionId": "{C}", "query": {"filter": {"n": {"$gt": 1e400}}}}""", "query.filter.n.$gt"),
            ("/v3/items/count", """{"collectionId": "{C}", "filter": {"n": {"$in": [1, -1e400]}}}""", "filter.n.$in[1]"),
        ];
        foreach (var (path, request, fieldPath) in cases)
        {
            ExpectViolation(await RawAsync(c, path, request), fieldPath);
        }
        var items = await c.QueryAsync();
        Assert.Equal(["kept"], items.Ids());
        Assert.Equal("t", items[0].Str("title"));
        Assert.Equal(1, items[0]!["n"]!.GetValue<double>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_200000_character_text_value_is_stored_and_read_back(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "bigtext");
        var text = string.Concat(Enumerable.Range(0, 20_000).Select(i => (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture) + "abcdefghi"));
        Assert.Equal(200_000, text.Length);
        await c.InsertAsync(new JsonObject { ["_id"] = "big", ["title"] = text });
        Assert.Equal(text, (await c.GetAsync("big")).Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_bulk_insert_of_1000_items_of_300_characters_is_stored_in_full(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "bulk1000");
        var items = Enumerable.Range(0, 1000).Select(i => (JsonNode)new JsonObject { ["_id"] = $"i{i:D4}", ["title"] = new string((char)('a' + (i % 26)), 300) }).ToArray();
        await c.InsertAsync(items);
        var count = (await c.Client.V3Async("/v3/items/count", new JsonObject { ["collectionId"] = c.Id, ["filter"] = new JsonObject() })).EnsureSuccess();
        Assert.Equal(1000, count.Body!["totalCount"]!.GetValue<double>());
        Assert.Equal(new string('k', 300), (await c.GetAsync("i0010")).Str("title"));
    }

    /// <summary>Wrong types, keys given twice and text that is not Unicode, each with the field the answer must name.</summary>
    private static readonly (string What, string Path, string Request, string FieldPath)[] MalformedRequests =
    [
        ("references of strings", "/v3/items/insert-references", """{"collectionId": "{C}", "referringFieldKey": "title", "references": ["x"]}""", "references[0]"),
        ("items not an array", "/v3/items/insert", """{"collectionId": "{C}", "items": 5}""", "items"),
        ("collectionId an object", "/v3/items/query", """{"collectionId": {}}""", "collectionId"),
        ("limit a string", "/v3/items/query", """{"collectionId": "{C}", "query": {"paging": {"limit": "x", "offset": 0}}}""", "query.paging.limit"),
        ("sort a number", "/v3/items/query", """{"collectionId": "{C}", "query": {"sort": 3}}""", "query.sort"),
        ("query a number", "/v3/items/query", """{"collectionId": "{C}", "query": 5}""", "query"),
        ("returnTotalCount a string", "/v3/items/query", """{"collectionId": "{C}", "query": {}, "returnTotalCount": "yes"}""", "returnTotalCount"),
        ("collectionId twice", "/v3/items/count", """{"collectionId": "{C}", "collectionId": "{C}", "filter": {}}""", "collectionId"),
        ("filter key twice", "/v3/items/count", """{"collectionId": "{C}", "filter": {"title": "a", "title": "b"}}""", "filter.title"),
        ("item key twice", "/v3/items/insert", """{"collectionId": "{C}", "items": [{"_id": "d", "title": "a", "title": "b"}]}""", "items[0].title"),
        ("lone high surrogate", "/v3/items/insert", """{"collectionId": "{C}", "items": [{"_id": "s", "title": "\ud800"}]}""", "items[0].title"),
        ("lone low surrogate in a filter", "/v3/items/count", """{"collectionId": "{C}", "filter": {"title": "x\udc00"}}""", "filter.title"),
        ("fields not an array", "/v3/collections/create", """{"collection": {"id": "{C}_new", "fields": 5}}""", "collection.fields"),
        ("field key a number", "/v3/collections/create", """{"collection": {"id": "{C}_new", "fields": [{"key": 5, "type": "TEXT"}]}}""", "collection.fields[0].key"),
        ("field type a number", "/v3/collections/create", """{"collection": {"id": "{C}_new", "fields": [{"key": "a", "type": 5}]}}""", "collection.fields[0].type"),
        ("field typeOptions a string", "/v3/collections/create", """{"collection": {"id": "{C}_new", "fields": [{"key": "a", "type": "REFERENCE", "typeOptions": "x"}]}}""", "collection.fields[0].typeOptions"),
        ("field a string", "/v3/collections/create", """{"collection": {"id": "{C}_new", "fields": ["title"]}}""", "collection.fields[0]"),
        ("aggregation function a string", "/v3/items/aggregate", """{"collectionId": "{C}", "aggregation": {"operations": [{"resultFieldName": "m", "max": "n"}]}}""", "aggregation.operations[0].max"),
        ("distinct fieldName a number", "/v3/items/query-distinct-values", """{"collectionId": "{C}", "fieldName": 5}""", "fieldName"),
        ("distinct order unknown", "/v3/items/query-distinct-values", """{"collectionId": "{C}", "fieldName": "title", "order": "sideways"}""", "order"),
    ];

    [SkippableTheory, MemberData(nameof(MalformedTargets))]
    public async Task Malformed_request_is_VALIDATION_ERROR_naming_the_field_and_changes_nothing(string target, string what, string path, string request, string fieldPath)
    {
        _ = what;
        await using var c = await CollectionAsync(await ClientAsync(target), "malformed");
        await c.InsertAsync(J("""{"_id": "kept", "title": "t"}"""));
        ExpectViolation(await RawAsync(c, path, request), fieldPath);
        Assert.Equal(["kept"], (await c.QueryAsync()).Ids());
        var collections = (await c.Client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(c.Id + "_new") })).Body;
        Assert.DoesNotContain(collections.Arr("collections").OfType<JsonObject>(), x => x.Str("id") == c.Id + "_new");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Text_that_is_not_UTF_8_is_VALIDATION_ERROR_naming_the_field(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "notutf8");
        byte[] request = [.. Encoding.UTF8.GetBytes($$"""{"collectionId": "{{c.Id}}", "items": [{"_id": "u", "title": "a"""), 0xFF, 0xFE, .. "\"}]}"u8];
        ExpectViolation(await c.Client.V3RawAsync("/v3/items/insert", request), "items[0].title");
        Assert.Empty(await c.QueryAsync());
    }

    /// <summary>Every V3 target with every malformed request.</summary>
    public static TheoryData<string, string, string, string, string> MalformedTargets
    {
        get
        {
            var data = new TheoryData<string, string, string, string, string>();
            foreach (string target in Targets)
            {
                foreach (var (what, path, request, fieldPath) in MalformedRequests)
                {
                    data.Add(target, what, path, request, fieldPath);
                }
            }
            return data;
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task String_operators_take_values_longer_than_50000_bytes(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "longpattern");
        var body = new string('a', 60_000);
        await c.InsertAsync(new JsonObject { ["_id"] = "long", ["title"] = "Start" + body + "End" }, J("""{"_id": "short", "title": "start and end"}"""));
        c.RequireOperator("title", "CONTAINS");
        Assert.Equal(["long"], await c.IdsAsync(new JsonObject { ["title"] = new JsonObject { ["$contains"] = "T" + body.ToUpperInvariant() + "e" } }));
        Assert.Equal(["long"], await c.IdsAsync(new JsonObject { ["title"] = new JsonObject { ["$startsWith"] = "START" + body } }));
        Assert.Equal(["long"], await c.IdsAsync(new JsonObject { ["title"] = new JsonObject { ["$endsWith"] = body + "END" } }));
        Assert.Empty(await c.IdsAsync(new JsonObject { ["title"] = new JsonObject { ["$endsWith"] = "x" + body + "End" } }));
        // Far longer than any value: nothing matches, quickly (the kit's client gives up after 60 s).
        Assert.Empty(await c.IdsAsync(new JsonObject { ["title"] = new JsonObject { ["$contains"] = new string('b', 2_000_000) } }));
    }
}
