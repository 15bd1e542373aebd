using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed class CliTests : CliTestBase
{
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
        Server.Handler = _ => FakeResponse.Ok(ConnectionsPage);

        var outcome = await RunAsync(["connections", "list", "--output", "json", "--limit", "10"]);

        Assert.Equal(0, outcome.Exit);
        var request = Assert.Single(Server.Requests);
        Assert.Equal("/wix-data/v1/external-database-connections?paging.limit=10", request.RawTarget);
        Assert.Equal("Bearer secret-key-123", request.Authorization);
        var document = JsonNode.Parse(outcome.Stdout)!.AsArray();
        Assert.Equal(["shop", "crm"], document.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("UNAUTHORIZED", document[1]!["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("WIX_SERVICE_PLUGIN", document[1]!["connectionType"]!.GetValue<string>());
        Assert.Equal("", outcome.Stderr);
    }

    [Fact]
    public async Task Connections_history_shows_the_checks_newest_first_and_where_more_follow()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"checks": [
              {"checkedDate": "2026-01-02T03:09:05.000Z", "successful": true, "causeOfFailure": "NONE", "latencyMs": 12, "protocolVersion": "V2", "message": "Connected: protocol V2, 1 collection."},
              {"checkedDate": "2026-01-02T03:04:05.000Z", "successful": false, "causeOfFailure": "DESTINATION_HOST_UNREACHABLE", "latencyMs": 5001, "protocolVersion": "UNKNOWN", "message": "The adaptor did not answer within 5 s."}],
             "pagingMetadata": {"count": 2, "offset": 0, "total": 7, "tooManyToCount": false, "hasNext": true}}
            """);

        var table = await RunAsync(["connections", "history", "shop one", "--limit", "2"]);
        var json = await RunAsync(["connections", "history", "shop one", "--output", "json"]);

        Assert.Equal(0, table.Exit);
        Assert.Equal("/wix-data/v1/external-database-connections/shop%20one/status-history?paging.limit=2", Server.Requests.First().RawTarget);
        var lines = table.Stdout.Split('\n');
        var older = Array.FindIndex(lines, l => l.Contains("5001 ms", StringComparison.Ordinal) && l.Contains("DESTINATION_HOST_UNREACHABLE", StringComparison.Ordinal));
        var newest = Array.FindIndex(lines, l => l.Contains("12 ms", StringComparison.Ordinal) && l.Contains("OK", StringComparison.Ordinal) && l.Contains("V2", StringComparison.Ordinal));
        Assert.True(newest >= 0 && older > newest, table.Stdout);
        Assert.Contains("2 of 7 shown", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, json.Exit);
        var checks = JsonNode.Parse(json.Stdout)!.AsArray();
        Assert.Equal("DESTINATION_HOST_UNREACHABLE", checks[1]!["causeOfFailure"]!.GetValue<string>());
    }

    [Fact]
    public async Task Connections_list_as_a_table_shows_each_connection_and_its_status()
    {
        Server.Handler = _ => FakeResponse.Ok(ConnectionsPage);

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
        Server.Handler = _ => FakeResponse.Error(403, "PERMISSION_DENIED", "The key lacks WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS.");
        var environment = new Dictionary<string, string>
        {
            ["EXTERNALDB_URL"] = Server.BaseAddress.ToString().TrimEnd('/'),
            ["EXTERNALDB_API_KEY"] = "env-key-456",
        };

        var outcome = await RunAsync(["connections", "list"], environment, withUrl: false);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal("Bearer env-key-456", Assert.Single(Server.Requests).Authorization);
        Assert.Contains("PERMISSION_DENIED", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("env-key-456", outcome.Stderr + outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_win_over_environment_variables()
    {
        Server.Handler = _ => FakeResponse.Ok(ConnectionsPage);
        var environment = new Dictionary<string, string> { ["EXTERNALDB_URL"] = "http://127.0.0.1:1", ["EXTERNALDB_API_KEY"] = "env-key" };

        var outcome = await RunAsync(["connections", "list"], environment);

        Assert.Equal(0, outcome.Exit);
        Assert.Equal("Bearer secret-key-123", Assert.Single(Server.Requests).Authorization);
    }

    [Fact]
    public void Without_url_option_or_environment_the_default_server_is_used()
    {
        // Resolved without a network call: whatever listens on this machine's 5080 cannot change the outcome.
        Assert.Equal(new Uri("http://127.0.0.1:5080/"), CommandTree.ResolveUrl(null, _ => null));
        Assert.Equal(new Uri("http://127.0.0.1:5080/"), CommandTree.ResolveUrl(null, _ => "  "));
        Assert.Equal(new Uri("https://db.example.com/externaldb/"),
            CommandTree.ResolveUrl(null, name => name == "EXTERNALDB_URL" ? "https://db.example.com/externaldb" : null));
        Assert.Equal(new Uri("http://127.0.0.1:6000/"), CommandTree.ResolveUrl("http://127.0.0.1:6000", _ => "https://db.example.com"));
        Assert.Equal(CliApp.DefaultUrl + "/", CommandTree.ResolveUrl(null, _ => null).ToString());
    }

    [Fact]
    public async Task Connections_create_sends_the_wix_body_and_hides_configuration_values()
    {
        Server.Handler = r => FakeResponse.Ok(new JsonObject
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
        var request = Assert.Single(Server.Requests);
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
    public async Task Connections_get_says_when_the_configuration_values_are_hidden_from_the_key()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"externalDatabaseConnection": {"name": "shop", "endpoint": "https://a.example.com",
              "configuration": {"secretKey": "********", "db": {"password": "********"}},
              "connectionStatus": {"successful": true, "causeOfFailure": "NONE", "hasCollections": "YES"},
              "protocolVersion": "V2", "connectionType": "STANDALONE"}}
            """);

        var table = await RunAsync(["connections", "get", "shop"]);
        var json = await RunAsync(["connections", "get", "shop", "-o", "json"]);

        Assert.Equal(0, table.Exit);
        Assert.Contains("secretKey, db (values hidden: this API key may not read secrets)", table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("********", table.Stdout, StringComparison.Ordinal);
        Assert.Equal("********", JsonNode.Parse(json.Stdout)!["configuration"]!["secretKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task Collections_create_sends_the_fields_and_get_shows_them()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"collection": {"id": "shop/products", "collectionType": "EXTERNAL", "maxPageSize": 50, "revision": "1",
              "fields": [{"key": "_id", "type": "TEXT", "systemField": true, "capabilities": {"sortable": true, "queryOperators": ["EQ"]}},
                         {"key": "price", "type": "NUMBER", "capabilities": {"sortable": true, "queryOperators": ["GT", "LT"]}}]}}
            """);

        var created = await RunAsync(["collections", "create", "shop/products", "--field", "title:text", "--field", "price:NUMBER"]);
        var shown = await RunAsync(["collections", "get", "shop/products"]);

        Assert.Equal(0, created.Exit);
        var requests = Server.Requests.ToArray();
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
    public async Task Collections_fields_add_update_remove_send_the_field_operations()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"dataCollection": {"id": "shop/books", "collectionType": "EXTERNAL", "revision": "2",
              "fields": [{"key": "_id", "type": "TEXT", "systemField": true}, {"key": "author", "displayName": "Author", "type": "REFERENCE"}]}}
            """);

        var added = await RunAsync(["collections", "fields", "add", "shop/books", "author:reference", "--display-name", "Author", "--references", "shop/authors"]);
        var updated = await RunAsync(["collections", "fields", "update", "shop/books", "pages:NUMBER"]);
        var removed = await RunAsync(["collections", "fields", "remove", "shop/books", "pages"]);
        var wrong = await RunAsync(["collections", "fields", "add", "shop/books", "pages:NUMBER", "--references", "shop/authors"]);

        Assert.Equal((0, 0, 0, 2), (added.Exit, updated.Exit, removed.Exit, wrong.Exit));
        var requests = Server.Requests.ToArray();
        Assert.Equal(["/wix-data/v2/collections/create-field", "/wix-data/v2/collections/update-field", "/wix-data/v2/collections/delete-field"], requests.Select(r => r.Path));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"dataCollectionId": "shop/books", "field": {"key": "author", "displayName": "Author", "type": "REFERENCE",
              "typeMetadata": {"reference": {"referencedCollectionId": "shop/authors"}}}}
            """), requests[0].Json), requests[0].Body);
        Assert.Equal("""{"dataCollectionId":"shop/books","fieldKey":"pages"}""", requests[2].Body);
        Assert.Contains("Author", added.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Indexes_list_create_drop_send_the_index_operations()
    {
        Server.Handler = r => r.Method switch
        {
            "POST" => FakeResponse.Ok("""{"index": {"name": "byPrice", "fields": [{"path": "price", "order": "DESC"}], "status": "ACTIVE", "unique": true}}"""),
            "GET" => FakeResponse.Ok("""{"indexes": [{"name": "byTitle", "fields": [{"path": "title", "order": "ASC"}], "status": "FAILED", "failure": {"code": "WDE0113", "description": "duplicate key"}}], "pagingMetadata": {"count": 1, "offset": 0, "total": 1}}"""),
            _ => FakeResponse.Ok("{}"),
        };

        var created = await RunAsync(["indexes", "create", "shop/books", "byPrice", "--field", "price:desc", "--unique"]);
        var listed = await RunAsync(["indexes", "list", "shop/books"]);
        var dropped = await RunAsync(["indexes", "drop", "shop/books", "byPrice"]);
        var wrong = await RunAsync(["indexes", "create", "shop/books", "x", "--field", "price:UP"]);

        Assert.Equal((0, 0, 0, 2), (created.Exit, listed.Exit, dropped.Exit, wrong.Exit));
        var requests = Server.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"dataCollectionId": "shop/books", "index": {"name": "byPrice", "fields": [{"path": "price", "order": "DESC"}], "unique": true, "caseInsensitive": false}}
            """), requests[0].Json), requests[0].Body);
        Assert.Equal("dataCollectionId=shop%2Fbooks&paging.limit=1000&paging.offset=0", requests[1].RawTarget.Split('?')[1]);
        Assert.Equal(("DELETE", "byPrice"), (requests[2].Method, requests[2].Query["indexName"].ToString()));
        Assert.Contains("ACTIVE", created.Stdout, StringComparison.Ordinal);
        Assert.Contains("WDE0113", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("Dropped index byPrice", dropped.Stdout, StringComparison.Ordinal);
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
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task AServer_error_prints_its_message_and_code_and_exits_with_1()
    {
        Server.Handler = _ => FakeResponse.Error(404, "WDE0073", "Item [p-9] does not exist in collection [shop/products].");

        var outcome = await RunAsync(["items", "get", "--collection", "shop/products", "p-9"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal("/wix-data/v2/items/p-9?dataCollectionId=shop%2Fproducts", Assert.Single(Server.Requests).RawTarget);
        Assert.Contains("Item [p-9] does not exist", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("code WDE0073, HTTP 404", outcome.Stderr, StringComparison.Ordinal);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task Items_query_sends_filter_sort_and_limit_and_prints_the_items()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"dataItems": [
              {"id": "p-1", "dataCollectionId": "shop/products", "data": {"_id": "p-1", "title": "Lamp", "price": 25, "_createdDate": {"$date": "2025-01-02T03:04:05.678Z"}}},
              {"id": "p-2", "dataCollectionId": "shop/products", "data": {"_id": "p-2", "title": "Desk", "price": 90}}],
             "pagingMetadata": {"count": 2, "offset": 0, "hasNext": true}}
            """);

        var table = await RunAsync(["items", "query", "--collection", "shop/products", "--filter", """{"price": {"$gt": 10}}""",
            "--sort", "price:desc", "--sort", "title", "--limit", "2"]);
        var json = await RunAsync(["items", "query", "-c", "shop/products", "-o", "json"]);

        Assert.Equal(0, table.Exit);
        var body = Server.Requests.First().Json;
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
        Server.Handler = r => r.Path switch
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
        var requests = Server.Requests.ToArray();
        Assert.Equal("""{"dataCollectionId":"a/b","dataItem":{"id":"n-1","data":{"title":"New"}}}""", requests[1].Json.ToJsonString());
        Assert.Equal(("DELETE", "/wix-data/v2/items/n-1?dataCollectionId=a%2Fb"), (requests[2].Method, requests[2].RawTarget));
        Assert.Contains("Removed item n-1", removed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_api_key_the_401_says_how_to_give_one()
    {
        Server.Handler = _ => FakeResponse.Error(401, "UNAUTHENTICATED", "No API key: send 'Authorization: Bearer <key>'.");
        var environment = new Dictionary<string, string> { ["EXTERNALDB_URL"] = Server.BaseAddress.ToString() };

        var outcome = await RunAsync(["connections", "list"], environment, withUrl: false);

        Assert.Equal(1, outcome.Exit);
        Assert.Null(Assert.Single(Server.Requests).Authorization);
        Assert.Contains("pass --api-key or set EXTERNALDB_API_KEY", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_collection_of_an_unknown_connection_is_reported_as_an_unknown_connection()
    {
        Server.Handler = r => r.Path.StartsWith("/wix-data/v1/external-database-connections/", StringComparison.Ordinal)
            ? FakeResponse.Error(404, "NOT_FOUND", "Connection [nope] does not exist.")
            : CollectionNotFound("nope/products");

        var outcome = await RunAsync(["items", "count", "-c", "nope/products"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("there is no connection named 'nope'", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Collection [nope/products] does not exist", outcome.Stderr, StringComparison.Ordinal);
        Assert.Equal("/wix-data/v1/external-database-connections/nope", Server.Requests.Last().Path);
    }

    [Fact]
    public async Task A_missing_collection_of_an_existing_connection_stays_a_missing_collection()
    {
        Server.Handler = r => r.Path.StartsWith("/wix-data/v1/external-database-connections/", StringComparison.Ordinal)
            ? FakeResponse.Ok("""{"externalDatabaseConnection": {"name": "demo"}}""")
            : CollectionNotFound("demo/nope");

        var outcome = await RunAsync(["items", "count", "-c", "demo/nope"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("Collection [demo/nope] does not exist", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("no connection", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_collection_id_without_a_slash_gets_a_hint_of_the_connection_collection_form()
    {
        Server.Handler = _ => CollectionNotFound("products");

        var outcome = await RunAsync(["items", "query", "-c", "products"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("hint: collection IDs read connectionName/collectionId, e.g. demo/products", outcome.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "conections", "list" }, "Did you mean 'connections' instead of 'conections'?")]
    [InlineData(new[] { "connections", "lst" }, "Did you mean 'list' instead of 'lst'?")]
    [InlineData(new[] { "items", "count", "-c", "a/b", "--filtr", "{}" }, "Did you mean '--filter' instead of '--filtr'?")]
    [InlineData(new[] { "imprt", "x.csv" }, "Did you mean 'import' instead of 'imprt'?")]
    public async Task A_misspelt_command_or_option_gets_a_did_you_mean(string[] args, string suggestion)
    {
        var outcome = await RunAsync(args);

        Assert.Equal(2, outcome.Exit);
        Assert.Contains(suggestion, outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Output_option_names_a_format_and_a_file_name_gets_an_error_that_says_where_files_go()
    {
        var outcome = await RunAsync(["connections", "list", "-o", "out.json"]);

        Assert.Equal(2, outcome.Exit);
        Assert.Contains("-o/--output is the output format, table or json; 'out.json' is neither", outcome.Stderr, StringComparison.Ordinal);
        Assert.Contains("--output-file", outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Json_output_keeps_non_ascii_letters_and_quotes_readable()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"dataItems": [{"id": "p-1", "data": {"_id": "p-1", "title": "\u00D1and\u00FA \u0022grande\u0022 <b>&"}}],
             "pagingMetadata": {"count": 1, "hasNext": false}}
            """);

        var outcome = await RunAsync(["items", "query", "-c", "a/b", "-o", "json"]);

        Assert.Equal(0, outcome.Exit);
        Assert.Contains("\"title\": \"Ñandú \\\"grande\\\" <b>&\"", outcome.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", outcome.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("probe")]
    public async Task Require_healthy_makes_a_failed_adaptor_check_exit_with_1(string verb)
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"externalDatabaseConnection": {"name": "shop", "endpoint": "http://127.0.0.1:9",
              "connectionStatus": {"successful": false, "causeOfFailure": "DESTINATION_HOST_UNREACHABLE", "hasCollections": "UNKNOWN",
                                   "message": "Cannot connect to 127.0.0.1:9."},
              "protocolVersion": "UNKNOWN", "connectionType": "STANDALONE"}}
            """);
        string[] command = verb == "create"
            ? ["connections", "create", "--name", "shop", "--endpoint", "http://127.0.0.1:9", "--configuration", "{}"]
            : ["connections", "probe", "shop"];

        var lenient = await RunAsync(command);
        var strict = await RunAsync([.. command, "--require-healthy"]);

        Assert.Equal(0, lenient.Exit);
        Assert.Equal(1, strict.Exit);
        Assert.Contains("failed its check (DESTINATION_HOST_UNREACHABLE): Cannot connect to 127.0.0.1:9.", strict.Stderr, StringComparison.Ordinal);
        Assert.Contains("DESTINATION_HOST_UNREACHABLE", strict.Stdout, StringComparison.Ordinal);
    }

    private static FakeResponse CollectionNotFound(string id) => new(404, new JsonObject
    {
        ["message"] = $"Collection [{id}] does not exist.",
        ["details"] = new JsonObject
        {
            ["applicationError"] = new JsonObject
            {
                ["code"] = "WDE0025",
                ["description"] = $"Collection [{id}] does not exist.",
                ["data"] = new JsonObject { ["collectionName"] = id },
            },
        },
    }.ToJsonString());
}
