using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Client.Tests;

/// <summary>Patch, bulk patch and included references: what the SDK sends and how it reads the answers.</summary>
public sealed class PatchClientTests : IAsyncLifetime
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

    [Fact]
    public async Task Patch_sends_each_modifier_in_order_and_reads_the_patched_item()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"dataItem": {"id": "p-1", "dataCollectionId": "db/products", "data": {"_id": "p-1", "title": "Oak", "stock": 4}}}""");

        var item = await _client.Items.PatchDataItemAsync("db/products", "p-1", new FieldModifications()
            .SetField("title", "Oak")
            .IncrementField("stock", -1)
            .RemoveField("draft")
            .AppendToArray("tags", "sale")
            .RemoveFromArray("tags", "new")
            .SetField("released", new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)));

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/wix-data/v2/items/patch", request.Path);
        DataItemsClientTests.AssertJson("""
            {"dataCollectionId": "db/products", "patch": {"dataItemId": "p-1", "fieldModifications": [
              {"fieldPath": "title", "action": "SET_FIELD", "setFieldOptions": {"value": "Oak"}},
              {"fieldPath": "stock", "action": "INCREMENT_FIELD", "incrementFieldOptions": {"value": -1}},
              {"fieldPath": "draft", "action": "REMOVE_FIELD"},
              {"fieldPath": "tags", "action": "APPEND_TO_ARRAY", "appendToArrayOptions": {"value": "sale"}},
              {"fieldPath": "tags", "action": "REMOVE_FROM_ARRAY", "removeFromArrayOptions": {"value": "new"}},
              {"fieldPath": "released", "action": "SET_FIELD", "setFieldOptions": {"value": {"$date": "2025-01-02T03:04:05.000Z"}}}]}}
            """, request.Json);
        Assert.Equal("p-1", item.Id);
        Assert.Equal(4, item.Data["stock"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bulk_patch_sends_one_entry_per_item_and_reads_the_results()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"results": [{"action": "PATCH", "itemMetadata": {"id": "a", "originalIndex": 0, "success": true}},
                         {"action": "PATCH", "itemMetadata": {"id": "b", "originalIndex": 1, "success": false, "error": {"code": "WDE0073", "description": "gone"}}}],
             "bulkActionMetadata": {"totalSuccesses": 1, "totalFailures": 1, "undetailedFailures": 0}}
            """);

        var answer = await _client.Items.BulkPatchDataItemsAsync("db/products", DataItemPatch.ForEach(["a", "b"], new FieldModifications().IncrementField("price", 1.5)), returnEntity: true);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/wix-data/v2/bulk/items/patch", request.Path);
        DataItemsClientTests.AssertJson("""
            {"dataCollectionId": "db/products", "patches": [
              {"dataItemId": "a", "fieldModifications": [{"fieldPath": "price", "action": "INCREMENT_FIELD", "incrementFieldOptions": {"value": 1.5}}]},
              {"dataItemId": "b", "fieldModifications": [{"fieldPath": "price", "action": "INCREMENT_FIELD", "incrementFieldOptions": {"value": 1.5}}]}],
             "returnEntity": true}
            """, request.Json);
        Assert.Equal([BulkActionType.Patch, BulkActionType.Patch], answer.Results.Select(r => r.Action));
        Assert.Equal("WDE0073", answer.Results[1].ItemMetadata.Error!.Code);
        Assert.Equal(1, answer.BulkActionMetadata.TotalFailures);
    }

    [Fact]
    public async Task A_patch_without_modifications_is_refused_before_any_call()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Items.PatchDataItemAsync("db/products", "p-1", new FieldModifications()));
        Assert.Throws<ArgumentException>(() => new FieldModifications().SetField("", 1));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Include_references_are_sent_with_their_limits_on_query_and_get()
    {
        _server.Handler = r => r.Path.EndsWith("/query", StringComparison.Ordinal)
            ? FakeResponse.Ok("""{"dataItems": [], "pagingMetadata": {"count": 0, "offset": 0, "hasNext": false}}""")
            : FakeResponse.Ok("""{"dataItem": {"id": "o-1", "dataCollectionId": "db/orders", "data": {"_id": "o-1", "customer": {"_id": "c-1", "name": "Ada"}}}}""");

        await _client.Items.Query("db/orders").Include("customer").IncludeReferences("products", limit: 10).FindAsync();
        var item = await _client.Items.GetDataItemAsync("db/orders", "o-1",
            new GetDataItemOptions { ConsistentRead = true, IncludeReferences = [new IncludedReference("customer"), new IncludedReference("products", 3)] });

        var requests = _server.Requests.ToArray();
        DataItemsClientTests.AssertJson("""[{"field": "customer"}, {"field": "products", "limit": 10}]""", requests[0].Json["includeReferences"]!);
        Assert.Equal("/wix-data/v2/items/o-1", requests[1].Path);
        var encoded = requests[1].Query[".r"].ToString().Replace('-', '+').Replace('_', '/');
        var message = JsonNode.Parse(Convert.FromBase64String(encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=')))!;
        DataItemsClientTests.AssertJson("""
            {"dataCollectionId": "db/orders", "consistentRead": true, "includeReferences": [{"field": "customer"}, {"field": "products", "limit": 3}]}
            """, message);
        Assert.Equal("Ada", item.Data["customer"]!["name"]!.GetValue<string>());
    }
}
