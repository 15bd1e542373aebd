using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Client.Tests;

public sealed class DataItemsClientTests : IAsyncLifetime
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

    private const string StoredItem = """
        {"dataItem": {"id": "p-100", "dataCollectionId": "myDb/products", "data": {
          "_id": "p-100", "_owner": "o-1",
          "_createdDate": {"$date": "2025-01-02T03:04:05.678Z"}, "_updatedDate": {"$date": "2025-01-02T03:04:05.678Z"},
          "title": "Lamp", "price": 25, "releasedAt": {"$date": "2024-05-01T10:00:00.000Z"}}}}
        """;

    [Fact]
    public async Task Insert_posts_the_item_with_dates_as_date_objects_and_reads_the_stored_item()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        var item = await _client.Items.InsertDataItemAsync("myDb/products", new DataItem
        {
            Id = "p-100",
            Data = new JsonObject
            {
                ["title"] = "Lamp",
                ["price"] = 25,
                ["releasedAt"] = DataValue.Date(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2))),
            },
        });

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/wix-data/v2/items", request.Path);
        Assert.Equal("Bearer test-key", request.Authorization);
        AssertJson("""
            {"dataCollectionId": "myDb/products", "dataItem": {"id": "p-100",
              "data": {"title": "Lamp", "price": 25, "releasedAt": {"$date": "2024-05-01T10:00:00.000Z"}}}}
            """, request.Json);
        Assert.Equal("p-100", item.Id);
        Assert.Equal("myDb/products", item.DataCollectionId);
        Assert.Equal("Lamp", item.Data["title"]!.GetValue<string>());
        Assert.True(DataValue.TryGetDate(item.Data["_createdDate"], out var created));
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), created);
    }

    [Fact]
    public async Task Update_puts_to_the_escaped_item_id_with_slashes_raw_and_falls_back_to_data_id()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        await _client.Items.UpdateDataItemAsync("myDb/products", new DataItem { Data = new JsonObject { ["_id"] = "a/b c?#", ["title"] = "x" } });

        var request = Assert.Single(_server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/wix-data/v2/items/a/b%20c%3F%23", request.RawTarget);
        AssertJson("""{"dataCollectionId": "myDb/products", "dataItem": {"id": "a/b c?#", "data": {"_id": "a/b c?#", "title": "x"}}}""", request.Json);
    }

    [Fact]
    public async Task Update_without_an_id_is_refused_before_any_call()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.Items.UpdateDataItemAsync("c", new DataItem { Data = new JsonObject { ["a"] = 1 } }));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Get_sends_the_collection_in_the_query_string_and_remove_uses_delete()
    {
        _server.Handler = _ => FakeResponse.Ok(StoredItem);

        var item = await _client.Items.GetDataItemAsync("myDb/products", "p-100", new GetDataItemOptions { ConsistentRead = true, Fields = ["title", "price"] });
        var removed = await _client.Items.RemoveDataItemAsync("myDb/products", "p-100");

        var requests = _server.Requests.ToArray();
        Assert.Equal("GET", requests[0].Method);
        Assert.Equal("/wix-data/v2/items/p-100?dataCollectionId=myDb%2Fproducts&consistentRead=true&fields=title&fields=price", requests[0].RawTarget);
        Assert.Equal("DELETE", requests[1].Method);
        Assert.Equal("/wix-data/v2/items/p-100?dataCollectionId=myDb%2Fproducts", requests[1].RawTarget);
        Assert.Equal(25, item.Data["price"]!.GetValue<int>());
        Assert.Equal("p-100", removed.Id);
    }

    [Fact]
    public async Task An_error_answer_becomes_an_exception_with_the_wix_code()
    {
        _server.Handler = _ => FakeResponse.Error(404, "WDE0073", "Item [p-9] does not exist in collection [myDb/products].");

        var error = await Assert.ThrowsAsync<ExternalDbException>(() => _client.Items.GetDataItemAsync("myDb/products", "p-9"));

        Assert.Equal(404, error.StatusCode);
        Assert.Equal("WDE0073", error.Code);
        Assert.True(error.IsNotFound);
        Assert.False(error.IsAlreadyExists);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_insert_is_reported_as_already_exists()
    {
        _server.Handler = _ => FakeResponse.Error(409, "WDE0074", "Item already exists");

        var error = await Assert.ThrowsAsync<ExternalDbException>(() => _client.Items.InsertDataItemAsync("c", new DataItem { Id = "x" }));

        Assert.True(error.IsAlreadyExists);
        Assert.Equal("WDE0074", error.Code);
    }

    [Fact]
    public async Task Save_reads_the_action()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"action": "UPDATED", "dataItem": {"id": "a", "dataCollectionId": "c", "data": {"_id": "a"}}}""");

        var saved = await _client.Items.SaveDataItemAsync("c", new DataItem { Id = "a" });

        Assert.Equal(SaveDataItemAction.Updated, saved.Action);
        Assert.Equal("/wix-data/v2/items/save", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task Query_builder_writes_the_wix_query_language()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"dataItems": [], "pagingMetadata": {"count": 0, "offset": 10, "total": 0, "hasNext": false}}""");

        var result = await _client.Items.Query("myDb/products")
            .Eq("title", "Lamp")
            .Gt("price", 10)
            .Le("stock", 5.5)
            .Ne("deleted", true)
            .StartsWith("sku", "LA-")
            .In("color", "red", "blue")
            .HasSome("tags", new List<int> { 1, 2 })
            .IsEmpty("note")
            .Ge("releasedAt", new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc))
            .Or(f => f.Eq("a", 1), f => f.Contains("b", "x").EndsWith("b", "z"))
            .Not(f => f.Eq("owner", null))
            .And(f => f.Lt("x", 1).Exists("y"))
            .Ascending("title")
            .Descending("price", "stock")
            .Limit(20)
            .Skip(10)
            .Fields("title", "price")
            .WithTotalCount()
            .FindAsync();

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/wix-data/v2/items/query", request.Path);
        AssertJson("""
            {"dataCollectionId": "myDb/products",
             "query": {
               "filter": {"$and": [
                 {"title": {"$eq": "Lamp"}},
                 {"price": {"$gt": 10}},
                 {"stock": {"$lte": 5.5}},
                 {"deleted": {"$ne": true}},
                 {"sku": {"$startsWith": "LA-"}},
                 {"color": {"$in": ["red", "blue"]}},
                 {"tags": {"$hasSome": [1, 2]}},
                 {"note": {"$exists": false}},
                 {"releasedAt": {"$gte": {"$date": "2024-05-01T10:00:00.000Z"}}},
                 {"$or": [{"a": {"$eq": 1}}, {"$and": [{"b": {"$contains": "x"}}, {"b": {"$endsWith": "z"}}]}]},
                 {"$not": {"owner": {"$eq": null}}},
                 {"$and": [{"x": {"$lt": 1}}, {"y": {"$exists": true}}]}
               ]},
               "sort": [{"fieldName": "title", "order": "ASC"}, {"fieldName": "price", "order": "DESC"}, {"fieldName": "stock", "order": "DESC"}],
               "paging": {"limit": 20, "offset": 10},
               "fields": ["title", "price"]},
             "returnTotalCount": true}
            """, request.Json);
        Assert.Equal(0, result.TotalCount);
        Assert.False(result.HasNext);
        await Assert.ThrowsAsync<InvalidOperationException>(() => result.NextAsync());
    }

    [Fact]
    public async Task A_single_condition_is_sent_without_and_and_no_condition_sends_no_filter()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"dataItems": [], "pagingMetadata": {"count": 0, "hasNext": false}}""");

        await _client.Items.Query("c").Eq("a", "b").FindAsync();
        await _client.Items.Query("c").FindAsync();
        await _client.Items.Query("c").Where(new JsonObject { ["raw"] = new JsonObject { ["$exists"] = true } }).Lte("n", 1).Gte("m", 2).FindAsync();

        var requests = _server.Requests.ToArray();
        AssertJson("""{"dataCollectionId": "c", "query": {"filter": {"a": {"$eq": "b"}}}}""", requests[0].Json);
        AssertJson("""{"dataCollectionId": "c", "query": {}}""", requests[1].Json);
        AssertJson("""{"dataCollectionId": "c", "query": {"filter": {"$and": [{"raw": {"$exists": true}}, {"n": {"$lte": 1}}, {"m": {"$gte": 2}}]}}}""", requests[2].Json);
    }

    [Fact]
    public async Task Offset_paging_walks_pages_with_skip_plus_limit()
    {
        _server.Handler = r =>
        {
            var offset = r.Json["query"]!["paging"]!["offset"]?.GetValue<int>() ?? 0;
            var items = new JsonArray([.. Enumerable.Range(offset, Math.Min(2, 5 - offset)).Select(i => (JsonNode)Item("i" + i))]);
            return FakeResponse.Ok(new JsonObject
            {
                ["dataItems"] = items,
                ["pagingMetadata"] = new JsonObject { ["count"] = items.Count, ["offset"] = offset, ["total"] = 5, ["hasNext"] = offset + 2 < 5 },
            });
        };

        var page = await _client.Items.Query("c").Eq("k", "v").Limit(2).WithTotalCount().FindAsync();
        var seen = new List<string>();
        var pages = 1;
        seen.AddRange(page.Items.Select(i => i.Id!));
        while (page.HasNext)
        {
            page = await page.NextAsync();
            pages++;
            seen.AddRange(page.Items.Select(i => i.Id!));
        }

        Assert.Equal(3, pages);
        Assert.Equal(["i0", "i1", "i2", "i3", "i4"], seen);
        Assert.Equal(5, page.TotalCount);
        var offsets = _server.Requests.Select(r => r.Json["query"]!["paging"]!["offset"]?.GetValue<int>()).ToArray();
        Assert.Equal([null, 2, 4], offsets);
        Assert.All(_server.Requests, r => AssertJson("""{"k": {"$eq": "v"}}""", r.Json["query"]!["filter"]!.AsObject()));
    }

    [Fact]
    public async Task Cursor_paging_follow_ups_send_only_the_cursor()
    {
        _server.Handler = r =>
        {
            var cursor = r.Json["query"]!["cursorPaging"]!["cursor"]?.GetValue<string>();
            return cursor switch
            {
                null => FakeResponse.Ok(Page(["a", "b"], next: "c2")),
                "c2" => FakeResponse.Ok(Page(["c", "d"], next: "c3")),
                _ => FakeResponse.Ok(Page(["e"], next: null)),
            };
        };

        var all = new List<string>();
        await foreach (var item in _client.Items.Query("shop/p").Gt("price", 1).Ascending("price").Limit(2).UsingCursor().EnumerateAllAsync())
        {
            all.Add(item.Id!);
        }

        Assert.Equal(["a", "b", "c", "d", "e"], all);
        var requests = _server.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        AssertJson("""
            {"dataCollectionId": "shop/p", "query": {"filter": {"price": {"$gt": 1}},
             "sort": [{"fieldName": "price", "order": "ASC"}], "cursorPaging": {"limit": 2}}}
            """, requests[0].Json);
        AssertJson("""{"dataCollectionId": "shop/p", "query": {"cursorPaging": {"limit": 2, "cursor": "c2"}}}""", requests[1].Json);
        AssertJson("""{"dataCollectionId": "shop/p", "query": {"cursorPaging": {"limit": 2, "cursor": "c3"}}}""", requests[2].Json);
    }

    [Fact]
    public async Task Skip_with_cursor_paging_is_refused()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _client.Items.Query("c").UsingCursor().Skip(3).FindAsync());
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Bulk_insert_reports_each_entry_and_the_totals()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"results": [
              {"action": "INSERT", "itemMetadata": {"id": "p-100", "originalIndex": 0, "success": false,
                "error": {"code": "WDE0074", "description": "Item already exists", "data": {"itemId": "p-100"}}}},
              {"action": "INSERT", "itemMetadata": {"id": "gen-1", "originalIndex": 1, "success": true},
               "dataItem": {"id": "gen-1", "dataCollectionId": "c", "data": {"_id": "gen-1", "title": "Desk"}}}],
             "bulkActionMetadata": {"totalSuccesses": 1, "totalFailures": 1, "undetailedFailures": 2}}
            """);

        var response = await _client.Items.BulkInsertDataItemsAsync("c",
            [new DataItem { Id = "p-100", Data = new JsonObject { ["title"] = "Lamp" } }, new DataItem { Data = new JsonObject { ["title"] = "Desk" } }],
            returnEntity: true);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/wix-data/v2/bulk/items/insert", request.Path);
        AssertJson("""
            {"dataCollectionId": "c", "dataItems": [{"id": "p-100", "data": {"title": "Lamp"}}, {"data": {"title": "Desk"}}], "returnEntity": true}
            """, request.Json);
        Assert.Equal(1, response.BulkActionMetadata.TotalSuccesses);
        Assert.Equal(1, response.BulkActionMetadata.TotalFailures);
        Assert.Equal(2, response.BulkActionMetadata.UndetailedFailures);
        Assert.Equal(BulkActionType.Insert, response.Results[0].Action);
        Assert.False(response.Results[0].ItemMetadata.Success);
        Assert.Equal("WDE0074", response.Results[0].ItemMetadata.Error!.Code);
        Assert.Equal("p-100", response.Results[0].ItemMetadata.Error!.Data!["itemId"]!.GetValue<string>());
        Assert.Equal(1, response.Results[1].ItemMetadata.OriginalIndex);
        Assert.Equal("Desk", response.Results[1].DataItem!.Data["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bulk_update_save_and_remove_use_their_paths()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"results": [{"action": "DELETE", "itemMetadata": {"id": "a", "originalIndex": 0, "success": true}}], "bulkActionMetadata": {"totalSuccesses": 1, "totalFailures": 0}}""");

        await _client.Items.BulkUpdateDataItemsAsync("c", [new DataItem { Id = "a" }]);
        await _client.Items.BulkSaveDataItemsAsync("c", [new DataItem { Id = "a" }]);
        var removed = await _client.Items.BulkRemoveDataItemsAsync("c", ["a", "b"]);

        Assert.Equal(["/wix-data/v2/bulk/items/update", "/wix-data/v2/bulk/items/save", "/wix-data/v2/bulk/items/remove"], _server.Requests.Select(r => r.Path));
        AssertJson("""{"dataCollectionId": "c", "dataItemIds": ["a", "b"]}""", _server.Requests.Last().Json);
        Assert.Equal(BulkActionType.Delete, removed.Results[0].Action);
    }

    [Fact]
    public async Task Count_truncate_aggregate_and_distinct_send_wix_bodies()
    {
        _server.Handler = r => r.Path switch
        {
            "/wix-data/v2/items/count" => FakeResponse.Ok("""{"totalCount": 42}"""),
            "/wix-data/v2/items/truncate" => FakeResponse.Ok("{}"),
            "/wix-data/v2/items/aggregate" => FakeResponse.Ok("""{"results": [{"_id": {"state": "CA"}, "avgPop": 1900000, "n": 3}], "pagingMetadata": {"count": 1, "offset": 0, "hasNext": false}}"""),
            _ => FakeResponse.Ok("""{"distinctValues": ["CA", "NY", 3], "pagingMetadata": {"count": 3, "hasNext": false}}"""),
        };

        var count = await _client.Items.Query("c").Gt("year", 2000).CountAsync();
        await _client.Items.TruncateDataItemsAsync("c");
        var aggregate = await _client.Items.AggregateDataItemsAsync("c",
            new DataAggregation
            {
                GroupingFields = ["state"],
                Operations = [AggregationOperation.Average("avgPop", "population"), AggregationOperation.ItemCount("n")],
            },
            new AggregateDataItemsOptions
            {
                InitialFilter = new DataFilter().Ge("year", 2000).ToJson(),
                FinalFilter = new DataFilter().Gt("n", 1).ToJson(),
                Sort = [new Sorting("avgPop", SortOrder.Desc)],
                Paging = new Paging(50),
            });
        var distinct = await _client.Items.QueryDistinctValuesAsync("c", "state", new QueryDistinctValuesOptions { Order = SortOrder.Asc, CursorPaging = new CursorPaging(10) });

        var requests = _server.Requests.ToArray();
        Assert.Equal(42, count);
        AssertJson("""{"dataCollectionId": "c", "filter": {"year": {"$gt": 2000}}}""", requests[0].Json);
        AssertJson("""{"dataCollectionId": "c"}""", requests[1].Json);
        AssertJson("""
            {"dataCollectionId": "c", "initialFilter": {"year": {"$gte": 2000}},
             "aggregation": {"groupingFields": ["state"], "operations": [
               {"resultFieldName": "avgPop", "average": {"itemFieldName": "population"}},
               {"resultFieldName": "n", "itemCount": {}}]},
             "finalFilter": {"n": {"$gt": 1}}, "sort": [{"fieldName": "avgPop", "order": "DESC"}], "paging": {"limit": 50}}
            """, requests[2].Json);
        Assert.Equal("CA", aggregate.Results[0]["_id"]!["state"]!.GetValue<string>());
        Assert.Equal(3, aggregate.Results[0]["n"]!.GetValue<int>());
        AssertJson("""{"dataCollectionId": "c", "fieldName": "state", "order": "ASC", "cursorPaging": {"limit": 10}}""", requests[3].Json);
        Assert.Equal(3, distinct.DistinctValues.Count);
        Assert.Equal("NY", distinct.DistinctValues[1]!.GetValue<string>());
    }

    [Fact]
    public async Task References_are_sent_and_read_in_wix_shapes()
    {
        var reference = new DataItemReference("actors", "m-1", "a-7");
        _server.Handler = r => r.Path switch
        {
            "/wix-data/v2/items/query-referenced" => FakeResponse.Ok("""
                {"results": [
                  {"referringItemId": "m-1", "dataItem": {"id": "a-7", "dataCollectionId": "people", "data": {"_id": "a-7", "name": "R. Star"}}},
                  {"referringItemId": "m-1", "unresolvedReference": {"referencedItemId": "a-9", "unauthorized": true}}],
                 "pagingMetadata": {"count": 2, "offset": 0, "hasNext": false}}
                """),
            "/wix-data/v2/items/is-referenced" => FakeResponse.Ok("""{"isReferenced": true}"""),
            "/wix-data/v2/items/insert-reference" or "/wix-data/v2/items/remove-reference" => FakeResponse.Ok("""{"dataItemReference": {"referringItemFieldName": "actors", "referringItemId": "m-1", "referencedItemId": "a-7"}}"""),
            "/wix-data/v2/items/replace-references" => FakeResponse.Ok("""{"dataItemReferences": [{"referringItemFieldName": "actors", "referringItemId": "m-1", "referencedItemId": "a-8"}]}"""),
            _ => FakeResponse.Ok("""
                {"results": [{"action": "INSERT", "referenceMetadata": {"originalIndex": 0, "success": false, "error": {"code": "WDE0029", "description": "Reference already exists"}}}],
                 "bulkActionMetadata": {"totalSuccesses": 0, "totalFailures": 1}}
                """),
        };

        var referenced = await _client.Items.QueryReferencedDataItemsAsync("movies", "m-1", "actors", new QueryReferencedDataItemsOptions { Order = SortOrder.Asc, Paging = new Paging(50, 0) });
        var isReferenced = await _client.Items.IsReferencedDataItemAsync("movies", reference);
        var inserted = await _client.Items.InsertDataItemReferenceAsync("movies", reference);
        await _client.Items.RemoveDataItemReferenceAsync("movies", reference);
        var bulk = await _client.Items.BulkInsertDataItemReferencesAsync("movies", [reference]);
        await _client.Items.BulkRemoveDataItemReferencesAsync("movies", [reference]);
        var replaced = await _client.Items.ReplaceDataItemReferencesAsync("movies", "m-1", "actors", ["a-8"]);

        var requests = _server.Requests.ToArray();
        AssertJson("""{"dataCollectionId": "movies", "referringItemId": "m-1", "referringItemFieldName": "actors", "order": "ASC", "paging": {"limit": 50, "offset": 0}}""", requests[0].Json);
        Assert.Equal("R. Star", referenced.Results[0].DataItem!.Data["name"]!.GetValue<string>());
        Assert.Equal("a-9", referenced.Results[1].UnresolvedReference!.ReferencedItemId);
        Assert.True(referenced.Results[1].UnresolvedReference!.Unauthorized);
        AssertJson("""{"dataCollectionId": "movies", "referringItemFieldName": "actors", "referringItemId": "m-1", "referencedItemId": "a-7"}""", requests[1].Json);
        Assert.True(isReferenced);
        AssertJson("""{"dataCollectionId": "movies", "dataItemReference": {"referringItemFieldName": "actors", "referringItemId": "m-1", "referencedItemId": "a-7"}}""", requests[2].Json);
        Assert.Equal(reference, inserted);
        Assert.Equal("/wix-data/v2/items/remove-reference", requests[3].Path);
        Assert.Equal("/wix-data/v2/bulk/items/insert-references", requests[4].Path);
        AssertJson("""{"dataCollectionId": "movies", "dataItemReferences": [{"referringItemFieldName": "actors", "referringItemId": "m-1", "referencedItemId": "a-7"}]}""", requests[4].Json);
        Assert.Equal("WDE0029", bulk.Results[0].ReferenceMetadata.Error!.Code);
        Assert.Equal("/wix-data/v2/bulk/items/remove-references", requests[5].Path);
        AssertJson("""{"dataCollectionId": "movies", "referringItemFieldName": "actors", "referringItemId": "m-1", "newReferencedItemIds": ["a-8"]}""", requests[6].Json);
        Assert.Equal("a-8", Assert.Single(replaced).ReferencedItemId);
    }

    [Fact]
    public void Date_values_are_utc_with_milliseconds()
    {
        Assert.Equal("2024-05-01T10:00:00.123Z", DataValue.Date(new DateTime(2024, 5, 1, 10, 0, 0, 123, DateTimeKind.Unspecified))["$date"]!.GetValue<string>());
        Assert.Equal("2024-05-01T08:00:00.000Z", DataValue.Date(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)))["$date"]!.GetValue<string>());
        Assert.False(DataValue.TryGetDate(JsonValue.Create("2024-05-01"), out _));
        Assert.Throws<ArgumentException>(() => DataValue.From(new object()));
    }

    internal static JsonObject Item(string id) => new()
    {
        ["id"] = id,
        ["dataCollectionId"] = "c",
        ["data"] = new JsonObject { ["_id"] = id },
    };

    private static JsonObject Page(string[] ids, string? next) => new()
    {
        ["dataItems"] = new JsonArray([.. ids.Select(id => (JsonNode)Item(id))]),
        ["pagingMetadata"] = new JsonObject
        {
            ["count"] = ids.Length,
            ["cursors"] = next is null ? new JsonObject() : new JsonObject { ["next"] = next },
            ["hasNext"] = next is not null,
        },
    };

    internal static void AssertJson(string expected, JsonNode actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(expectedNode, actual), $"Expected {expectedNode!.ToJsonString()}\nActual   {actual.ToJsonString()}");
    }
}
