using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;
using Microsoft.Data.Sqlite;

namespace ExternalDb.Adaptor.Tests;

/// <summary>SQLite only: an index on a nested path serves the adaptor's filter on that path.</summary>
public sealed partial class SqliteAdaptorTests
{
    [Fact]
    public async Task Nested_path_equality_is_answered_through_an_index_on_the_path()
    {
        var id = await CreateAsync(("address", "OBJECT"));
        await InsertAsync(id, new JsonObject { ["_id"] = "a", ["address"] = new JsonObject { ["city"] = "Paris" } });
        var created = await Host.V3OkAsync("/v3/indexes/create", new JsonObject
        {
            ["collectionId"] = id,
            ["index"] = new JsonObject { ["name"] = "by_city", ["fields"] = new JsonArray(new JsonObject { ["path"] = "address.city", ["order"] = "ASC" }) },
        });
        Assert.Equal("ACTIVE", created["index"]!["status"]!.GetValue<string>());

        // The condition the adaptor writes for {"address.city": "Paris"}, planned against the table and its index.
        var dialect = new SqliteDialect(Sqlite.ConnectionString);
        var ps = new SqlParams();
        var address = new FieldInfo("address", "OBJECT", StorageKind.Json);
        var where = new FilterTranslator(dialect).Translate(FilterParser.Parse(JsonNode.Parse("""{"address.city": "Paris"}""")), k => k == "address" ? address : null, ps);
        await using var connection = new SqliteConnection(Sqlite.ConnectionString);
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
#pragma warning disable CA2100 // The adaptor's own condition; its values are the parameters below.
        explain.CommandText = $"EXPLAIN QUERY PLAN SELECT \"_id\" FROM \"{id}\" WHERE {where}";
#pragma warning restore CA2100
        foreach (var p in ps.Items)
        {
            dialect.Bind(explain, p);
        }
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }
        Assert.Contains(plan, line => line.Contains($"USING INDEX {IndexStore.SqlName(id, "by_city")}", StringComparison.Ordinal));
        Assert.Equal(["a"], await IdsAsync(id, JsonNode.Parse("""{"address.city": "Paris"}""")!));
    }
}
