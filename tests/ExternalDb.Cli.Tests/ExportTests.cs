using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed class ExportTests : CliTestBase
{
    [Fact]
    public async Task Export_walks_every_cursor_page_into_json_lines()
    {
        Server.Handler = ExportAnswer;
        var file = Path.Combine(Directory, "out.jsonl");

        var outcome = await RunAsync(["export", "--collection", "shop/products", "--output-file", file]);

        Assert.Equal(0, outcome.Exit);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(["i-1", "i-2", "i-3", "i-4", "i-5"], lines.Select(l => JsonNode.Parse(l)!["_id"]!.GetValue<string>()));
        var queries = Server.Matching("POST", "/wix-data/v2/items/query");
        Assert.Equal(3, queries.Count);
        Assert.Equal("""{"cursorPaging":{"limit":2}}""", queries[0].Json["query"]!.ToJsonString());
        Assert.Equal("""{"cursorPaging":{"limit":2,"cursor":"after-2"}}""", queries[1].Json["query"]!.ToJsonString());
        Assert.Contains("Exported 5 items", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_as_csv_uses_the_collection_fields_as_columns()
    {
        Server.Handler = ExportAnswer;

        var outcome = await RunAsync(["export", "-c", "shop/products", "--format", "csv"]);

        Assert.Equal(0, outcome.Exit);
        var lines = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("_id,title,when", lines[0]);
        Assert.Equal("i-1,\"Ñandú \"\"1\"\", x\",2025-01-02T03:04:05.000Z", lines[1]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public async Task Export_as_json_writes_one_json_array_with_readable_text()
    {
        Server.Handler = ExportAnswer;
        var file = Path.Combine(Directory, "out.json");

        var byExtension = await RunAsync(["export", "-c", "shop/products", "--output-file", file]);
        var byOutput = await RunAsync(["export", "-c", "shop/products", "-o", "json"]);
        var byFormat = await RunAsync(["export", "-c", "shop/products", "--format", "json"]);

        Assert.Equal(0, byExtension.Exit);
        var text = await File.ReadAllTextAsync(file);
        var array = JsonNode.Parse(text)!.AsArray();
        Assert.Equal(["i-1", "i-2", "i-3", "i-4", "i-5"], array.Select(i => i!["_id"]!.GetValue<string>()));
        Assert.Equal("Ñandú \"1\", x", array[0]!["title"]!.GetValue<string>());
        Assert.Contains("Ñandú", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        Assert.Equal(text, byOutput.Stdout);
        Assert.Equal(text, byFormat.Stdout);
        Assert.Contains("(json)", byExtension.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_of_an_empty_collection_as_json_is_an_empty_array()
    {
        Server.Handler = r => r.Method == "GET"
            ? CollectionAnswer("shop/empty")
            : r.Path == "/wix-data/v2/items/count"
                ? FakeResponse.Ok("""{"totalCount": 0}""")
                : FakeResponse.Ok("""{"dataItems": [], "pagingMetadata": {"count": 0, "hasNext": false}}""");

        var outcome = await RunAsync(["export", "-c", "shop/empty", "--format", "json"]);

        Assert.Equal(0, outcome.Exit);
        Assert.Empty(JsonNode.Parse(outcome.Stdout)!.AsArray());
    }

    [Fact]
    public async Task Export_refuses_a_table_and_a_file_name_given_to_o()
    {
        var table = await RunAsync(["export", "-c", "shop/products", "-o", "table"]);
        var fileName = await RunAsync(["export", "-c", "shop/products", "-o", "out.json"]);

        Assert.Equal(2, table.Exit);
        Assert.Contains("export writes data, not a table", table.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, fileName.Exit);
        Assert.Contains("use export --output-file FILE", fileName.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Export_as_csv_takes_a_delimiter()
    {
        Server.Handler = ExportAnswer;

        var outcome = await RunAsync(["export", "-c", "shop/products", "--format", "csv", "--delimiter", ";"]);

        Assert.Equal(0, outcome.Exit);
        var lines = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("_id;title;when", lines[0]);
        Assert.Equal("i-1;\"Ñandú \"\"1\"\", x\";2025-01-02T03:04:05.000Z", lines[1]);
    }

    /// <summary>A collection of five items served two per page by cursor.</summary>
    private static FakeResponse ExportAnswer(RecordedRequest request)
    {
        if (request.Method == "GET")
        {
            return FakeResponse.Ok("""
                {"collection": {"id": "shop/products", "collectionType": "EXTERNAL", "maxPageSize": 2, "pagingModes": ["CURSOR"],
                  "fields": [{"key": "_id", "type": "TEXT"}, {"key": "title", "type": "TEXT"}, {"key": "when", "type": "DATETIME"}]}}
                """);
        }
        if (request.Path == "/wix-data/v2/items/count")
        {
            return FakeResponse.Ok("""{"totalCount": 5}""");
        }
        var cursor = request.Json["query"]!["cursorPaging"]!["cursor"]?.GetValue<string>();
        var start = cursor is null ? 1 : int.Parse(cursor["after-".Length..], System.Globalization.CultureInfo.InvariantCulture) + 1;
        var ids = Enumerable.Range(start, Math.Min(2, 6 - start)).ToList();
        var last = ids[^1];
        return FakeResponse.Ok(new JsonObject
        {
            ["dataItems"] = new JsonArray([.. ids.Select(i => (JsonNode)new JsonObject
            {
                ["id"] = "i-" + i,
                ["dataCollectionId"] = "shop/products",
                ["data"] = new JsonObject
                {
                    ["_id"] = "i-" + i,
                    ["title"] = $"Ñandú \"{i}\", x",
                    ["when"] = new JsonObject { ["$date"] = $"2025-01-0{1 + i}T03:04:05.000Z" },
                },
            })]),
            ["pagingMetadata"] = new JsonObject
            {
                ["count"] = ids.Count,
                ["cursors"] = last < 5 ? new JsonObject { ["next"] = "after-" + last } : new JsonObject(),
                ["hasNext"] = last < 5,
            },
        });
    }
}
