using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed class PatchCommandTests : CliTestBase
{
    [Fact]
    public async Task Items_patch_sends_each_modification_and_prints_the_patched_item()
    {
        Server.Handler = _ => FakeResponse.Ok("""{"dataItem": {"id": "n-1", "dataCollectionId": "demo/notes", "data": {"_id": "n-1", "title": "Lamp", "price": 30}}}""");

        var outcome = await RunAsync(["items", "patch", "--collection", "demo/notes", "n-1", "--set", "title=Lamp", "--set", "sku=\"007\"",
            "--set", "address.city=Paris", "--increment", "price=5", "--remove", "draft", "--append", "tags=[1,2]", "--remove-from", "tags=old", "-o", "json"]);

        Assert.True(outcome.Exit == 0, outcome.Stderr);
        var request = Assert.Single(Server.Requests);
        Assert.Equal("/wix-data/v2/items/patch", request.Path);
        var expected = JsonNode.Parse("""
            {"dataCollectionId": "demo/notes", "patch": {"dataItemId": "n-1", "fieldModifications": [
              {"fieldPath": "title", "action": "SET_FIELD", "setFieldOptions": {"value": "Lamp"}},
              {"fieldPath": "sku", "action": "SET_FIELD", "setFieldOptions": {"value": "007"}},
              {"fieldPath": "address.city", "action": "SET_FIELD", "setFieldOptions": {"value": "Paris"}},
              {"fieldPath": "price", "action": "INCREMENT_FIELD", "incrementFieldOptions": {"value": 5}},
              {"fieldPath": "draft", "action": "REMOVE_FIELD"},
              {"fieldPath": "tags", "action": "APPEND_TO_ARRAY", "appendToArrayOptions": {"value": [1, 2]}},
              {"fieldPath": "tags", "action": "REMOVE_FROM_ARRAY", "removeFromArrayOptions": {"value": "old"}}]}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
        Assert.Equal(30, JsonNode.Parse(outcome.Stdout)!["data"]!["price"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("--increment", "price=lots")]
    [InlineData("--set", "=1")]
    [InlineData("--append", "tags")]
    public async Task Items_patch_refuses_a_malformed_modification_before_any_call(string option, string value)
    {
        var outcome = await RunAsync(["items", "patch", "--collection", "demo/notes", "n-1", option, value]);

        Assert.Equal(2, outcome.Exit);
        Assert.Contains(option, outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Items_patch_without_a_modification_is_a_usage_error()
    {
        var outcome = await RunAsync(["items", "patch", "--collection", "demo/notes", "n-1"]);

        Assert.Equal(2, outcome.Exit);
        Assert.Empty(Server.Requests);
    }
}
