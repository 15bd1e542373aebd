using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ExternalDb.Tests;

namespace ExternalDb.Client.Tests;

/// <summary>The typed use of the items API: .NET types in, .NET types out, with Wix's dates and references.</summary>
public sealed class TypedItemsTests : IAsyncLifetime
{
    private FakeServer _server = null!;
    private ExternalDbClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeServer.StartAsync();
        _client = new ExternalDbClient(_server.BaseAddress, "test-key");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    public enum Category
    {
        Lighting,
        Furniture,
    }

    public sealed record Product(
        string? Id,
        string Title,
        double Price,
        DateTimeOffset? ReleasedAt = null,
        DateTime? RestockedAt = null,
        Category? Category = null,
        DataReference<Maker>? Maker = null,
        [property: JsonPropertyName("_createdDate")] DateTime? Created = null);

    public sealed record Maker(string? Id, string Name);

    private const string StoredItem = """
        {"dataItem": {"id": "p-100", "dataCollectionId": "myDb/products", "data": {
          "_id": "p-100", "_owner": "o-1",
          "_createdDate": {"$date": "2025-01-02T03:04:05.678Z"}, "_updatedDate": {"$date": "2025-01-02T03:04:05.678Z"},
          "title": "Ñandú lamp", "price": 25.5, "releasedAt": {"$date": "2024-05-01T10:00:00.000Z"},
          "restockedAt": "2024-06-01T08:00:00Z", "category": "Lighting", "maker": "m-1", "unmapped": [1, 2]}}}
        """;

