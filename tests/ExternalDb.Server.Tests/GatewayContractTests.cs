using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> describes every Wix Data operation: the API reference and clients are built from it, so each
/// operation must name its request body, its answer and its error answers.
/// </summary>
public sealed class GatewayContractTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    // What every data operation may answer; 404, 409 and 428 are documented where the operation can give them (see OpenApiTests).
    private static readonly string[] ErrorStatuses = ["400", "401", "403", "502", "503", "504"];

    [Fact]
    public async Task Every_wix_data_v2_operation_declares_its_body_its_answer_and_its_errors()
    {
        var document = (await fixture.Server.Http().GetRawAsync("openapi/v1.json")).Json;
        var components = document["components"]!["schemas"]!.AsObject();
        var operations = document["paths"]!.AsObject()
            .Where(p => p.Key.StartsWith("/wix-data/v2/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value!.AsObject())))
            .ToList();

        Assert.Equal(39, operations.Count);
        foreach (var (path, method, operation) in operations)
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            var answer = Reference(operation["responses"]?["200"]?["content"]?["application/json"]?["schema"]);
            Assert.True(answer is not null && components.ContainsKey(answer), $"{where}: no answer record ({answer})");
            foreach (var status in ErrorStatuses)
            {
                Assert.True(operation["responses"]?[status] is not null, $"{where}: no {status} answer");
            }
            if (method is "post" or "put")
            {
                var body = Reference(operation["requestBody"]?["content"]?["application/json"]?["schema"]);
                Assert.True(body is not null && components.ContainsKey(body), $"{where}: no request body record ({body})");
            }
        }
    }

    [Theory]
    [InlineData("/wix-data/v2/items", "post", "InsertDataItemRequest", "DataItemAnswer", "dataItem")]
    [InlineData("/wix-data/v2/items/query", "post", "QueryDataItemsRequest", "QueryDataItemsAnswer", "returnTotalCount")]
    [InlineData("/wix-data/v2/bulk/items/insert", "post", "BulkDataItemsRequest", "BulkDataItemsAnswer", "dataItems")]
    [InlineData("/wix-data/v2/items/patch", "post", "PatchDataItemRequest", "DataItemAnswer", "patch")]
    [InlineData("/wix-data/v2/bulk/items/patch", "post", "BulkPatchDataItemsRequest", "BulkDataItemsAnswer", "patches")]
    [InlineData("/wix-data/v2/items/query", "post", "QueryDataItemsRequest", "QueryDataItemsAnswer", "includeReferences")]
    [InlineData("/wix-data/v2/items/replace-references", "post", "ReplaceDataItemReferencesRequest", "ReplaceDataItemReferencesAnswer", "newReferencedItemIds")]
    [InlineData("/wix-data/v2/collections", "put", "DataCollectionRequest", "DataCollectionAnswer", "collection")]
    [InlineData("/wix-data/v2/collections/create-field", "post", "DataCollectionFieldRequest", "DataCollectionChangeAnswer", "field")]
    [InlineData("/wix-data/v2/collections/{dataCollectionId}", "patch", "PatchDataCollectionRequest", "DataCollectionChangeAnswer", "dataCollection")]
    [InlineData("/wix-data/v2/indexes", "post", "CreateIndexRequest", "IndexAnswer", "index")]
    public async Task Operations_name_the_wix_shapes_in_camel_case(string path, string method, string request, string answer, string property)
    {
        var document = (await fixture.Server.Http().GetRawAsync("openapi/v1.json")).Json;
        var operation = document["paths"]![path]![method]!;

        Assert.Equal(request, Reference(operation["requestBody"]!["content"]!["application/json"]!["schema"]));
        Assert.Equal(answer, Reference(operation["responses"]!["200"]!["content"]!["application/json"]!["schema"]));
        Assert.NotNull(document["components"]!["schemas"]![request]!["properties"]![property]);
    }

    private static string? Reference(JsonNode? schema) =>
        schema?["$ref"]?.GetValue<string>() is { } reference ? reference["#/components/schemas/".Length..] : null;
}
