using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Gateway;
using static ExternalDb.Gateway.Tests.LegacyHarness;

namespace ExternalDb.Gateway.Tests;

/// <summary>V1: tree filters, <c>direction</c> sorts, no bulk (item-by-item writes), no aggregation or schema changes.</summary>
public sealed class LegacyProtocolV1Tests
{
    [Fact]
    public async Task A_page_says_hasNext_by_the_total_and_is_asked_exactly_once_the_adaptor_is_seen_to_answer_it()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);
        var protocol = NewProtocol();
        async Task<(int AskedLimit, int Count, bool HasNext)> PageAsync(int offset)
        {
            var before = fake.Calls.Count;
            var answer = await CallPageAsync(protocol, fake, AdaptorOperations.Query, $$$"""
                {"collectionId":"cars","query":{"sort":[{"fieldName":"_id"}],"paging":{"limit":1,"offset":{{{offset}}}}},"returnTotalCount":false}
                """);
            var (path, body) = Assert.Single(fake.Calls.Skip(before));
            Assert.Equal(LegacyPaths.Find, path);
            return (body["limit"]!.GetValue<int>(), answer["items"]!.AsArray().Count, answer["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
        }

        Assert.Equal((2, 1, true), await PageAsync(0)); // not known yet whether its answers tell: one more row, trimmed
        Assert.Equal((1, 1, true), await PageAsync(1)); // V1 answers totalCount: exactly the page
        Assert.Equal((1, 1, false), await PageAsync(2)); // a full last page: the total says no more
    }

    [Fact]
    public async Task Query_sends_a_tree_filter_and_direction_sort_with_the_configuration_as_request_context()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Query, """
            {"collectionId":"cars","query":{"filter":{"$and":[{"make":"BMW"},{"year":{"$gte":2000}}]},
             "sort":[{"fieldName":"year","order":"DESC"}],"paging":{"limit":1,"offset":0}},"returnTotalCount":true}
            """);

        var (path, body) = Assert.Single(fake.Calls);
        Assert.Equal("/data/find", path);
        JsonAssert.Equal("""
            {"kind":"filter","operator":"$and","value":[
              {"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"},
              {"kind":"filter","operator":"$gte","fieldName":"year","value":2000}]}
            """, body["filter"]);
        JsonAssert.Equal("""[{"fieldName":"year","direction":"desc"}]""", body["sort"]);
        Assert.Equal(0, body["skip"]!.GetValue<int>());
        Assert.Equal(1, body["limit"]!.GetValue<int>());
        Assert.Equal("cars", body["collectionName"]!.GetValue<string>());
        Assert.False(body.ContainsKey("projection"));
        Assert.False(body.ContainsKey("omitTotalCount"));
        JsonAssert.Equal("""{"secretKey":"s3cret","region":"eu"}""", body["requestContext"]!["settings"]);
        Assert.Equal(InstanceId, body["requestContext"]!["instanceId"]!.GetValue<string>());
        Assert.Equal(ConnectionNames.InstallationId("legacy-conn"), body["requestContext"]!["installationId"]!.GetValue<string>());

        JsonAssert.Equal("""
            {"items":[{"_id":"c1","make":"BMW","year":2020,"_createdDate":{"$date":"2020-01-02T03:04:05.000Z"}}],
             "pagingMetadata":{"count":1,"offset":0,"total":2,"hasNext":true}}
            """, answer);
    }

    [Fact]
    public async Task Query_fields_are_trimmed_by_the_gateway_and_total_is_left_out_unless_asked()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Query, """
            {"collectionId":"cars","query":{"fields":["make"],"sort":[{"fieldName":"_id"}],"paging":{"limit":2,"offset":1}},"returnTotalCount":false}
            """);

        var (_, body) = Assert.Single(fake.Calls);
        Assert.False(body.ContainsKey("projection"));
        JsonAssert.Equal("{}", body["filter"]);
        JsonAssert.Equal("""[{"fieldName":"_id","direction":"asc"}]""", body["sort"]);
        Assert.Equal(1, body["skip"]!.GetValue<int>());
        JsonAssert.Equal("""
            {"items":[{"_id":"c2","make":"Audi"},{"_id":"c3","make":"BMW"}],"pagingMetadata":{"count":2,"offset":1,"hasNext":false}}
            """, answer);
    }

    [Fact]
    public async Task Filter_operator_V1_cannot_express_fails_before_any_call()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var e = await FailsAsync(fake, AdaptorOperations.Query, """{"collectionId":"cars","query":{"filter":{"make":{"$exists":true}}}}""");

        Assert.Equal(AdaptorFailure.NotSupported, e.Failure);
        Assert.Contains("$exists", e.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task Count_sends_the_tree_filter()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Count, """{"collectionId":"cars","filter":{"year":{"$in":[2010,2018]}}}""");

        JsonAssert.Equal("""{"totalCount":2}""", answer);
        var (path, body) = Assert.Single(fake.Calls);
        Assert.Equal("/data/count", path);
        JsonAssert.Equal("""{"kind":"filter","operator":"$hasSome","fieldName":"year","value":[2010,2018]}""", body["filter"]);
    }

    [Fact]
    public async Task Insert_answers_each_item_in_input_order_and_inserts_one_by_one()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Insert, """
            {"collectionId":"cars","items":[
              {"_id":"c1","make":"Dup"},
              {"make":"Opel","year":2001},
              {"_id":"n1","make":"Fiat","built":{"$date":"2001-02-11T00:00:00.000Z"}},
              {"_id":"n1","make":"Fiat again"}]}
            """);

        var results = answer["results"]!.AsArray();
        Assert.Equal(4, results.Count);
        JsonAssert.Equal("""{"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists: c1","data":{"itemId":"c1"}}}""", results[0]);
        var generated = results[1]!["item"]!["_id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(generated, out _), generated);
        Assert.Equal("Opel", results[1]!["item"]!["make"]!.GetValue<string>());
        JsonAssert.Equal(FakeLegacyAdaptor.StoredDate, results[1]!["item"]!["_createdDate"]); // the stored item, as the adaptor answered
        JsonAssert.Equal("""{"$date":"2001-02-11T00:00:00.000Z"}""", results[2]!["item"]!["built"]);
        Assert.Equal("ITEM_ALREADY_EXISTS", results[3]!["error"]!["errorCode"]!.GetValue<string>());

        Assert.Equal(["/data/find", "/data/insert", "/data/insert"], fake.Paths);
        JsonAssert.Equal("""{"kind":"filter","operator":"$hasSome","fieldName":"_id","value":["c1","n1"]}""", fake.Calls[0].Body["filter"]);
        Assert.Equal("BMW", fake.Collections["cars"].Item("c1")!["make"]!.GetValue<string>()); // not overwritten
        Assert.NotNull(fake.Collections["cars"].Item(generated));
        Assert.Equal("Fiat", fake.Collections["cars"].Item("n1")!["make"]!.GetValue<string>());
    }

    [Fact]
    public async Task Item_refused_by_the_adaptor_fails_alone()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);
        fake.ForcedAnswers["/data/insert"] = (409, """{"message":"Item already exists"}"""); // inserted meanwhile by someone else

        var answer = await CallAsync(fake, AdaptorOperations.Insert, """{"collectionId":"cars","items":[{"_id":"n1"},{"_id":"c1"}]}""");

        JsonAssert.Equal("""
            {"results":[
              {"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists","data":{"itemId":"n1"}}},
              {"error":{"errorCode":"ITEM_ALREADY_EXISTS","errorMessage":"Item already exists: c1","data":{"itemId":"c1"}}}]}
            """, answer);
        Assert.Equal(["/data/find", "/data/insert"], fake.Paths);
    }

    [Fact]
    public async Task Update_reports_missing_items_and_updates_the_others_one_by_one()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Update, """
            {"collectionId":"cars","items":[{"_id":"c2","make":"Audi","year":2019},{"_id":"gone","make":"X"},{"make":"no id"}]}
            """);

        var results = answer["results"]!.AsArray();
        Assert.Equal(2019, results[0]!["item"]!["year"]!.GetValue<int>());
        JsonAssert.Equal("""{"error":{"errorCode":"ITEM_NOT_FOUND","errorMessage":"Item not found: gone","data":{"itemId":"gone"}}}""", results[1]);
        Assert.Equal("VALIDATION_ERROR", results[2]!["error"]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["/data/find", "/data/update"], fake.Paths);
        Assert.Equal(2019, fake.Collections["cars"].Item("c2")!["year"]!.GetValue<int>());
    }

    [Fact]
    public async Task Remove_answers_the_removed_items_and_removes_one_by_one()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.Remove, """{"collectionId":"cars","itemIds":["c1","gone","c1"]}""");

        JsonAssert.Equal("""
            {"results":[
              {"item":{"_id":"c1","make":"BMW","year":2020,"_createdDate":{"$date":"2020-01-02T03:04:05.000Z"}}},
              {"error":{"errorCode":"ITEM_NOT_FOUND","errorMessage":"Item not found: gone","data":{"itemId":"gone"}}},
              {"error":{"errorCode":"ITEM_NOT_FOUND","errorMessage":"Item not found: c1","data":{"itemId":"c1"}}}]}
            """, answer);
        Assert.Equal(["/data/find", "/data/remove"], fake.Paths);
        Assert.Equal("c1", fake.Calls[1].Body["itemId"]!.GetValue<string>());
        Assert.Null(fake.Collections["cars"].Item("c1"));
    }

    [Fact]
    public async Task Truncate_removes_every_item_page_by_page()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V1);
        fake.MaxLimit = 20;
        var cars = fake.AddCollection("cars", ("make", "text"));
        cars.With([.. Enumerable.Range(0, 75).Select(i => new JsonObject { ["_id"] = $"id{i:000}", ["make"] = "M" })]);

        var answer = await CallAsync(fake, AdaptorOperations.Truncate, """{"collectionId":"cars"}""");

        JsonAssert.Equal("{}", answer);
        Assert.Empty(cars.Items);
        Assert.Equal(75, fake.Paths.Count(p => p == "/data/remove"));
        Assert.DoesNotContain("/data/truncate", fake.Paths);
    }

    [Fact]
    public async Task Aggregate_and_schema_changes_are_not_supported_and_call_nothing()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var aggregate = await FailsAsync(fake, AdaptorOperations.Aggregate,
            """{"collectionId":"cars","aggregation":{"groupingFields":["make"],"operations":[{"resultFieldName":"n","count":{}}]}}""");
        var create = await FailsAsync(fake, AdaptorOperations.CreateCollection, """{"collection":{"id":"boats","fields":[]}}""");
        var update = await FailsAsync(fake, AdaptorOperations.UpdateCollection, """{"collection":{"id":"cars","fields":[]}}""");
        var delete = await FailsAsync(fake, AdaptorOperations.DeleteCollection, """{"collectionId":"cars"}""");

        Assert.All([aggregate, create, update, delete], e => Assert.Equal(AdaptorFailure.NotSupported, e.Failure));
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task Collections_offer_truncate_but_not_aggregate()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.ListCollections, """{"collectionIds":[]}""");

        var cars = Assert.Single(answer["collections"]!.AsArray())!;
        JsonAssert.Equal("""["QUERY","COUNT","INSERT","UPDATE","REMOVE","TRUNCATE"]""", cars["capabilities"]!["dataOperations"]);
        Assert.Equal(["/schemas/list"], fake.Paths);
    }

    [Fact]
    public async Task Capabilities_say_no_collection_modifications()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.GetCapabilities, "{}");

        JsonAssert.Equal("""{"supportsCollectionModifications":false,"supportedFieldTypes":[],"externalDb":{"patch":false}}""", answer);
    }
}
