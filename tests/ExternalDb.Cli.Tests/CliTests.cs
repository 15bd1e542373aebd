using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed class CliTests : IAsyncLifetime
{
    private FakeServer _server = null!;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "extdb-cli-tests-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed record Outcome(int Exit, string Stdout, string Stderr);

    /// <summary>Runs extdb against the fake server with no environment variables, unless <paramref name="environment"/> gives some.</summary>
    private async Task<Outcome> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null, bool withUrl = true)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] all = withUrl ? ["--url", _server.BaseAddress.ToString(), "--api-key", "secret-key-123", .. args] : args;
        var exit = await CliApp.RunAsync(all, stdout, stderr, name => environment?.GetValueOrDefault(name));
        return new Outcome(exit, stdout.ToString(), stderr.ToString());
    }

    private const string ConnectionsPage = """
        {"externalDatabaseConnections": [
          {"name": "shop", "endpoint": "https://adaptor.example.com", "configuration": {"secretKey": "adaptor-secret"},
           "connectionStatus": {"successful": true, "causeOfFailure": "NONE", "hasCollections": "YES", "checkedDate": "2026-01-02T03:04:05.000Z"},
           "capabilities": {"collectionModificationsSupported": true, "fieldTypes": ["TEXT"]},
           "protocolVersion": "V2", "connectionType": "STANDALONE"},
          {"name": "crm", "endpoint": "https://crm.example.com",
           "connectionStatus": {"successful": false, "causeOfFailure": "UNAUTHORIZED", "hasCollections": "UNKNOWN"},
           "protocolVersion": "UNKNOWN", "connectionType": "WIX_SERVICE_PLUGIN"}],
         "pagingMetadata": {"count": 2, "offset": 0, "total": 2, "tooManyToCount": false, "hasNext": false}}
        """;

    [Fact]
    public async Task Connections_list_as_json_prints_one_array_document()
    {
        _server.Handler = _ => FakeResponse.Ok(ConnectionsPage);

        var outcome = await RunAsync(["connections", "list", "--output", "json", "--limit", "10"]);

        Assert.Equal(0, outcome.Exit);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/wix-data/v1/external-database-connections?paging.limit=10", request.RawTarget);
        Assert.Equal("Bearer secret-key-123", request.Authorization);
        var document = JsonNode.Parse(outcome.Stdout)!.AsArray();
        Assert.Equal(["shop", "crm"], document.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("UNAUTHORIZED", document[1]!["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("WIX_SERVICE_PLUGIN", document[1]!["connectionType"]!.GetValue<string>());
        Assert.Equal("", outcome.Stderr);
    }

    [Fact]
    public async Task Connections_list_as_a_table_shows_each_connection_and_its_status()
    {
        _server.Handler = _ => FakeResponse.Ok(ConnectionsPage);

        var outcome = await RunAsync(["connections", "list"]);

        Assert.Equal(0, outcome.Exit);
        var shopRow = outcome.Stdout.Split('\n').Single(l => l.Contains("shop", StringComparison.Ordinal));
        Assert.Contains("OK", shopRow, StringComparison.Ordinal);
        Assert.Contains("V2", shopRow, StringComparison.Ordinal);
        var crmRow = outcome.Stdout.Split('\n').Single(l => l.Contains("crm", StringComparison.Ordinal));
        Assert.Contains("UNAUTHORIZED", crmRow, StringComparison.Ordinal);
        Assert.DoesNotContain("adaptor-secret", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_variables_give_the_url_and_the_key_which_is_never_printed()
    {
        _server.Handler = _ => FakeResponse.Error(403, "PERMISSION_DENIED", "The key lacks WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS.");
        var environment = new Dictionary<string, string>
        {
            ["EXTERNALDB_URL"] = _server.BaseAddress.ToString().TrimEnd('/'),
            ["EXTERNALDB_API_KEY"] = "env-key-456",
        };

        var outcome = await RunAsync(["connections", "list"], environment, withUrl: false);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal("Bearer env-key-456", Assert.Single(_server.Requests).Authorization);
        Assert.Contains("PERMISSION_DENIED", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("env-key-456", outcome.Stderr + outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_win_over_environment_variables()
    {
        _server.Handler = _ => FakeResponse.Ok(ConnectionsPage);
        var environment = new Dictionary<string, string> { ["EXTERNALDB_URL"] = "http://127.0.0.1:1", ["EXTERNALDB_API_KEY"] = "env-key" };

        var outcome = await RunAsync(["connections", "list"], environment);

        Assert.Equal(0, outcome.Exit);
        Assert.Equal("Bearer secret-key-123", Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public async Task Without_url_the_default_server_is_used()
    {
        var outcome = await RunAsync(["connections", "list"], withUrl: false);

        // Nothing listens on the test machine's 5080 in the normal case; either way the default URL is named or used.
        Assert.Empty(_server.Requests);
        Assert.True(outcome.Exit is 0 or 1);
        if (outcome.Exit == 1)
        {
            Assert.Contains("http://127.0.0.1:5080/", outcome.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Connections_create_sends_the_wix_body_and_hides_configuration_values()
    {
        _server.Handler = r => FakeResponse.Ok(new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject
            {
                ["name"] = "shop",
                ["endpoint"] = "https://a.example.com",
                ["configuration"] = new JsonObject { ["secretKey"] = "s3cr3t" },
                ["connectionStatus"] = new JsonObject { ["successful"] = true, ["causeOfFailure"] = "NONE", ["hasCollections"] = "NO" },
                ["protocolVersion"] = "V3",
                ["connectionType"] = "WIX_SERVICE_PLUGIN",
                ["applicationId"] = "app-1",
                ["publicKey"] = "MFkw",
            },
        });

        var outcome = await RunAsync(["connections", "create", "--name", "shop", "--endpoint", "https://a.example.com",
            "--configuration", """{"secretKey": "s3cr3t"}""", "--type", "WIX_SERVICE_PLUGIN"]);

        Assert.Equal(0, outcome.Exit);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/wix-data/v1/external-database-connections"), (request.Method, request.Path));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"externalDatabaseConnection": {"name": "shop", "endpoint": "https://a.example.com", "configuration": {"secretKey": "s3cr3t"}},
             "connectionType": "WIX_SERVICE_PLUGIN"}
            """), request.Json), request.Body);
        Assert.Contains("app-1", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("secretKey", outcome.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", outcome.Stdout, StringComparison.Ordinal);
        // Captured output carries no padding for a terminal's width.
        Assert.All(outcome.Stdout.Split('\n'), line => Assert.Equal(line.TrimEnd(), line));
    }

    [Fact]
    public async Task Collections_create_sends_the_fields_and_get_shows_them()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"collection": {"id": "shop/products", "collectionType": "EXTERNAL", "maxPageSize": 50, "revision": "1",
              "fields": [{"key": "_id", "type": "TEXT", "systemField": true, "capabilities": {"sortable": true, "queryOperators": ["EQ"]}},
                         {"key": "price", "type": "NUMBER", "capabilities": {"sortable": true, "queryOperators": ["GT", "LT"]}}]}}
            """);

        var created = await RunAsync(["collections", "create", "shop/products", "--field", "title:text", "--field", "price:NUMBER"]);
        var shown = await RunAsync(["collections", "get", "shop/products"]);

        Assert.Equal(0, created.Exit);
        var requests = _server.Requests.ToArray();
        Assert.Equal(("POST", "/wix-data/v2/collections"), (requests[0].Method, requests[0].Path));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"collection": {"id": "shop/products", "fields": [{"key": "title", "type": "TEXT"}, {"key": "price", "type": "NUMBER"}],
              "permissions": {"insert": "ADMIN", "update": "ADMIN", "remove": "ADMIN", "read": "ADMIN"}}}
            """), requests[0].Json), requests[0].Body);
        Assert.Equal(("GET", "/wix-data/v2/collections/shop/products"), (requests[1].Method, requests[1].RawTarget));
        var priceRow = shown.Stdout.Split('\n').Single(l => l.Contains("price", StringComparison.Ordinal));
        Assert.Contains("NUMBER", priceRow, StringComparison.Ordinal);
        Assert.Contains("GT, LT", priceRow, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_errors_exit_with_2_and_send_nothing()
    {
        var missingCollection = await RunAsync(["items", "query"]);
        var badFilter = await RunAsync(["items", "query", "--collection", "a/b", "--filter", "{not json"]);
        var badType = await RunAsync(["connections", "create", "--name", "x", "--type", "OTHER"]);
        var badUrl = await RunAsync(["--url", "not a url", "connections", "list"], withUrl: false);

        Assert.Equal(2, missingCollection.Exit);
        Assert.Contains("--collection", missingCollection.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badFilter.Exit);
        Assert.Contains("--filter is not valid JSON", badFilter.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badType.Exit);
        Assert.Equal(2, badUrl.Exit);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_server_error_prints_its_message_and_code_and_exits_with_1()
    {
        _server.Handler = _ => FakeResponse.Error(404, "WDE0073", "Item [p-9] does not exist in collection [shop/products].");

        var outcome = await RunAsync(["items", "get", "--collection", "shop/products", "p-9"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal("/wix-data/v2/items/p-9?dataCollectionId=shop%2Fproducts", Assert.Single(_server.Requests).RawTarget);
        Assert.Contains("Item [p-9] does not exist", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("code WDE0073, HTTP 404", outcome.Stderr, StringComparison.Ordinal);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task Items_query_sends_filter_sort_and_limit_and_prints_the_items()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"dataItems": [
              {"id": "p-1", "dataCollectionId": "shop/products", "data": {"_id": "p-1", "title": "Lamp", "price": 25, "_createdDate": {"$date": "2025-01-02T03:04:05.678Z"}}},
              {"id": "p-2", "dataCollectionId": "shop/products", "data": {"_id": "p-2", "title": "Desk", "price": 90}}],
             "pagingMetadata": {"count": 2, "offset": 0, "hasNext": true}}
            """);

        var table = await RunAsync(["items", "query", "--collection", "shop/products", "--filter", """{"price": {"$gt": 10}}""",
            "--sort", "price:desc", "--sort", "title", "--limit", "2"]);
        var json = await RunAsync(["items", "query", "-c", "shop/products", "-o", "json"]);

        Assert.Equal(0, table.Exit);
        var body = _server.Requests.First().Json;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"dataCollectionId": "shop/products", "query": {"filter": {"price": {"$gt": 10}},
              "sort": [{"fieldName": "price", "order": "DESC"}, {"fieldName": "title", "order": "ASC"}], "paging": {"limit": 2}}}
            """), body), body.ToJsonString());
        Assert.Contains("Lamp", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("more follow (use --skip 2)", table.Stdout, StringComparison.Ordinal);
        var items = JsonNode.Parse(json.Stdout)!.AsArray();
        Assert.Equal("Desk", items[1]!["data"]!["title"]!.GetValue<string>());
        Assert.Equal("2025-01-02T03:04:05.678Z", items[0]!["data"]!["_createdDate"]!["$date"]!.GetValue<string>());
    }

    [Fact]
    public async Task Items_count_insert_and_remove_call_the_gateway()
    {
        _server.Handler = r => r.Path switch
        {
            "/wix-data/v2/items/count" => FakeResponse.Ok("""{"totalCount": 100000}"""),
            _ => FakeResponse.Ok("""{"dataItem": {"id": "n-1", "dataCollectionId": "a/b", "data": {"_id": "n-1", "title": "New"}}}"""),
        };

        var count = await RunAsync(["items", "count", "-c", "a/b", "-o", "json"]);
        var inserted = await RunAsync(["items", "insert", "-c", "a/b", "--id", "n-1", "--data", """{"title": "New"}"""]);
        var removed = await RunAsync(["items", "remove", "-c", "a/b", "n-1"]);

        Assert.Equal(100000, JsonNode.Parse(count.Stdout)!["totalCount"]!.GetValue<int>());
        Assert.Equal(0, inserted.Exit);
        Assert.Contains("New", inserted.Stdout, StringComparison.Ordinal);
        var requests = _server.Requests.ToArray();
        Assert.Equal("""{"dataCollectionId":"a/b","dataItem":{"id":"n-1","data":{"title":"New"}}}""", requests[1].Json.ToJsonString());
        Assert.Equal(("DELETE", "/wix-data/v2/items/n-1?dataCollectionId=a%2Fb"), (requests[2].Method, requests[2].RawTarget));
        Assert.Contains("Removed item n-1", removed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_2000_json_lines_makes_two_bulk_calls_of_1000()
    {
        _server.Handler = BulkInsertAnswer;
        var file = Path.Combine(_directory, "items.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 2000).Select(i => $$"""{"_id": "i-{{i}}", "n": {{i}}}"""));

        var outcome = await RunAsync(["import", file, "--collection", "shop/products"]);

        Assert.Equal(0, outcome.Exit);
        var calls = _server.Matching("POST", "/wix-data/v2/bulk/items/insert");
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(1000, c.Json["dataItems"]!.AsArray().Count));
        var ids = calls.SelectMany(c => c.Json["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => "i-" + i).Order(), ids);
        Assert.All(calls, c => Assert.Equal("shop/products", c.Json["dataCollectionId"]!.GetValue<string>()));
        Assert.Contains("2000 inserted, 0 failed", outcome.Stdout, StringComparison.Ordinal);
        // Standard error is not a terminal here: progress degrades to plain lines, one per batch.
        Assert.Equal(2, outcome.Stderr.Split('\n').Count(l => l.StartsWith("import: ", StringComparison.Ordinal)));
        Assert.Contains("(100%)", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_reports_failures_with_line_numbers_and_codes()
    {
        _server.Handler = BulkInsertAnswer;
        var lines = Enumerable.Range(1, 2500).Select(i => $$"""{"n": {{i}}}""").ToList();
        lines[1501] = """{"n": 1502, "fail": true}""";
        lines[9] = "{broken";
        lines[19] = "";
        var file = Path.Combine(_directory, "items.ndjson");
        await File.WriteAllLinesAsync(file, lines);

        var outcome = await RunAsync(["import", file, "-c", "shop/products", "-o", "json"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal([1000, 1000, 498], _server.Requests.Select(r => r.Json["dataItems"]!.AsArray().Count).Order().Reverse());
        var summary = JsonNode.Parse(outcome.Stdout)!;
        Assert.Equal(2497, summary["inserted"]!.GetValue<long>());
        Assert.Equal(2, summary["failed"]!.GetValue<long>());
        var failures = summary["failures"]!.AsArray();
        Assert.Equal(10, failures[0]!["line"]!.GetValue<long>());
        Assert.Equal("INVALID_JSON", failures[0]!["code"]!.GetValue<string>());
        Assert.Equal(1502, failures[1]!["line"]!.GetValue<long>());
        Assert.Equal("WDE0074", failures[1]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_of_csv_reads_quotes_and_infers_numbers_and_booleans()
    {
        _server.Handler = BulkInsertAnswer;
        var file = Path.Combine(_directory, "products.csv");
        await File.WriteAllTextAsync(file,
            "_id,title,price,inStock,zip,note\r\n" +
            "007,\"Lamp, large\",25.50,true,01234,\r\n" +
            "8,\"Say \"\"hi\"\"\",3,FALSE,99,\"two\nlines\"\r\n" +
            "\r\n" +
            "9,Desk,-1e3,no,x,y\r\n", new UTF8Encoding(true));

        var outcome = await RunAsync(["import", file, "-c", "shop/products"]);

        Assert.Equal(0, outcome.Exit);
        var call = Assert.Single(_server.Requests);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"id": "007", "data": {"_id": "007", "title": "Lamp, large", "price": 25.50, "inStock": true, "zip": "01234"}},
             {"id": "8", "data": {"_id": "8", "title": "Say \"hi\"", "price": 3, "inStock": false, "zip": 99, "note": "two\nlines"}},
             {"id": "9", "data": {"_id": "9", "title": "Desk", "price": -1e3, "inStock": "no", "zip": "x", "note": "y"}}]
            """), call.Json["dataItems"]), call.Json["dataItems"]!.ToJsonString());
        Assert.Contains("3 inserted, 0 failed", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_into_a_missing_collection_stops_with_the_servers_code()
    {
        _server.Handler = _ => FakeResponse.Error(404, "WDE0025", "Collection [shop/nope] does not exist.");
        var file = Path.Combine(_directory, "many.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 20_000).Select(i => $$"""{"n": {{i}}}"""));

        var outcome = await RunAsync(["import", file, "-c", "shop/nope", "--parallel", "2"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("Stopped: ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("WDE0025", outcome.Stdout, StringComparison.Ordinal);
        Assert.True(_server.Requests.Count <= 4, $"{_server.Requests.Count} calls after the first refusal");
    }

    [Fact]
    public async Task Import_of_a_missing_file_is_a_usage_error()
    {
        var outcome = await RunAsync(["import", Path.Combine(_directory, "absent.jsonl"), "-c", "a/b"]);

        Assert.Equal(2, outcome.Exit);
        Assert.Contains("does not exist", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_walks_every_cursor_page_into_json_lines()
    {
        _server.Handler = ExportAnswer;
        var file = Path.Combine(_directory, "out.jsonl");

        var outcome = await RunAsync(["export", "--collection", "shop/products", "--output-file", file]);

        Assert.Equal(0, outcome.Exit);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(["i-1", "i-2", "i-3", "i-4", "i-5"], lines.Select(l => JsonNode.Parse(l)!["_id"]!.GetValue<string>()));
        var queries = _server.Matching("POST", "/wix-data/v2/items/query");
        Assert.Equal(3, queries.Count);
        Assert.Equal("""{"cursorPaging":{"limit":2}}""", queries[0].Json["query"]!.ToJsonString());
        Assert.Equal("""{"cursorPaging":{"limit":2,"cursor":"after-2"}}""", queries[1].Json["query"]!.ToJsonString());
        Assert.Contains("Exported 5 items", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_as_csv_uses_the_collection_fields_as_columns()
    {
        _server.Handler = ExportAnswer;

        var outcome = await RunAsync(["export", "-c", "shop/products", "--format", "csv"]);

        Assert.Equal(0, outcome.Exit);
        var lines = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("_id,title,when", lines[0]);
        Assert.Equal("i-1,\"Item, 1\",2025-01-02T03:04:05.000Z", lines[1]);
        Assert.Equal(6, lines.Length);
    }

    /// <summary>Answers a bulk insert with one result per item; an item whose data has <c>"fail": true</c> fails with WDE0074.</summary>
    private static FakeResponse BulkInsertAnswer(RecordedRequest request)
    {
        var items = request.Json["dataItems"]!.AsArray();
        var results = new JsonArray();
        var failures = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var failed = items[i]!["data"]!["fail"]?.GetValue<bool>() == true;
            failures += failed ? 1 : 0;
            var metadata = new JsonObject { ["id"] = items[i]!["id"]?.GetValue<string>() ?? "gen-" + i, ["originalIndex"] = i, ["success"] = !failed };
            if (failed)
            {
                metadata["error"] = new JsonObject { ["code"] = "WDE0074", ["description"] = "Item already exists" };
            }
            results.Add(new JsonObject { ["action"] = "INSERT", ["itemMetadata"] = metadata });
        }
        return FakeResponse.Ok(new JsonObject
        {
            ["results"] = results,
            ["bulkActionMetadata"] = new JsonObject { ["totalSuccesses"] = items.Count - failures, ["totalFailures"] = failures },
        });
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
                    ["title"] = "Item, " + i,
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
