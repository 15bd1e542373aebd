using ExternalDb.Tests;
using static ExternalDb.Client.Tests.DataItemsClientTests;

namespace ExternalDb.Client.Tests;

public sealed class DataCollectionsClientTests : IAsyncLifetime
{
    private FakeServer _server = null!;
    private ExternalDbClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeServer.StartAsync();
        _client = new ExternalDbClient(_server.BaseAddress, "k");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private const string Products = """
        {"collection": {"id": "myDb/products", "collectionType": "EXTERNAL", "displayName": "products", "maxPageSize": 50,
          "capabilities": {"dataOperations": ["FIND", "GET", "BULK_INSERT"], "collectionOperations": ["UPDATE"], "indexLimits": {"regular": 0, "unique": 0, "total": 0}},
          "fields": [
            {"key": "_id", "displayName": "ID", "type": "TEXT", "systemField": true, "capabilities": {"sortable": true, "queryOperators": ["EQ", "NE"]}, "encrypted": false},
            {"key": "title", "displayName": "Title", "type": "TEXT", "systemField": false, "capabilities": {"sortable": true, "queryOperators": ["EQ", "STARTS_WITH"]}}],
          "permissions": {"insert": "ADMIN", "update": "ADMIN", "remove": "ADMIN", "read": "ANYONE"},
          "revision": "3", "plugins": [], "pagingModes": ["OFFSET", "CURSOR"],
          "createdDate": "2025-01-02T03:04:05.678Z", "updatedDate": "2025-02-03T04:05:06.789Z"}}
        """;

