using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Gateway;
using static ExternalDb.Gateway.Tests.LegacyHarness;

namespace ExternalDb.Gateway.Tests;

/// <summary>V2: canonical Mongo filters, projection and omitTotalCount, bulk writes, aggregate and truncate calls.</summary>
public sealed class LegacyProtocolV2Tests
{
    [Fact]
    public async Task Query_sends_the_mongo_filter_projection_and_omitTotalCount()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Query, """
            {"collectionId":"cars","query":{"filter":{"make":"BMW","$not":{"year":{"$lt":2015}}},
             "sort":[{"fieldName":"year","order":"ASC"}],"fields":["year"],"paging":{"limit":10,"offset":0}},"returnTotalCount":false}
            """);

        var (path, body) = Assert.Single(fake.Calls);
        Assert.Equal("/data/find", path);
        JsonAssert.Equal("""{"$and":[{"make":{"$eq":"BMW"}},{"$not":[{"year":{"$lt":2015}}]}]}""", body["filter"]);
        JsonAssert.Equal("""[{"fieldName":"year","direction":"asc"}]""", body["sort"]);
        JsonAssert.Equal("""["_id","year"]""", body["projection"]);
        Assert.True(body["omitTotalCount"]!.GetValue<bool>());
        JsonAssert.Equal("""{"secretKey":"s3cret","region":"eu"}""", body["requestContext"]!["settings"]);
        JsonAssert.Equal("""{"items":[{"_id":"c1","year":2020}],"pagingMetadata":{"count":1,"offset":0}}""", answer);
    }

    [Fact]
    public async Task Query_with_total_asks_for_it_and_cursor_paging_reads_from_offset_0()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Query, """
            {"collectionId":"cars","query":{"sort":[{"fieldName":"year","order":"DESC"}],"cursorPaging":{"limit":2,"cursor":"x"}},"returnTotalCount":true}
            """);

        var (_, body) = Assert.Single(fake.Calls);
        Assert.False(body["omitTotalCount"]!.GetValue<bool>());
        Assert.Equal(0, body["skip"]!.GetValue<int>());
        Assert.Equal(2, body["limit"]!.GetValue<int>());
        Assert.False(body.ContainsKey("projection"));
        Assert.Equal(["c1", "c2"], answer["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
        JsonAssert.Equal("""{"count":2,"offset":0,"total":3,"hasNext":true}""", answer["pagingMetadata"]);
    }

    [Fact]
    public async Task Default_page_is_50_from_offset_0()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        await CallAsync(fake, AdaptorOperations.Query, """{"collectionId":"cars","query":{}}""");

        var (_, body) = Assert.Single(fake.Calls);
        Assert.Equal(50, body["limit"]!.GetValue<int>());
        Assert.Equal(0, body["skip"]!.GetValue<int>());
        JsonAssert.Equal("{}", body["filter"]);
    }

    [Fact]
    public async Task Count_sends_the_mongo_filter()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Count, """{"collectionId":"cars","filter":{"make":"BMW"}}""");

        JsonAssert.Equal("""{"totalCount":2}""", answer);
        JsonAssert.Equal("""{"make":{"$eq":"BMW"}}""", Assert.Single(fake.Calls).Body["filter"]);
    }

    [Fact]
    public async Task Insert_checks_ids_then_sends_the_new_items_in_one_bulk_call()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Insert, """
            {"collectionId":"cars","items":[
              {"_id":"n1","make":"Fiat","built":{"$date":"2001-02-11T00:00:00.000Z"}},
              {"_id":"c2","make":"Dup"},
              {"make":"Opel"},
              {"_id":"n1","make":"Fiat twice"}]}
            """);

        Assert.Equal(["/data/find", "/data/insert/bulk"], fake.Paths);
        var find = fake.Calls[0].Body;
        JsonAssert.Equal("""{"_id":{"$hasSome":["n1","c2"]}}""", find["filter"]);
        JsonAssert.Equal("""["_id"]""", find["projection"]);
        var bulk = fake.Calls[1].Body["items"]!.AsArray();
        Assert.Equal(2, bulk.Count);
        Assert.Equal("n1", bulk[0]!["_id"]!.GetValue<string>());
        var generated = bulk[1]!["_id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(generated, out _));

        var results = answer["results"]!.AsArray();
        JsonAssert.Equal("""{"$date":"2001-02-11T00:00:00.000Z"}""", results[0]!["item"]!["built"]);
        JsonAssert.Equal(FakeLegacyAdaptor.StoredDate, results[0]!["item"]!["_updatedDate"]);
        JsonAssert.Equal("""{"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists: c2","data":{"itemId":"c2"}}}""", results[1]);
        Assert.Equal(generated, results[2]!["item"]!["_id"]!.GetValue<string>());
        JsonAssert.Equal("""{"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists: n1","data":{"itemId":"n1"}}}""", results[3]);
        Assert.Equal(5, fake.Collections["cars"].Items.Count);
    }

    [Fact]
    public async Task Bulk_insert_refused_as_a_whole_reports_the_refusal_on_each_of_its_items()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.ForcedAnswers["/data/insert/bulk"] = (400, """{"message":"Item already exists"}"""); // velo's 400, e.g. after a race

        var answer = await CallAsync(fake, AdaptorOperations.Insert, """{"collectionId":"cars","items":[{"_id":"c1"},{"_id":"x"},{"_id":"y"}]}""");

        JsonAssert.Equal("""
            {"results":[
              {"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists: c1","data":{"itemId":"c1"}}},
              {"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists","data":{"itemId":"x"}}},
              {"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists","data":{"itemId":"y"}}}]}
            """, answer);
    }

    [Fact]
    public async Task Collection_level_failure_of_a_write_is_thrown_not_reported_per_item()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.Insert, """{"collectionId":"boats","items":[{"_id":"x"}]}""");

        Assert.Equal(AdaptorFailure.AdaptorError, e.Failure);
        Assert.Equal("COLLECTION_NOT_FOUND", e.ErrorCode);
        Assert.Equal(404, e.AdaptorStatus);
        JsonAssert.Equal("""{"collectionId":"boats"}""", e.ErrorData);
    }

    [Fact]
    public async Task Update_reports_missing_items_and_sends_the_others_in_one_bulk_call()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Update, """
            {"collectionId":"cars","items":[{"_id":"gone","make":"X"},{"_id":"c3","make":"BMW","year":2011}]}
            """);

        Assert.Equal(["/data/find", "/data/update/bulk"], fake.Paths);
        Assert.Equal(["c3"], fake.Calls[1].Body["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
        Assert.Equal("ITEM_NOT_FOUND", answer["results"]![0]!["error"]!["errorCode"]!.GetValue<string>());
        Assert.Equal(2011, answer["results"]![1]!["item"]!["year"]!.GetValue<int>());
        Assert.Equal(2011, fake.Collections["cars"].Item("c3")!["year"]!.GetValue<int>());
    }

    [Fact]
    public async Task Remove_fetches_the_items_then_removes_them_in_one_bulk_call()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Remove, """{"collectionId":"cars","itemIds":["c2","gone"]}""");

        Assert.Equal(["/data/find", "/data/remove/bulk"], fake.Paths);
        Assert.False(fake.Calls[0].Body.ContainsKey("projection")); // the whole items are answered
        JsonAssert.Equal("""["c2"]""", fake.Calls[1].Body["itemIds"]);
        JsonAssert.Equal("""
            {"results":[
              {"item":{"_id":"c2","make":"Audi","year":2018,"_createdDate":{"$date":"2018-01-02T03:04:05.000Z"}}},
              {"error":{"errorCode":"ITEM_NOT_FOUND","errorMessage":"Item not found: gone","data":{"itemId":"gone"}}}]}
            """, answer);
        Assert.Equal(2, fake.Collections["cars"].Items.Count);
    }

    [Fact]
    public async Task Truncate_calls_truncate()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.Truncate, """{"collectionId":"cars"}""");

        JsonAssert.Equal("{}", answer);
        Assert.Equal(["/data/truncate"], fake.Paths);
        Assert.Empty(fake.Collections["cars"].Items);
    }

    [Fact]
    public async Task Aggregate_sends_a_processing_step_and_sorts_and_pages_the_rows_itself()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.AggregateAnswer = JsonAssert.Parse("""
            {"items":[{"country":"DE","total":5400,"n":12},{"country":"FR","total":900,"n":3},{"country":"IT","total":2000,"n":5}],"totalCount":0}
            """);

        var answer = await CallAsync(fake, AdaptorOperations.Aggregate, """
            {"collectionId":"sales","initialFilter":{"region":"EU"},
             "aggregation":{"groupingFields":["country"],"operations":[
               {"resultFieldName":"total","sum":{"itemFieldName":"amount"}},
               {"resultFieldName":"avg","average":{"itemFieldName":"amount"}},
               {"resultFieldName":"n","count":{}}]},
             "finalFilter":{"total":{"$gt":100}},
             "sort":[{"fieldName":"total","order":"DESC"}],"paging":{"limit":2,"offset":1},"returnTotalCount":true}
            """);

        var (path, body) = Assert.Single(fake.Calls);
        Assert.Equal("/data/aggregate", path);
        JsonAssert.Equal("""{"region":{"$eq":"EU"}}""", body["filter"]);
        JsonAssert.Equal("""
            {"_id":{"country":"$country"},"total":{"$sum":"$amount"},"avg":{"$avg":"$amount"},"n":{"$sum":1}}
            """, body["processingStep"]);
        JsonAssert.Equal("""{"total":{"$gt":100}}""", body["postFilteringStep"]);
        JsonAssert.Equal("""
            {"items":[{"country":"IT","total":2000,"avg":null,"n":5},{"country":"FR","total":900,"avg":null,"n":3}],
             "pagingMetadata":{"count":2,"offset":1,"total":3,"hasNext":false}}
            """, answer);
    }

    [Fact]
    public async Task Aggregate_reads_grouping_values_under_id_and_groups_everything_without_grouping_fields()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.AggregateAnswer = JsonAssert.Parse("""
            {"items":[{"_id":{"make":"BMW","year":2020},"n":2},{"_id":{"make":"Audi","year":2018},"n":1}]}
            """);

        var grouped = await CallAsync(fake, AdaptorOperations.Aggregate, """
            {"collectionId":"cars","aggregation":{"groupingFields":["make","year"],"operations":[{"resultFieldName":"n","count":{}}]},
             "sort":[{"fieldName":"make","order":"ASC"}]}
            """);
        fake.AggregateAnswer = JsonAssert.Parse("""{"items":[{"_id":null,"top":2020}]}""");
        var whole = await CallAsync(fake, AdaptorOperations.Aggregate, """
            {"collectionId":"cars","aggregation":{"operations":[{"resultFieldName":"top","max":{"itemFieldName":"year"}}]}}
            """);

        JsonAssert.Equal("""[{"make":"Audi","year":2018,"n":1},{"make":"BMW","year":2020,"n":2}]""", grouped["items"]);
        JsonAssert.Equal("""{"_id":null,"top":{"$max":"$year"}}""", fake.Calls[1].Body["processingStep"]);
        JsonAssert.Equal("{}", fake.Calls[1].Body["filter"]);
        JsonAssert.Equal("""{"items":[{"top":2020}],"pagingMetadata":{"count":1,"offset":0,"hasNext":false}}""", whole);
    }

    [Fact]
    public async Task Aggregate_groups_by_a_field_listed_twice_once()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.AggregateAnswer = JsonAssert.Parse("""{"items":[{"_id":{"make":"BMW"},"n":2}]}""");

        var grouped = await CallAsync(fake, AdaptorOperations.Aggregate, """
            {"collectionId":"cars","aggregation":{"groupingFields":["make","make"],"operations":[{"resultFieldName":"n","count":{}}]}}
            """);

        JsonAssert.Equal("""{"make":"$make"}""", fake.Calls.Single(c => c.Path == "/data/aggregate").Body["processingStep"]!["_id"]);
        JsonAssert.Equal("""[{"make":"BMW","n":2}]""", grouped["items"]);
    }

    [Fact]
    public async Task Distinct_values_are_read_page_by_page_unwound_deduplicated_and_sorted()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        fake.MaxLimit = 50; // the adaptor caps pages below what the gateway asks
        var items = fake.AddCollection("things", ("tag", "object")).Items;
        for (var i = 0; i < 120; i++)
        {
            items.Add(new JsonObject
            {
                ["_id"] = $"t{i:000}",
                ["tag"] = (i % 4) switch
                {
                    0 => i % 12,                                     // numbers 0, 4, 8
                    1 => new JsonArray("b", JsonValue.Create(i % 3)), // "b" and 0, 1, 2
                    2 => null,
                    _ => "a",
                },
            });
        }

        var answer = await CallAsync(fake, AdaptorOperations.QueryDistinctValues, """
            {"collectionId":"things","fieldName":"tag","filter":{"_id":{"$ne":"none"}},"order":"DESC","paging":{"limit":4,"offset":1},"returnTotalCount":true}
            """);

        Assert.Equal([0, 50, 100], fake.Calls.Select(c => c.Body["skip"]!.GetValue<int>()));
        Assert.All(fake.Calls, c => JsonAssert.Equal("""{"_id":{"$ne":"none"}}""", c.Body["filter"]));
        Assert.All(fake.Calls, c => JsonAssert.Equal("""["tag"]""", c.Body["projection"]));
        // DESC over: 0 1 2 4 8 (numbers, numerically) < "a" "b" (strings)
        JsonAssert.Equal("""{"distinctValues":["a",8,4,2],"pagingMetadata":{"count":4,"offset":1,"total":7,"hasNext":true}}""", answer);
    }

    [Fact]
    public async Task Distinct_dates_sort_by_instant()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        fake.AddCollection("events", ("at", "datetime")).With(
            new JsonObject { ["_id"] = "e1", ["at"] = new JsonObject { ["$date"] = "2024-01-01T10:00:00.000+02:00" } },
            new JsonObject { ["_id"] = "e2", ["at"] = new JsonObject { ["$date"] = "2024-01-01T09:00:00.000Z" } },
            new JsonObject { ["_id"] = "e3", ["at"] = new JsonObject { ["$date"] = "2024-01-01T09:00:00.000Z" } });

        var answer = await CallAsync(fake, AdaptorOperations.QueryDistinctValues, """{"collectionId":"events","fieldName":"at"}""");

        JsonAssert.Equal("""
            {"distinctValues":[{"$date":"2024-01-01T10:00:00.000+02:00"},{"$date":"2024-01-01T09:00:00.000Z"}],"pagingMetadata":{"count":2,"offset":0,"hasNext":false}}
            """, answer);
    }

    [Fact]
    public async Task Distinct_values_over_too_many_items_are_refused()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        fake.AddCollection("big", ("tag", "text")).With(
            [.. Enumerable.Range(0, 3).Select(i => new JsonObject { ["_id"] = $"b{i}", ["tag"] = "x" })]);
        fake.ForcedAnswers["/data/find"] = (200, """{"items":[{"_id":"b0","tag":"x"}],"totalCount":100001}""");

        var e = await FailsAsync(fake, AdaptorOperations.QueryDistinctValues, """{"collectionId":"big","fieldName":"tag"}""");

        Assert.Equal(AdaptorFailure.NotSupported, e.Failure);
        Assert.Contains("100000", e.Message, StringComparison.Ordinal);
        Assert.Single(fake.Calls);
    }

    [Fact]
    public async Task Capabilities_come_from_the_schemas_operations()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.GetCapabilities, "{}");

        Assert.True(answer["supportsCollectionModifications"]!.GetValue<bool>());
        Assert.Equal(LegacyFieldTypes.AsFieldTypes, answer["supportedFieldTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.False(answer["externalDb"]!["patch"]!.GetValue<bool>()); // no schema lists "patch"
        Assert.Equal(["/schemas/list"], fake.Paths);
    }
}
