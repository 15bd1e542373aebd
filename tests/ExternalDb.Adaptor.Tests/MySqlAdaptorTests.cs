using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using MySqlConnector;

namespace ExternalDb.Adaptor.Tests;

/// <summary>The adaptor over a database of the process's throwaway MariaDB server (<see cref="SharedMariaDb"/>).</summary>
public sealed class MySqlAdaptorHost : AdaptorHost
{
    private string _connectionString = "";

    public override string Engine => "mysql";

    protected override async Task<Dictionary<string, string?>> EngineSettingsAsync()
    {
        var server = await SharedMariaDb.GetAsync();
        _connectionString = await server.CreateDatabaseAsync("adaptor_tests_" + Guid.NewGuid().ToString("N")[..12]);
        return new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = "mysql",
            ["Adaptor:ConnectionString"] = _connectionString,
        };
    }

    public override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // Test-only SQL written in the test itself.
        await using var command = new MySqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The columns of <paramref name="table"/> as the server lists them, in order.</summary>
    public async Task<List<string>> ColumnsAsync(string table)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t ORDER BY ORDINAL_POSITION", connection);
        command.Parameters.AddWithValue("@t", table);
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new List<string>();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }
        return columns;
    }
}

public sealed partial class MySqlAdaptorTests(MySqlAdaptorHost host) : AdaptorBehaviourTests(host), IClassFixture<MySqlAdaptorHost>
{
    private Task<JsonNode> CountAsync(string collectionId) =>
        Host.V3OkAsync("/v3/items/count", new JsonObject { ["collectionId"] = collectionId, ["filter"] = new JsonObject() });

    [Fact]
    public async Task Existing_tables_are_typed_from_their_columns_and_compared_like_the_other_engines()
    {
        var table = NewId("shop");
        // Case-insensitive text (the database's default collation), a JSON column, a TIMESTAMP written from another time zone.
        await Host.ExecuteSqlAsync($"CREATE TABLE {table} (_id VARCHAR(36) PRIMARY KEY, name VARCHAR(40), doc JSON, seen TIMESTAMP(3) NULL, day DATE, n INT, ok BOOL)");
        await Host.ExecuteSqlAsync($"SET time_zone = '+05:00'; INSERT INTO {table} VALUES " +
                                   "('k1', 'Bolt', '{\"size\": 8}', '2024-01-02 08:04:05.678', '2024-02-29', 3, 1), ('k2', 'bolt ', NULL, NULL, NULL, 0, 0)");
        var collection = (await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(table) }))["collections"]![0]!;
        var types = collection["fields"]!.AsArray().ToDictionary(f => f!["key"]!.GetValue<string>(), f => f!["type"]!.GetValue<string>());
        Assert.Equal("OBJECT", types["doc"]);
        Assert.Equal("DATETIME", types["seen"]);
        Assert.Equal("BOOLEAN", types["ok"]);
        Assert.Equal("NUMBER", types["n"]);
        Assert.Equal(["k1"], await IdsAsync(table, new JsonObject { ["name"] = "Bolt" }));
        Assert.Empty(await IdsAsync(table, new JsonObject { ["_id"] = "K2" }));
        Assert.Empty(await IdsAsync(table, new JsonObject { ["name"] = "bolt" }));
        Assert.Equal(["k2"], await IdsAsync(table, new JsonObject { ["name"] = "bolt " }));
        Assert.Equal(["k1"], await IdsAsync(table, new JsonObject { ["doc"] = new JsonObject { ["size"] = 8 } }));
        var item = (await QueryAsync(table, new JsonObject { ["_id"] = "k1" })).Single()!;
        Assert.Equal("2024-01-02T03:04:05.678Z", item["seen"]!["$date"]!.GetValue<string>());
        Assert.Equal("2024-02-29", item["day"]!.GetValue<string>());
        Assert.True(item["ok"]!.GetValue<bool>());
        Assert.Equal(8, item["doc"]!["size"]!.GetValue<int>());
        var zero = (await QueryAsync(table, new JsonObject { ["ok"] = false })).Single()!;
        Assert.Equal(0, zero["n"]!.GetValue<double>());
    }

    [Fact]
    public async Task Writes_larger_than_one_packet_are_split_and_an_item_larger_than_a_packet_is_refused()
    {
        // MariaDB's default max_allowed_packet is 16 MiB: three items of 7 MB need two statements. (Legacy: a V3 token
        // that large is refused before it is read.)
        await using var roomy = await Host.StartTwinAsync(("Adaptor:MaxRequestBodyBytes", "64000000"));
        var id = NewId("big");
        Assert.Equal(200, (await roomy.LegacyAsync("/schemas/create", new JsonObject { ["collectionName"] = id })).Status);
        Assert.Equal(200, (await roomy.LegacyAsync("/schemas/column/add", new JsonObject
        {
            ["collectionName"] = id, ["column"] = new JsonObject { ["name"] = "body", ["type"] = "text" },
        })).Status);
        var big = new string('x', 7_000_000);
        var items = new JsonArray([.. new[] { "p1", "p2", "p3" }.Select(i => (JsonNode)new JsonObject { ["_id"] = i, ["body"] = big })]);
        var (status, answer) = await roomy.LegacyAsync("/data/insert/bulk", new JsonObject { ["collectionName"] = id, ["items"] = items });
        Assert.True(status == 200, answer?["message"]?.ToJsonString());
        Assert.Equal(3, (await CountAsync(id))["totalCount"]!.GetValue<long>());

        var huge = new JsonArray(new JsonObject { ["_id"] = "p4", ["body"] = new string('y', 17_000_000) });
        (status, answer) = await roomy.LegacyAsync("/data/insert/bulk", new JsonObject { ["collectionName"] = id, ["items"] = huge });
        Assert.Equal(400, status);
        Assert.StartsWith("items[0] takes about", answer!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3, (await CountAsync(id))["totalCount"]!.GetValue<long>());
    }
}