    [Fact]
    public async Task Get_sends_the_connection_slash_raw_and_reads_the_collection()
    {
        _server.Handler = _ => FakeResponse.Ok(Products);

        var collection = await _client.Collections.GetDataCollectionAsync("myDb/products");

        var request = Assert.Single(_server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/wix-data/v2/collections/myDb/products", request.RawTarget);
        Assert.Equal("EXTERNAL", collection.CollectionType);
        Assert.Equal(50, collection.MaxPageSize);
        Assert.Equal("3", collection.Revision);
        Assert.Equal(["OFFSET", "CURSOR"], collection.PagingModes);
        Assert.Equal("title", collection.Fields![1].Key);
        Assert.Equal(["EQ", "STARTS_WITH"], collection.Fields[1].Capabilities!.QueryOperators);
        Assert.True(collection.Fields[0].SystemField);
        Assert.Equal("ANYONE", collection.Permissions!.Read);
        Assert.Contains("BULK_INSERT", collection.Capabilities!.DataOperations);
        Assert.Equal(new DateTimeOffset(2025, 2, 3, 4, 5, 6, 789, TimeSpan.Zero), collection.UpdatedDate);
    }

    [Fact]
    public async Task List_sends_paging_in_the_query_string()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"collections": [{"id": "a/x", "collectionType": "EXTERNAL", "revision": 2}, {"id": "a/y"}],
             "pagingMetadata": {"count": 2, "offset": 5, "total": 7, "tooManyToCount": false}}
            """);

        var page = await _client.Collections.ListDataCollectionsAsync(new Paging(2, 5));

        Assert.Equal("/wix-data/v2/collections?paging.limit=2&paging.offset=5", Assert.Single(_server.Requests).RawTarget);
        Assert.Equal(["a/x", "a/y"], page.Collections.Select(c => c.Id));
        Assert.Equal("2", page.Collections[0].Revision);
        Assert.Equal(7, page.PagingMetadata.Total);
    }

    [Fact]
    public async Task Create_update_and_delete_use_wix_verbs_and_bodies()
    {
        _server.Handler = r => r.Method == "DELETE" ? FakeResponse.Ok("{}") : FakeResponse.Ok(Products);
        var collection = new DataCollection
        {
            Id = "myDb/products",
            DisplayName = "Products",
            Fields = [new DataCollectionField { Key = "title", Type = "TEXT" }],
            Permissions = DataCollectionPermissions.AdminOnly,
        };

        await _client.Collections.CreateDataCollectionAsync(collection);
        await _client.Collections.UpdateDataCollectionAsync(collection with { Revision = "3" });
        await _client.Collections.DeleteDataCollectionAsync("myDb/products");

        var requests = _server.Requests.ToArray();
        Assert.Equal(("POST", "/wix-data/v2/collections"), (requests[0].Method, requests[0].RawTarget));
        AssertJson("""
            {"collection": {"id": "myDb/products", "displayName": "Products", "fields": [{"key": "title", "type": "TEXT"}],
              "permissions": {"insert": "ADMIN", "update": "ADMIN", "remove": "ADMIN", "read": "ADMIN"}}}
            """, requests[0].Json);
        Assert.Equal(("PUT", "/wix-data/v2/collections"), (requests[1].Method, requests[1].RawTarget));
        Assert.Equal("3", requests[1].Json["collection"]!["revision"]!.GetValue<string>());
        Assert.Equal(("DELETE", "/wix-data/v2/collections/myDb/products"), (requests[2].Method, requests[2].RawTarget));
    }

    [Fact]
    public async Task A_missing_collection_is_not_found_with_its_code()
    {
        _server.Handler = _ => FakeResponse.Error(404, "WDE0025", "Collection [myDb/nope] does not exist.");

        var error = await Assert.ThrowsAsync<ExternalDbException>(() => _client.Collections.GetDataCollectionAsync("myDb/nope"));

        Assert.True(error.IsNotFound);
        Assert.Equal("WDE0025", error.Code);
    }

    [Fact]
    public async Task Field_operations_and_patch_send_wix_paths_and_bodies_and_read_the_data_collection()
    {
        var changed = Products.Replace("\"collection\":", "\"dataCollection\":", StringComparison.Ordinal);
        _server.Handler = _ => FakeResponse.Ok(changed);
        var field = new DataCollectionField { Key = "pages", Type = "NUMBER", DisplayName = "Pages" };

        Assert.Equal("myDb/products", (await _client.Collections.CreateDataCollectionFieldAsync("myDb/products", field)).Id);
        await _client.Collections.UpdateDataCollectionFieldAsync("myDb/products", field);
        await _client.Collections.PatchDataCollectionFieldAsync("myDb/products", new DataCollectionField { Key = "pages", DisplayName = "Page count" });
        await _client.Collections.DeleteDataCollectionFieldAsync("myDb/products", "pages");
        var patched = await _client.Collections.PatchDataCollectionAsync(new DataCollection { Id = "myDb/products", DisplayName = "All products" });

        var requests = _server.Requests.ToList();
        Assert.Equal(
            ["POST /wix-data/v2/collections/create-field", "POST /wix-data/v2/collections/update-field", "PATCH /wix-data/v2/collections/myDb/products/patch-field",
             "POST /wix-data/v2/collections/delete-field", "PATCH /wix-data/v2/collections/myDb/products"],
            requests.Select(r => r.Method + " " + r.RawTarget));
        Assert.Equal("""{"dataCollectionId":"myDb/products","field":{"key":"pages","displayName":"Pages","type":"NUMBER"}}""", requests[0].Body);
        Assert.Equal("""{"dataCollectionId":"myDb/products","field":{"key":"pages","displayName":"Page count"}}""", requests[2].Body);
        Assert.Equal("""{"dataCollectionId":"myDb/products","fieldKey":"pages"}""", requests[3].Body);
        Assert.Equal("""{"dataCollection":{"id":"myDb/products","displayName":"All products"}}""", requests[4].Body);
        Assert.Equal("ANYONE", patched.Permissions!.Read);
        Assert.Equal(0, patched.Capabilities!.IndexLimits!.Total);
    }

    [Fact]
    public async Task Index_operations_send_wix_paths_and_read_indexes()
    {
        _server.Handler = r => (r.Method, r.Path) switch
        {
            ("POST", _) => FakeResponse.Ok("""{"index": {"_id": "5f0c9a7e-3c1b-4f5e-8a2d-91b0c3e4d5f6", "name": "byPrice", "fields": [{"path": "price", "order": "DESC"}], "status": "BUILDING", "unique": false, "caseInsensitive": false, "source": "USER"}}"""),
            ("GET", _) => FakeResponse.Ok("""{"indexes": [{"_id": "a", "name": "byTitle", "fields": [{"path": "title", "order": "ASC"}], "status": "FAILED", "failure": {"code": "WDE0113", "description": "duplicate key", "itemId": "i9"}, "unique": true, "caseInsensitive": true, "source": "USER"}], "pagingMetadata": {"count": 1, "offset": 1, "total": 2, "tooManyToCount": false}}"""),
            _ => FakeResponse.Ok("{}"),
        };

        var created = await _client.Collections.CreateIndexAsync("myDb/products", new DataIndex { Name = "byPrice", Fields = [new DataIndexField("price", "DESC")] });
        var page = await _client.Collections.ListIndexesAsync("myDb/products", new Paging(1, 1));
        await _client.Collections.DropIndexAsync("myDb/products", "byPrice");

        var requests = _server.Requests.ToList();
        Assert.Equal(
            ["POST /wix-data/v2/indexes", "GET /wix-data/v2/indexes?dataCollectionId=myDb%2Fproducts&paging.limit=1&paging.offset=1",
             "DELETE /wix-data/v2/indexes?dataCollectionId=myDb%2Fproducts&indexName=byPrice"],
            requests.Select(r => r.Method + " " + r.RawTarget));
        Assert.Equal("""{"dataCollectionId":"myDb/products","index":{"name":"byPrice","fields":[{"path":"price","order":"DESC"}]}}""", requests[0].Body);
        Assert.Equal(("5f0c9a7e-3c1b-4f5e-8a2d-91b0c3e4d5f6", "BUILDING", "DESC"), (created.Id, created.Status, created.Fields[0].Order));
        var failed = Assert.Single(page.Indexes);
        Assert.Equal(("FAILED", "WDE0113", "i9", true), (failed.Status, failed.Failure!.Code, failed.Failure.ItemId, failed.Unique));
        Assert.Equal(2, page.PagingMetadata.Total);
    }
}
