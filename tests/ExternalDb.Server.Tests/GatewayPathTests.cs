using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Ids in the gateway's paths: <c>connectionName/collectionId</c> may come with its slash escaped.</summary>
public sealed class GatewayPathTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task A_collection_id_with_an_escaped_slash_is_the_same_collection()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.OnJson("/schemas/find", $$"""{"schemas": {{Answers.OneSchema}}}""");
        var name = Names.New("path");
        var connection = await fixture.Server.AdminHttp().CreateRawAsync(
            RawApi.CreateBody(name, adaptor.Endpoint, new JsonObject { ["secretKey"] = "path-secret" }, "STANDALONE"));
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());

        var plain = await fixture.Server.AdminHttp().GetRawAsync($"wix-data/v2/collections/{name}/products");
        var escaped = await fixture.Server.AdminHttp().GetRawAsync($"wix-data/v2/collections/{name}%2Fproducts");
        var lowerEscaped = await fixture.Server.AdminHttp().GetRawAsync($"wix-data/v2/collections/{name}%2fproducts");

        Assert.Equal(200, plain.Status);
        Assert.Equal(name + "/products", plain.Json["collection"]!["id"]!.GetValue<string>());
        Assert.Equal((200, plain.Body), (escaped.Status, escaped.Body));
        Assert.Equal((200, plain.Body), (lowerEscaped.Status, lowerEscaped.Body));
    }
}
