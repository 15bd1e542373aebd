using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// A collection the kit created for one test (or one test class), with its advertised capabilities.
/// Disposing it deletes the collection.
/// </summary>
public sealed class V3Collection : IAsyncDisposable
{
    private V3Collection(AdaptorClient client, string id, JsonObject definition)
    {
        Client = client;
        Id = id;
        Definition = definition;
    }

    public AdaptorClient Client { get; }
    public string Id { get; }

    /// <summary>The collection as <c>/v3/collections/get</c> describes it after creation.</summary>
    public JsonObject Definition { get; }

    /// <summary>Creates <paramref name="id"/> with an <c>_id</c> TEXT field plus <paramref name="fields"/> (key, FieldType).</summary>
    public static async Task<V3Collection> CreateAsync(AdaptorClient client, string id, params (string Key, string Type)[] fields)
    {
        var fieldArray = new JsonArray { new JsonObject { ["key"] = "_id", ["type"] = "TEXT" } };
        foreach (var (key, type) in fields)
        {
            fieldArray.Add(new JsonObject { ["key"] = key, ["type"] = type });
        }
        return await CreateAsync(client, id, fieldArray);
    }

    /// <summary>Creates <paramref name="id"/> with exactly the given field definitions.</summary>
    public static async Task<V3Collection> CreateAsync(AdaptorClient client, string id, JsonArray fieldArray)
    {
        var request = new JsonObject { ["collection"] = new JsonObject { ["id"] = id, ["fields"] = fieldArray } };
        (await client.V3Async("/v3/collections/create", request)).EnsureSuccess();
        var got = (await client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(id) })).EnsureSuccess();
        var definition = got.Body.Arr("collections").OfType<JsonObject>().FirstOrDefault(c => c.Str("id") == id)
            ?? throw new Xunit.Sdk.XunitException($"Collection {id} was created but /v3/collections/get does not return it: {got.Text}");
        return new V3Collection(client, id, definition);
    }

    /// <summary>The field definition of <paramref name="key"/>, or null.</summary>
    public JsonObject? Field(string key) =>
        (Definition["fields"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => f.Str("key") == key);

    /// <summary>Skips unless <paramref name="field"/> lists <paramref name="queryOperator"/> in <c>capabilities.queryOperators</c>.</summary>
    public void RequireOperator(string field, string queryOperator)
    {
        var operators = Field(field)?["capabilities"]?["queryOperators"] as JsonArray;
        Skip.IfNot(operators?.Any(o => o?.GetValue<string>() == queryOperator) == true,
            $"Field '{field}' does not advertise {queryOperator} in capabilities.queryOperators.");
    }

    /// <summary>Skips unless the collection lists <paramref name="operation"/> in <c>capabilities.dataOperations</c>.</summary>
    public void RequireDataOperation(string operation) =>
        Skip.IfNot(HasDataOperation(operation), $"Collection does not advertise {operation} in capabilities.dataOperations.");

    public bool HasDataOperation(string operation) =>
        (Definition["capabilities"]?["dataOperations"] as JsonArray)?.Any(o => o?.GetValue<string>() == operation) == true;

    /// <summary>Inserts items and returns the stored ones; fails on any per-item error.</summary>
    public async Task<JsonObject[]> InsertAsync(params JsonNode[] items)
    {
        var response = (await Client.V3Async("/v3/items/insert", new JsonObject
        {
            ["collectionId"] = Id,
            ["items"] = new JsonArray([.. items.Select(i => i.DeepClone())]),
        })).EnsureSuccess();
        var results = response.Body.Arr("results");
        Assert.Equal(items.Length, results.Count);
        return [.. results.Select((r, i) => r?["item"] as JsonObject
            ?? throw new Xunit.Sdk.XunitException($"Insert of item {i} failed: {r?.ToJsonString()}"))];
    }

    /// <summary>Sends <c>/v3/items/query</c> with a query object built from the parts given.</summary>
    public Task<AdaptorResponse> QueryRawAsync(JsonNode? filter = null, JsonNode? sort = null, JsonNode? paging = null,
        JsonNode? fields = null, bool returnTotalCount = false, JsonNode? cursorPaging = null)
    {
        var query = new JsonObject { ["filter"] = filter?.DeepClone() ?? new JsonObject() };
        if (sort is not null) { query["sort"] = sort.DeepClone(); }
        if (fields is not null) { query["fields"] = fields.DeepClone(); }
        if (paging is not null) { query["paging"] = paging.DeepClone(); }
        if (cursorPaging is not null) { query["cursorPaging"] = cursorPaging.DeepClone(); }
        return Client.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = Id,
            ["query"] = query,
            ["consistentRead"] = true,
            ["returnTotalCount"] = returnTotalCount,
        });
    }

    /// <summary>The items matching <paramref name="filter"/> (first 100).</summary>
    public async Task<JsonArray> QueryAsync(JsonNode? filter = null, JsonNode? sort = null)
    {
        var response = (await QueryRawAsync(filter, sort, Json.J("""{"limit": 100, "offset": 0}"""))).EnsureSuccess();
        return response.Body.Arr("items");
    }

    /// <summary>Sorted <c>_id</c>s of the items matching <paramref name="filter"/>.</summary>
    public async Task<string[]> IdsAsync(JsonNode? filter) => (await QueryAsync(filter)).Ids();

    /// <summary>The stored item <paramref name="id"/>, or null.</summary>
    public async Task<JsonObject?> GetAsync(string id) =>
        (await QueryAsync(new JsonObject { ["_id"] = new JsonObject { ["$eq"] = id } })).OfType<JsonObject>().SingleOrDefault();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.V3Async("/v3/collections/delete", new JsonObject { ["collectionId"] = Id });
        }
        catch (HttpRequestException)
        {
            // Cleanup is best effort; the test's own result is what matters.
        }
    }
}
