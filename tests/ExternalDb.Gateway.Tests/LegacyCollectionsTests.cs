using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Gateway;
using static ExternalDb.Gateway.Tests.LegacyHarness;

namespace ExternalDb.Gateway.Tests;

/// <summary>Collections over <c>/schemas/*</c> (V2), and the extension paths for delete and references.</summary>
public sealed class LegacyCollectionsTests
{
    [Fact]
    public async Task Schemas_become_V3_collections()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        fake.AddCollection("cars", ("make", "text"), ("year", "number"), ("photo", "image"), ("extra", "object"), ("odd", "geometry"));

        var answer = await CallAsync(fake, AdaptorOperations.ListCollections, """{"collectionIds":[]}""");

        var cars = Assert.Single(answer["collections"]!.AsArray())!.AsObject();
        Assert.Equal("cars", cars["id"]!.GetValue<string>());
        Assert.Equal("CARS", cars["displayName"]!.GetValue<string>());
        Assert.Equal("OFFSET", cars["pagingMode"]!.GetValue<string>());
        Assert.Equal(50, cars["maxPageSize"]!.GetValue<int>());
        JsonAssert.Equal("""["QUERY","COUNT","AGGREGATE","INSERT","UPDATE","REMOVE","TRUNCATE"]""", cars["capabilities"]!["dataOperations"]);
        var fields = cars["fields"]!.AsArray().ToDictionary(f => f!["key"]!.GetValue<string>(), f => f!.AsObject());
        Assert.Equal(["_id", "_createdDate", "_updatedDate", "_owner", "make", "year", "photo", "extra", "odd"], fields.Keys);
        JsonAssert.Equal("""
            {"key":"make","displayName":"make","type":"TEXT","encrypted":false,
             "capabilities":{"sortable":true,"queryOperators":["EQ","NE","CONTAINS","STARTS_WITH","ENDS_WITH","HAS_SOME"]}}
            """, fields["make"]);
        JsonAssert.Equal("""{"sortable":true,"queryOperators":["EQ","NE","GT","GTE","LT","LTE","HAS_SOME","URLIZED"]}""", fields["year"]["capabilities"]);
        Assert.Equal("DATETIME", fields["_createdDate"]["type"]!.GetValue<string>());
        Assert.False(fields["photo"]["capabilities"]!["sortable"]!.GetValue<bool>());
        Assert.Equal("IMAGE", fields["photo"]["type"]!.GetValue<string>());
        Assert.False(fields["extra"]["capabilities"]!["sortable"]!.GetValue<bool>());
        Assert.Equal("OBJECT", fields["odd"]["type"]!.GetValue<string>());
        Assert.Equal(["/schemas/list"], fake.Paths);
    }

    [Fact]
    public async Task Collections_by_id_are_found_ten_at_a_time_and_unknown_ones_left_out()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        for (var i = 0; i < 12; i++)
        {
            fake.AddCollection($"c{i:00}");
        }
        var ids = Enumerable.Range(0, 12).Select(i => $"c{i:00}").Reverse().Append("nope").ToList();

        var answer = await CallAsync(fake, AdaptorOperations.ListCollections, new JsonObject { ["collectionIds"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) });

        Assert.Equal(ids.Take(12), answer["collections"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal(["/schemas/find", "/schemas/find"], fake.Paths);
        Assert.Equal(10, fake.Calls[0].Body["schemaIds"]!.AsArray().Count);
        Assert.Equal(3, fake.Calls[1].Body["schemaIds"]!.AsArray().Count);
    }

    [Fact]
    public async Task Unknown_collection_alone_is_an_empty_list_even_when_the_adaptor_answers_404()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V1);

        var answer = await CallAsync(fake, AdaptorOperations.ListCollections, """{"collectionIds":["nope"]}""");

        JsonAssert.Equal("""{"collections":[]}""", answer);
    }

    [Fact]
    public async Task Create_makes_the_collection_then_adds_one_column_per_non_system_field()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.CreateCollection, """
            {"collection":{"id":"boats","fields":[
              {"key":"_id","type":"TEXT"},{"key":"_owner","type":"TEXT"},
              {"key":"name","type":"TEXT"},{"key":"site","type":"URL"},{"key":"length","type":"NUMBER"},
              {"key":"sails","type":"BOOLEAN"},{"key":"built","type":"DATE"},{"key":"seen","type":"DATETIME"},
              {"key":"crew","type":"ARRAY_STRING"},{"key":"spec","type":"OBJECT"}]}}
            """);

        Assert.Equal("/schemas/create", fake.Paths[0]);
        Assert.Equal("boats", fake.Calls[0].Body["collectionName"]!.GetValue<string>());
        var columns = fake.Calls.Where(c => c.Path == "/schemas/column/add").Select(c => c.Body["column"]).ToList();
        JsonAssert.Equal("""
            [{"name":"name","type":"text","subtype":"string","isPrimary":false},
             {"name":"site","type":"text","subtype":"string","isPrimary":false},
             {"name":"length","type":"number","subtype":"double","isPrimary":false},
             {"name":"sails","type":"boolean","isPrimary":false},
             {"name":"built","type":"datetime","subtype":"date","isPrimary":false},
             {"name":"seen","type":"datetime","subtype":"datetime","isPrimary":false},
             {"name":"crew","type":"object","isPrimary":false},
             {"name":"spec","type":"object","isPrimary":false}]
            """, new JsonArray([.. columns.Select(c => c!.DeepClone())]));
        Assert.Equal("/schemas/find", fake.Paths[^1]);
        var collection = answer["collection"]!;
        Assert.Equal("boats", collection["id"]!.GetValue<string>());
        Assert.Equal(12, collection["fields"]!.AsArray().Count);
        Assert.Equal(["boats"], fake.Collections.Keys);
    }

    [Fact]
    public async Task A_collection_gone_by_the_time_it_is_read_back_is_collection_not_found_not_a_bad_answer()
    {
        await using var fake = await FakeLegacyAdaptor.StartAsync(ProtocolVersion.V2);
        fake.ForcedAnswers["/schemas/find"] = (200, """{"schemas":[]}"""); // as if a concurrent request deleted it

        var e = await FailsAsync(fake, AdaptorOperations.CreateCollection, """{"collection":{"id":"boats","fields":[{"key":"name","type":"TEXT"}]}}""");

        Assert.Equal(AdaptorFailure.AdaptorError, e.Failure);
        Assert.Equal("COLLECTION_NOT_FOUND", e.ErrorCode);
        Assert.Equal(404, e.AdaptorStatus);
    }

    [Fact]
    public async Task Creating_an_existing_collection_is_collection_already_exists()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.CreateCollection, """{"collection":{"id":"cars","fields":[{"key":"x","type":"TEXT"}]}}""");

        Assert.Equal("COLLECTION_ALREADY_EXISTS", e.ErrorCode);
        JsonAssert.Equal("""{"collectionId":"cars"}""", e.ErrorData);
        Assert.Equal(["/schemas/create"], fake.Paths);
    }

    [Fact]
    public async Task Update_adds_new_fields_and_removes_dropped_ones()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var answer = await CallAsync(fake, AdaptorOperations.UpdateCollection, """
            {"collection":{"id":"cars","fields":[{"key":"_id","type":"TEXT"},{"key":"make","type":"RICH_TEXT"},{"key":"color","type":"TEXT"}]}}
            """);

        Assert.Equal(["/schemas/find", "/schemas/column/add", "/schemas/column/remove", "/schemas/find"], fake.Paths);
        JsonAssert.Equal("""{"name":"color","type":"text","subtype":"string","isPrimary":false}""", fake.Calls[1].Body["column"]);
        Assert.Equal("year", fake.Calls[2].Body["columnName"]!.GetValue<string>());
        var keys = answer["collection"]!["fields"]!.AsArray().Select(f => f!["key"]!.GetValue<string>());
        Assert.Equal(["_id", "_createdDate", "_updatedDate", "_owner", "make", "color"], keys);
    }

    [Fact]
    public async Task Update_changing_a_field_type_is_refused_before_any_change()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.UpdateCollection, """
            {"collection":{"id":"cars","fields":[{"key":"make","type":"NUMBER"},{"key":"year","type":"NUMBER"},{"key":"new","type":"TEXT"}]}}
            """);

        Assert.Equal(AdaptorFailure.AdaptorError, e.Failure);
        Assert.Equal("COLLECTION_CHANGE_NOT_SUPPORTED", e.ErrorCode);
        Assert.Equal(400, e.AdaptorStatus);
        var error = Assert.Single(e.ErrorData!["errors"]!.AsArray())!;
        Assert.Equal("make", error["fieldKey"]!.GetValue<string>());
        Assert.Equal(["/schemas/find"], fake.Paths);
    }

    [Fact]
    public async Task Updating_an_unknown_collection_is_collection_not_found()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.UpdateCollection, """{"collection":{"id":"boats","fields":[]}}""");

        Assert.Equal("COLLECTION_NOT_FOUND", e.ErrorCode);
    }

    [Fact]
    public async Task Delete_uses_the_extension_path_when_the_adaptor_serves_it()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);
        fake.ServesSchemaDelete = true;

        var answer = await CallAsync(fake, AdaptorOperations.DeleteCollection, """{"collectionId":"cars"}""");
        var missing = await FailsAsync(fake, AdaptorOperations.DeleteCollection, """{"collectionId":"cars"}""");

        JsonAssert.Equal("{}", answer);
        Assert.Empty(fake.Collections);
        Assert.Equal("COLLECTION_NOT_FOUND", missing.ErrorCode);
    }

    [Fact]
    public async Task Delete_without_the_extension_path_is_not_supported()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, AdaptorOperations.DeleteCollection, """{"collectionId":"cars"}""");

        Assert.Equal(AdaptorFailure.NotSupported, e.Failure);
        Assert.Equal(["/schemas/delete"], fake.Paths);
        Assert.Single(fake.Collections);
    }

    [Fact]
    public async Task References_go_to_the_extension_paths_with_the_V3_body()
    {
        await using var fake = await CarsAsync(ProtocolVersion.V1);
        fake.ServesReferences = true;

        var answer = await CallAsync(fake, AdaptorOperations.InsertReferences, """
            {"collectionId":"cars","referringFieldKey":"owners","references":[{"referringItemId":"c1","referencedItemId":"p9"}]}
            """);

        var (path, body) = Assert.Single(fake.Calls);
        Assert.Equal("/data/references/insert", path);
        Assert.Equal("cars", body["collectionName"]!.GetValue<string>());
        Assert.Equal("cars", body["collectionId"]!.GetValue<string>());
        Assert.Equal("owners", body["referringFieldKey"]!.GetValue<string>());
        JsonAssert.Equal("""{"secretKey":"s3cret","region":"eu"}""", body["requestContext"]!["settings"]);
        JsonAssert.Equal("""{"results":[{"reference":{"referringItemId":"c1","referencedItemId":"p9"}}]}""", answer);
    }

    [Theory]
    [InlineData(AdaptorOperations.InsertReferences, "/data/references/insert")]
    [InlineData(AdaptorOperations.RemoveReferences, "/data/references/remove")]
    [InlineData(AdaptorOperations.QueryReferenced, "/data/references/query")]
    public async Task References_are_not_supported_by_adaptors_without_the_paths(string operation, string path)
    {
        await using var fake = await CarsAsync(ProtocolVersion.V2);

        var e = await FailsAsync(fake, operation, """
            {"collectionId":"cars","referringFieldKey":"owners","references":[{"referringItemId":"c1","referencedItemId":"p9"}]}
            """);

        Assert.Equal(AdaptorFailure.NotSupported, e.Failure);
        Assert.Equal([path], fake.Paths);
    }
}
