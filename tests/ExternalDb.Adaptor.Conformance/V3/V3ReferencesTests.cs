using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// V3 multi-references: <c>/v3/items/insert-references</c>, <c>query-referenced</c>, <c>remove-references</c>.
/// The request field names of query-referenced are UNCONFIRMED in the reference notes, so the kit sends
/// <c>referringFieldKey</c> and reads referenced ids from either <c>referencedItemId</c> or a returned item's <c>_id</c>.
/// </summary>
public sealed class V3ReferencesTests : V3Test
{
    private sealed record Pair(V3Collection Cities, V3Collection Places) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Cities.DisposeAsync();
            await Places.DisposeAsync();
        }
    }

    private static async Task<Pair> CreateAsync(AdaptorClient client)
    {
        await RequireCollectionModificationsAsync(client);
        Skip.If(await FirstSupportedTypeAsync(client, "MULTI_REFERENCE") is null, "The adaptor does not list MULTI_REFERENCE in supportedFieldTypes.");
        var places = await V3Collection.CreateAsync(client, UniqueId("places"), ("name", "TEXT"));
        var options = new JsonObject { ["referencedCollectionId"] = places.Id };
        V3Collection cities;
        try
        {
            cities = await V3Collection.CreateAsync(client, UniqueId("cities"), new JsonArray
            {
                J("""{"key": "_id", "type": "TEXT"}"""),
                J("""{"key": "name", "type": "TEXT"}"""),
                new JsonObject
                {
                    ["key"] = "pois",
                    ["type"] = "MULTI_REFERENCE",
                    // The reference notes see both nestings; send both.
                    ["typeOptions"] = new JsonObject { ["multiReferenceOptions"] = options.DeepClone() },
                    ["multiReferenceOptions"] = options.DeepClone(),
                },
            });
        }
        catch
        {
            await places.DisposeAsync();
            throw;
        }
        await places.InsertAsync(J("""{"_id": "p1", "name": "Tower"}"""), J("""{"_id": "p2", "name": "Bridge"}"""), J("""{"_id": "p3", "name": "Museum"}"""));
        await cities.InsertAsync(J("""{"_id": "c1", "name": "Alpha City"}"""), J("""{"_id": "c2", "name": "Beta Town"}"""));
        return new Pair(cities, places);
    }

    private static Task<AdaptorResponse> ReferencesAsync(V3Collection cities, string path, params (string From, string To)[] pairs) =>
        cities.Client.V3Async(path, new JsonObject
        {
            ["collectionId"] = cities.Id,
            ["referringFieldKey"] = "pois",
            ["references"] = new JsonArray([.. pairs.Select(p => (JsonNode)new JsonObject { ["referringItemId"] = p.From, ["referencedItemId"] = p.To })]),
        });

    private static async Task<string[]> ReferencedAsync(V3Collection cities, params string[] referringIds)
    {
        var response = (await cities.Client.V3Async("/v3/items/query-referenced", new JsonObject
        {
            ["collectionId"] = cities.Id,
            ["referringItemIds"] = new JsonArray([.. referringIds.Select(id => (JsonNode)id)]),
            ["referencedItemIds"] = new JsonArray(),
            ["referringFieldKey"] = "pois",
            ["order"] = "ASC",
            ["paging"] = J("""{"limit": 50, "offset": 0}"""),
            ["consistentRead"] = true,
            ["returnTotalCount"] = true,
        })).EnsureSuccess();
        var body = response.Object;
        var entries = body.Select(p => p.Value).OfType<JsonArray>().FirstOrDefault()
            ?? throw new Xunit.Sdk.XunitException($"query-referenced returned no list: {response.Text}");
        return [.. entries.Select(e => e.Str("referencedItemId") ?? e?["referencedItem"].Str("_id") ?? e?["item"].Str("_id") ?? e.Str("_id")
                ?? throw new Xunit.Sdk.XunitException($"Cannot tell the referenced id of {e?.ToJsonString()}"))
            .Order(StringComparer.Ordinal)];
    }

    private static string? ErrorCodeOf(AdaptorResponse response, int index) =>
        response.ErrorCode ?? (response.Body?["results"] as JsonArray)?[index]?["error"].Str("errorCode");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Inserted_references_are_returned_by_query_referenced(string target)
    {
        await using var pair = await CreateAsync(await ClientAsync(target));
        pair.Cities.RequireDataOperation("INSERT_REFERENCES");
        pair.Cities.RequireDataOperation("QUERY_REFERENCED");
        var inserted = (await ReferencesAsync(pair.Cities, "/v3/items/insert-references", ("c1", "p1"), ("c1", "p2"), ("c2", "p3"))).EnsureSuccess();
        var results = inserted.Body.Arr("results");
        Assert.Equal(3, results.Count);
        Assert.Equal("p2", results[1]?["reference"].Str("referencedItemId"));
        Assert.Equal(["p1", "p2"], await ReferencedAsync(pair.Cities, "c1"));
        Assert.Equal(["p3"], await ReferencedAsync(pair.Cities, "c2"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Inserting_an_existing_reference_is_REFERENCE_ALREADY_EXISTS(string target)
    {
        await using var pair = await CreateAsync(await ClientAsync(target));
        pair.Cities.RequireDataOperation("INSERT_REFERENCES");
        (await ReferencesAsync(pair.Cities, "/v3/items/insert-references", ("c1", "p1"))).EnsureSuccess();
        var again = await ReferencesAsync(pair.Cities, "/v3/items/insert-references", ("c1", "p1"));
        Assert.True(ErrorCodeOf(again, 0) == "REFERENCE_ALREADY_EXISTS", $"Expected REFERENCE_ALREADY_EXISTS: {again}");
        if (!again.IsSuccess)
        {
            again.ExpectStatus(409);
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Removed_references_are_gone_and_removing_a_missing_one_is_REFERENCE_NOT_FOUND(string target)
    {
        await using var pair = await CreateAsync(await ClientAsync(target));
        pair.Cities.RequireDataOperation("INSERT_REFERENCES");
        pair.Cities.RequireDataOperation("REMOVE_REFERENCES");
        pair.Cities.RequireDataOperation("QUERY_REFERENCED");
        (await ReferencesAsync(pair.Cities, "/v3/items/insert-references", ("c1", "p1"), ("c1", "p2"))).EnsureSuccess();
        (await ReferencesAsync(pair.Cities, "/v3/items/remove-references", ("c1", "p1"))).EnsureSuccess();
        Assert.Equal(["p2"], await ReferencedAsync(pair.Cities, "c1"));
        var missing = await ReferencesAsync(pair.Cities, "/v3/items/remove-references", ("c1", "p3"));
        Assert.True(ErrorCodeOf(missing, 0) == "REFERENCE_NOT_FOUND", $"Expected REFERENCE_NOT_FOUND: {missing}");
        if (!missing.IsSuccess)
        {
            missing.ExpectStatus(404);
        }
    }

    // Planted-defect guard: an adaptor must not claim reference operations it does not implement.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Advertised_reference_operations_are_implemented(string target)
    {
        await using var pair = await CreateAsync(await ClientAsync(target));
        var advertised = new[] { "INSERT_REFERENCES", "QUERY_REFERENCED", "REMOVE_REFERENCES" }.Where(pair.Cities.HasDataOperation).ToList();
        Skip.If(advertised.Count == 0, "The collection advertises no reference operation.");
        if (advertised.Contains("INSERT_REFERENCES"))
        {
            (await ReferencesAsync(pair.Cities, "/v3/items/insert-references", ("c2", "p2"))).EnsureSuccess();
        }
        if (advertised.Contains("QUERY_REFERENCED"))
        {
            await ReferencedAsync(pair.Cities, "c2");
        }
        if (advertised.Contains("REMOVE_REFERENCES"))
        {
            var removed = await ReferencesAsync(pair.Cities, "/v3/items/remove-references", ("c2", "p2"));
            Assert.True(removed.IsSuccess || removed.StatusCode == 404, $"remove-references is advertised but answered {removed}");
        }
    }
}
