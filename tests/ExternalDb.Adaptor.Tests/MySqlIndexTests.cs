using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>
/// MySQL/MariaDB only: nested-path and case-insensitive indexes are built over generated columns, which are no fields
/// and leave with their index (or with the field they read).
/// </summary>
public sealed partial class MySqlAdaptorTests
{
    private MySqlAdaptorHost MySql => (MySqlAdaptorHost)Host;

    /// <summary>The insert is refused as a duplicate (the request, or the item's result) and stores nothing.</summary>
    private async Task AssertRefusedAsync(string collectionId, JsonObject item)
    {
        var (status, body) = await Host.V3Async("/v3/items/insert", new JsonObject { ["collectionId"] = collectionId, ["items"] = new JsonArray(item.DeepClone()) });
        Assert.True(status == 409 || (status == 200 && body!["results"]![0]!["error"] is not null), $"{status} {body?.ToJsonString()}");
        Assert.Empty(await IdsAsync(collectionId, new JsonObject { ["_id"] = item["_id"]!.GetValue<string>() }));
    }

    private async Task<List<string>> GeneratedColumnsAsync(string table) =>
        [.. (await MySql.ColumnsAsync(table)).Where(c => c.StartsWith("_externaldb_", StringComparison.Ordinal))];

    [Fact]
    public async Task Nested_and_case_insensitive_indexes_are_generated_columns_that_are_no_fields_and_leave_with_the_index()
    {
        var id = await CreateAsync(("title", "TEXT"), ("address", "OBJECT"));
        await InsertAsync(id, new JsonObject { ["_id"] = "a", ["title"] = "Hello", ["address"] = new JsonObject { ["city"] = "Paris" } },
            new JsonObject { ["_id"] = "b", ["title"] = "World", ["address"] = new JsonObject { ["city"] = 1 } });
        await CreateActiveIndexAsync(IndexRequest(id, "by_city", "address.city", unique: true));
        await CreateActiveIndexAsync(IndexRequest(id, "title_ci", "title", unique: true, caseInsensitive: true));
        Assert.Equal(2, (await GeneratedColumnsAsync(id)).Count);

        var collection = (await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(id) }))["collections"]![0]!;
        Assert.DoesNotContain(collection["fields"]!.AsArray(), f => f!["key"]!.GetValue<string>().StartsWith("_externaldb_", StringComparison.Ordinal));
        var item = (await QueryAsync(id, new JsonObject { ["_id"] = "a" })).Single()!.AsObject();
        Assert.DoesNotContain(item, p => p.Key.StartsWith("_externaldb_", StringComparison.Ordinal));
        Assert.Equal(["a"], await IdsAsync(id, new JsonObject { ["address.city"] = "Paris" }));

        // Unique without case; a string "1" is not the number 1 under the nested unique index.
        await AssertRefusedAsync(id, new JsonObject { ["_id"] = "c", ["title"] = "hELLO" });
        await InsertAsync(id, new JsonObject { ["_id"] = "d", ["title"] = "other", ["address"] = new JsonObject { ["city"] = "1" } });
        await AssertRefusedAsync(id, new JsonObject { ["_id"] = "e", ["title"] = "third", ["address"] = new JsonObject { ["city"] = "Paris" } });

        await Host.V3OkAsync("/v3/indexes/remove", new JsonObject { ["collectionId"] = id, ["indexName"] = "title_ci" });
        Assert.Single(await GeneratedColumnsAsync(id));
        await InsertAsync(id, new JsonObject { ["_id"] = "c", ["title"] = "hELLO" });

        // Removing the object field first drops the index on its path (and the column reading it).
        await Host.V3OkAsync("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("title", "TEXT")) },
        });
        Assert.Empty(await GeneratedColumnsAsync(id));
        var list = await Host.V3OkAsync("/v3/indexes/list", new JsonObject { ["collectionId"] = id });
        Assert.DoesNotContain(list["indexes"]!.AsArray(), i => i!["name"]!.GetValue<string>() == "by_city");
    }
}