    [Fact]
    public async Task InsertAsync_sends_the_record_as_data_with_dates_as_date_objects_and_reads_the_stored_item_back()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        var stored = await _client.Items.InsertAsync("myDb/products", new Product(
            null, "Ñandú lamp", 25.5,
            ReleasedAt: new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)),
            RestockedAt: new DateTime(2024, 6, 1, 8, 0, 0, DateTimeKind.Utc),
            Category: Category.Lighting,
            Maker: "m-1"));

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/wix-data/v2/items"), (request.Method, request.Path));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"dataCollectionId": "myDb/products", "dataItem": {"data": {
              "title": "Ñandú lamp", "price": 25.5, "releasedAt": {"$date": "2024-05-01T10:00:00.000Z"},
              "restockedAt": {"$date": "2024-06-01T08:00:00.000Z"}, "category": "Lighting", "maker": "m-1"}}}
            """), request.Json), request.Body);
        Assert.Equal("p-100", stored.Id);
        Assert.Equal("Ñandú lamp", stored.Title);
        Assert.Equal(25.5, stored.Price);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), stored.ReleasedAt);
        Assert.Equal(new DateTime(2024, 6, 1, 8, 0, 0, DateTimeKind.Utc), stored.RestockedAt);
        Assert.Equal(DateTimeKind.Utc, stored.RestockedAt!.Value.Kind);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc), stored.Created);
        Assert.Equal(Category.Lighting, stored.Category);
        Assert.Equal("m-1", stored.Maker!.Id);
        Assert.Null(stored.Maker.Item);
    }

    [Fact]
    public async Task An_id_is_sent_as_the_item_id_and_update_goes_to_its_url()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        await _client.Items.UpdateAsync("myDb/products", new Product("p-100", "Lamp", 30));

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("PUT", "/wix-data/v2/items/p-100"), (request.Method, request.Path));
        Assert.Equal("p-100", request.Json["dataItem"]!["id"]!.GetValue<string>());
        Assert.Equal("p-100", request.Json["dataItem"]!["data"]!["_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetAsync_maps_the_item_and_turns_a_missing_item_into_null_but_not_a_missing_collection()
    {
        _server.Handler = r => r.Path switch
        {
            "/wix-data/v2/items/p-100" => FakeResponse.Ok(StoredItem),
            "/wix-data/v2/items/nope" => FakeResponse.Error(404, "WDE0073", "Item [nope] does not exist."),
            _ => FakeResponse.Error(404, "WDE0025", "Collection [x/y] does not exist."),
        };

        var found = await _client.Items.GetAsync<Product>("myDb/products", "p-100");
        var missing = await _client.Items.GetAsync<Product>("myDb/products", "nope");
        var noCollection = await Assert.ThrowsAsync<ExternalDbException>(() => _client.Items.GetAsync<Product>("x/y", "other"));

        Assert.Equal("Ñandú lamp", found!.Title);
        Assert.Null(missing);
        Assert.Equal("WDE0025", noCollection.Code);
    }

    [Fact]
    public async Task Typed_query_sends_the_filter_maps_every_page_and_asks_for_included_references()
    {
        _server.Handler = r =>
        {
            var cursor = r.Json["query"]!["cursorPaging"]?["cursor"]?.GetValue<string>();
            return FakeResponse.Ok(cursor is null
                ? """
                  {"dataItems": [{"id": "p-1", "data": {"_id": "p-1", "title": "Lamp", "price": 25,
                                   "maker": {"_id": "m-1", "name": "Lumo"}}}],
                   "pagingMetadata": {"count": 1, "cursors": {"next": "c-2"}, "hasNext": true}}
                  """
                : """
                  {"dataItems": [{"id": "p-2", "data": {"_id": "p-2", "title": "Desk", "price": 90, "maker": "m-2"}}],
                   "pagingMetadata": {"count": 1, "cursors": {}, "hasNext": false}}
                  """);
        };

        var products = new List<Product>();
        await foreach (var product in _client.Items.Query<Product>("myDb/products").Gt("price", 10).Include("maker").UsingCursor().Limit(1).EnumerateAllAsync())
        {
            products.Add(product);
        }

        Assert.Equal(["Lamp", "Desk"], products.Select(p => p.Title));
        Assert.Equal(("m-1", "Lumo"), (products[0].Maker!.Id, products[0].Maker!.Item!.Name));
        Assert.Equal("m-1", products[0].Maker!.Item!.Id);
        Assert.Equal(("m-2", null), (products[1].Maker!.Id, products[1].Maker!.Item));
        var first = _server.Requests.First().Json;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"dataCollectionId": "myDb/products", "query": {"filter": {"price": {"$gt": 10}}, "cursorPaging": {"limit": 1}},
             "includeReferences": [{"field": "maker"}]}
            """), first), first.ToJsonString());
    }

    [Fact]
    public async Task A_string_property_reads_an_included_reference_as_its_id()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"dataItem": {"id": "p-1", "data": {"_id": "p-1", "maker": {"_id": "m-1", "name": "Lumo"}}}}
            """);

        var item = await _client.Items.GetAsync<Dictionary<string, JsonElement>>("myDb/products", "p-1");
        var typed = await _client.Items.GetAsync<WithMakerId>("myDb/products", "p-1");

        Assert.Equal(JsonValueKind.Object, item!["maker"].ValueKind);
        Assert.Equal("m-1", typed!.Maker);
    }

    public sealed record WithMakerId(string Id, string? Maker);

    [Fact]
    public async Task Plain_objects_are_item_data_and_items_read_as_types()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        var item = await _client.Items.InsertDataItemAsync("myDb/products", new { title = "Lamp", price = 25, when = new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc) });

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"title": "Lamp", "price": 25, "when": {"$date": "2024-01-02T00:00:00.000Z"}}
            """), Assert.Single(_server.Requests).Json["dataItem"]!["data"]));
        Assert.Equal(25.5, item.Get<double>("price"));
        Assert.Equal(new DateTime(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc), item.Get<DateTime>("_createdDate"));
        Assert.Null(item.Get<string>("absent"));
        Assert.Equal("Ñandú lamp", item.As<Product>().Title);
    }

    [Fact]
    public async Task Bulk_insert_of_records_sends_their_ids()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"results": [], "bulkActionMetadata": {"totalSuccesses": 2, "totalFailures": 0}}""");

        var answer = await _client.Items.BulkInsertAsync("myDb/products", [new Product("a", "A", 1), new Product("b", "B", 2)]);

        Assert.Equal(2, answer.BulkActionMetadata.TotalSuccesses);
        var items = Assert.Single(_server.Requests).Json["dataItems"]!.AsArray();
        Assert.Equal(["a", "b"], items.Select(i => i!["id"]!.GetValue<string>()));
    }

    [Fact]
    public void Data_that_is_not_an_object_is_refused_with_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => DataItem.From(42));

        Assert.Contains("Int32 is not an object with fields", error.Message, StringComparison.Ordinal);
    }
}
