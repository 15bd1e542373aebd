using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>Regressions found in review: odd adaptor answers, echoed secrets, capped pages, one-call V3 creates.</summary>
public sealed class GatewayHardeningTests
{
    [Theory]
    [InlineData("[]")]
    [InlineData("\"hello\"")]
    [InlineData("42")]
    public async Task An_adaptor_answering_JSON_that_is_not_an_object_is_a_communication_failure_not_a_500(string schemas)
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/provision", () => Results.Json(new JsonObject()));
            app.MapPost("/schemas/list", () => Results.Text(schemas, "application/json"));
        });
        var connection = await server.CreateConnectionAsync("odd", fake.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = "k" });
        Assert.False(connection["connectionStatus"]!["successful"]!.GetValue<bool>());
        Assert.Equal("COMMUNICATION_FAILURE", connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_adaptor_echoing_the_request_in_an_error_does_not_hand_the_secret_to_a_data_reader()
    {
        const string secret = "TOPSECRET-echo-9f2";
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/provision", () => Results.Json(new JsonObject { ["protocolVersion"] = 2 }));
            app.MapPost("/schemas/list", () => Results.Json(JsonNode.Parse("""
                {"schemas": [{"id": "t", "allowedOperations": ["find", "count"], "fields": {"_id": {"type": "text", "queryOperators": ["eq"]}}}]}
                """)));
            app.MapPost("/data/find", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                return Results.Json(new JsonObject { ["message"] = "bad request: " + await reader.ReadToEndAsync() }, statusCode: 400);
            });
        });
        await server.CreateConnectionAsync("echo", fake.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = secret });
        var (_, created) = await GatewayServer.PostAsync(server.Admin, "v1/api-keys", new JsonObject { ["name"] = "reader", ["permissions"] = new JsonArray("DATA_READ") });
        using var reader = server.Http(created["key"]!.GetValue<string>());

        var (status, body) = await GatewayServer.PostAsync(reader, "wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = "echo/t" });
        Assert.Equal(400, status);
        Assert.Contains("[redacted]", body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_page_of_a_collection_capped_at_50_still_pages_to_the_end()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var fake = await FakeV3Adaptor.StartAsync();
        var created = await server.CreateConnectionAsync("capped", null, "WIX_SERVICE_PLUGIN");
        fake.Trust(created["publicKey"]!.GetValue<string>(), created["applicationId"]!.GetValue<string>());
        await server.UpdateConnectionAsync("capped", fake.BaseUrl);
        fake.Seed([.. Enumerable.Range(0, 60).Select(i => new JsonObject { ["_id"] = $"i{i:00}", ["title"] = "t", ["price"] = i })]);

        var (_, first) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = "capped/things" });
        Assert.Equal(50, first["dataItems"]!.AsArray().Count);
        Assert.True(first["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
        var (_, second) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = "capped/things",
            ["query"] = new JsonObject { ["paging"] = new JsonObject { ["limit"] = 50, ["offset"] = 50 } },
        });
        Assert.Equal(10, second["dataItems"]!.AsArray().Count);
        Assert.False(second["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
        Assert.DoesNotContain(fake.Calls, c => c.Path == "items/query" && c.Request["query"]?["paging"]?["limit"]?.GetValue<int>() > 50);
    }

    [Fact]
    public async Task A_V3_connection_created_in_one_call_against_the_servers_own_demo_adaptor_succeeds()
    {
        await using var server = await GatewayServer.StartAsync();
        var connection = await server.CreateConnectionAsync("once", new Uri(server.BaseAddress, "demo-adaptor").ToString(), "WIX_SERVICE_PLUGIN");
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());
        Assert.Equal("V3", connection["protocolVersion"]!.GetValue<string>());
    }
}
