using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed partial class ImportTests : CliTestBase
{
    private const string Collection = "shop/products";

    /// <summary>The collection answers with <paramref name="fields"/>; bulk calls are answered by <paramref name="bulk"/> (by default one result per item).</summary>
    private void Serve(Func<RecordedRequest, FakeResponse>? bulk = null, params (string Key, string Type)[] fields) =>
        Server.Handler = r => r.Method == "GET" && r.Path.StartsWith("/wix-data/v2/collections/", StringComparison.Ordinal)
            ? CollectionAnswer(Collection, fields)
            : (bulk ?? PerItemAnswer)(r);

    private IReadOnlyList<RecordedRequest> BulkCalls(string action = "insert") => Server.Matching("POST", "/wix-data/v2/bulk/items/" + action);

    private async Task<string> WriteFileAsync(string name, string text)
    {
        var file = Path.Combine(Directory, name);
        await File.WriteAllTextAsync(file, text, new UTF8Encoding(false));
        return file;
    }

    [GeneratedRegex(@"^import: (\d+) (inserted|saved), (\d+) failed \((\d+)%\)$", RegexOptions.Multiline)]
    private static partial Regex ProgressLine();

    [Fact]
    public async Task Import_of_2000_json_lines_makes_two_bulk_calls_of_1000_and_progress_ends_at_100_percent()
    {
        Serve();
        var file = Path.Combine(Directory, "items.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 2000).Select(i => $$"""{"_id": "i-{{i}}", "n": {{i}}}"""));

        var outcome = await RunAsync(["import", file, "--collection", Collection]);

        Assert.Equal(0, outcome.Exit);
        var calls = BulkCalls();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(1000, c.Json["dataItems"]!.AsArray().Count));
        var ids = calls.SelectMany(c => c.Json["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => "i-" + i).Order(), ids);
        Assert.All(calls, c => Assert.Equal(Collection, c.Json["dataCollectionId"]!.GetValue<string>()));
        Assert.Contains("Imported items.jsonl into shop/products: 2000 inserted, 0 failed (2000 records, ", outcome.Stdout, StringComparison.Ordinal);
        // Standard error is not a terminal here: plain progress lines, never going back, the last one at 100%.
        var progress = ProgressLine().Matches(outcome.Stderr).Select(m => (Done: long.Parse(m.Groups[1].Value), Percent: int.Parse(m.Groups[4].Value))).ToList();
        Assert.InRange(progress.Count, 1, 3);
        Assert.Equal(progress.OrderBy(p => p.Done).ThenBy(p => p.Percent), progress);
        Assert.Equal((2000L, 100), progress[^1]);
    }

    [Fact]
    public async Task Import_reports_failures_with_line_numbers_and_codes()
    {
        Serve();
        var lines = Enumerable.Range(1, 2500).Select(i => $$"""{"n": {{i}}}""").ToList();
        lines[1501] = """{"n": 1502, "fail": true}""";
        lines[9] = "{broken";
        lines[19] = "";
        var file = Path.Combine(Directory, "items.ndjson");
        await File.WriteAllLinesAsync(file, lines);

        var outcome = await RunAsync(["import", file, "-c", Collection, "-o", "json"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal([1000, 1000, 498], BulkCalls().Select(r => r.Json["dataItems"]!.AsArray().Count).Order().Reverse());
        var summary = JsonNode.Parse(outcome.Stdout)!;
        Assert.Equal(2499, summary["records"]!.GetValue<long>());
        Assert.Equal(2497, summary["inserted"]!.GetValue<long>());
        Assert.Equal(2, summary["failed"]!.GetValue<long>());
        Assert.Equal(0, summary["notSent"]!.GetValue<long>());
        var failures = summary["failures"]!.AsArray();
        Assert.Equal(10, failures[0]!["line"]!.GetValue<long>());
        Assert.Equal("INVALID_JSON", failures[0]!["code"]!.GetValue<string>());
        Assert.Equal(1502, failures[1]!["line"]!.GetValue<long>());
        Assert.Equal("WDE0074", failures[1]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Csv_cells_take_the_types_of_the_collection_fields_and_untyped_columns_are_inferred()
    {
        Serve(null, ("sku", "TEXT"), ("price", "NUMBER"), ("inStock", "BOOLEAN"), ("released", "DATETIME"), ("day", "DATE"), ("tags", "ARRAY_STRING"));
        var file = await WriteFileAsync("products.csv",
            "_id,sku,price,inStock,released,day,tags,extra,note\r\n" +
            "007,000,007,yes,2024-05-01T10:00:00Z,2024-05-01,\"[\"\"a\"\",\"\"b\"\"]\",42,\"Ñandú \"\"grande\"\"\"\r\n" +
            "8,0123,-1.5e2,FALSE,2024-05-01,,,true,\r\n");

        var outcome = await RunAsync(["import", file, "-c", Collection]);

        Assert.Equal(0, outcome.Exit);
        var call = Assert.Single(BulkCalls());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            [{"id": "007", "data": {"_id": "007", "sku": "000", "price": 7, "inStock": true, "released": {"$date": "2024-05-01T10:00:00.000Z"},
                                   "day": "2024-05-01", "tags": ["a", "b"], "extra": 42, "note": "Ñandú \"grande\""}},
             {"id": "8", "data": {"_id": "8", "sku": "0123", "price": -1.5e2, "inStock": false, "released": {"$date": "2024-05-01T00:00:00.000Z"}, "extra": true}}]
            """), call.Json["dataItems"]), call.Json["dataItems"]!.ToJsonString());
    }

    [Fact]
    public async Task Csv_without_type_inference_keeps_untyped_cells_strings_but_typed_cells_still_take_their_type()
    {
        Serve(null, ("price", "NUMBER"), ("inStock", "BOOLEAN"));
        var file = await WriteFileAsync("products.csv", "_id,price,inStock,zip,flag\nx1,25,true,01234,true\n");

        var outcome = await RunAsync(["import", file, "-c", Collection, "--no-type-inference"]);

        Assert.Equal(0, outcome.Exit);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"_id": "x1", "price": 25, "inStock": true, "zip": "01234", "flag": "true"}"""),
            Assert.Single(BulkCalls()).Json["dataItems"]![0]!["data"]));
    }

    [Fact]
    public async Task Csv_values_that_do_not_fit_their_field_fail_with_their_line_and_field_and_the_other_rows_go_in()
    {
        Serve(null, ("price", "NUMBER"), ("inStock", "BOOLEAN"), ("released", "DATETIME"));
        var file = await WriteFileAsync("products.csv", string.Join("\n",
            "_id,price,inStock,released",
            "a,1,true,2024-01-01T00:00:00Z",
            "b,abc,true,2024-01-01T00:00:00Z",
            "c,3,maybe,2024-01-01T00:00:00Z",
            "d,4,false,2024-13-45",
            "e,5,false,",
            ""));

        var outcome = await RunAsync(["import", file, "-c", Collection]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal(["a", "e"], Assert.Single(BulkCalls()).Json["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Contains("2 inserted, 3 failed (5 records, ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 3, field price: INVALID_VALUE \"abc\" is not a number.", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 4, field inStock: INVALID_VALUE \"maybe\" is not a boolean (true or false).", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 5, field released: INVALID_VALUE \"2024-13-45\" is not a date-time", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bulk_call_refused_as_a_whole_is_split_until_only_the_bad_lines_fail()
    {
        // Like a V3 adaptor: one bad item makes the whole call a 400 that names the item's field.
        Serve(r =>
        {
            var items = r.Json["dataItems"]!.AsArray();
            var bad = items.Select((item, i) => (item, i)).FirstOrDefault(x => x.item!["data"]!["bad"] is not null);
            return bad.item is null ? PerItemAnswer(r) : WholeCallRefusal(bad.i);
        });
        var file = Path.Combine(Directory, "items.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 1000).Select(i =>
            i is 17 or 500 or 999 ? $$"""{"_id": "i{{i}}", "bad": 1}""" : $$"""{"_id": "i{{i}}"}"""));

        var outcome = await RunAsync(["import", file, "-c", Collection, "-o", "json"]);

        Assert.Equal(1, outcome.Exit);
        var summary = JsonNode.Parse(outcome.Stdout)!;
        Assert.Equal(997, summary["inserted"]!.GetValue<long>());
        Assert.Equal(3, summary["failed"]!.GetValue<long>());
        var failures = summary["failures"]!.AsArray();
        Assert.Equal([17L, 500L, 999L], failures.Select(f => f!["line"]!.GetValue<long>()));
        Assert.All(failures, f => Assert.Equal("sku", f!["field"]!.GetValue<string>()));
        Assert.All(failures, f => Assert.Equal("WDE0075", f!["code"]!.GetValue<string>()));
        var inserted = BulkCalls().Where(c => c.Json["dataItems"]!.AsArray().All(i => i!["data"]!["bad"] is null))
            .SelectMany(c => c.Json["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())).ToList();
        Assert.Equal(997, inserted.Count);
        Assert.Equal(997, inserted.Distinct().Count());
        // Bisection, not one call per item.
        Assert.InRange(BulkCalls().Count, 4, 70);
    }

    [Fact]
    public async Task A_bulk_answer_giving_every_item_the_same_refusal_is_narrowed_down_to_the_bad_line()
    {
        // Like a legacy V2 bulk call: refused as a whole, so the gateway gives each item the same error.
        Serve(r =>
        {
            var items = r.Json["dataItems"]!.AsArray();
            return items.Any(i => i!["data"]!["bad"] is not null) ? SameErrorForAll(items.Count) : PerItemAnswer(r);
        });
        var file = Path.Combine(Directory, "items.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 300).Select(i => i == 123 ? $$"""{"_id": "i{{i}}", "bad": 1}""" : $$"""{"_id": "i{{i}}"}"""));

        var outcome = await RunAsync(["import", file, "-c", Collection, "--batch-size", "100"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("299 inserted, 1 failed (300 records, ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("  line 123: WDE0075 The adaptor refused the request: Field sku of type TEXT takes a string", outcome.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("line 122", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mode_save_sends_bulk_saves()
    {
        Serve();
        var file = Path.Combine(Directory, "items.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"_id": "a"}""", """{"_id": "b"}"""]);

        var outcome = await RunAsync(["import", file, "-c", Collection, "--mode", "save"]);

        Assert.Equal(0, outcome.Exit);
        Assert.Empty(BulkCalls("insert"));
        Assert.Equal(2, Assert.Single(BulkCalls("save")).Json["dataItems"]!.AsArray().Count);
        Assert.Contains("2 saved, 0 failed", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_error_stop_stops_at_the_first_bad_line_and_counts_what_was_not_sent()
    {
        Serve(null, ("price", "NUMBER"));
        var file = await WriteFileAsync("products.csv", "_id,price\na,1\nb,x\nc,3\nd,4\n");

        var outcome = await RunAsync(["import", file, "-c", Collection, "--on-error", "stop"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Empty(BulkCalls());
        Assert.Matches(@"Import stopped: products.csv into shop/products: 0 inserted, 1 failed, (1|2|3) not sent \(", outcome.Stdout);
        Assert.Contains("line 3, field price: INVALID_VALUE", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("Stopped: --on-error stop: line 3 failed", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delimiter_short_rows_and_an_unclosed_quote_are_reported_at_their_lines()
    {
        Serve(null, ("sku", "TEXT"), ("price", "NUMBER"));
        var file = await WriteFileAsync("products.csv", "_id;sku;price\ns1;001;5\ns2;002\ns3;\"oops;4\ns4;004;3\n");

        var strict = await RunAsync(["import", file, "-c", Collection, "--delimiter", ";"]);
        var lenient = await RunAsync(["import", file, "-c", Collection, "--delimiter", ";", "--allow-short-rows"]);

        Assert.Equal(1, strict.Exit);
        Assert.Contains("1 inserted, 2 failed (3 records, ", strict.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 3: INVALID_CSV The record has 2 cells; the header has 3", strict.Stdout, StringComparison.Ordinal);
        Assert.Contains("line 4: INVALID_CSV The quoted field that starts on line 4 is not closed", strict.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 inserted, 1 failed (3 records, ", lenient.Stdout, StringComparison.Ordinal);
        var sent = BulkCalls()[1].Json["dataItems"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"_id": "s2", "sku": "002"}"""), sent[1]!["data"]), sent.ToJsonString());
    }

    [Fact]
    public async Task A_json_array_file_is_read_element_by_element()
    {
        Serve();
        var file = await WriteFileAsync("items.json", """
            [
            {"_id": "a", "title": "Ñandú"},
            {"_id": "b", "n": 2},
            7
            ]
            """);

        var outcome = await RunAsync(["import", file, "-c", Collection]);

        Assert.Equal(1, outcome.Exit);
        Assert.Equal(["a", "b"], Assert.Single(BulkCalls()).Json["dataItems"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Contains("2 inserted, 1 failed (3 records, ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("item 3: INVALID_JSON The element is not a JSON object.", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_into_a_missing_collection_fails_before_reading_the_file()
    {
        Server.Handler = r => r.Path.StartsWith("/wix-data/v1/", StringComparison.Ordinal)
            ? FakeResponse.Ok("""{"externalDatabaseConnection": {"name": "shop"}}""")
            : FakeResponse.Error(404, "WDE0025", "Collection [shop/nope] does not exist.");
        var file = Path.Combine(Directory, "many.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 20_000).Select(i => $$"""{"n": {{i}}}"""));

        var outcome = await RunAsync(["import", file, "-c", "shop/nope", "--parallel", "2"]);

        Assert.Equal(1, outcome.Exit);
        Assert.Contains("Collection [shop/nope] does not exist. (code WDE0025, HTTP 404)", outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(BulkCalls());
    }

    [Fact]
    public async Task A_call_failing_mid_import_stops_with_a_summary_that_adds_up()
    {
        Serve(_ => FakeResponse.Error(403, "PERMISSION_DENIED", "The key lacks WIX_DATA.BULK_INSERT."));
        var file = Path.Combine(Directory, "many.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 20_000).Select(i => $$"""{"n": {{i}}}"""));

        var outcome = await RunAsync(["import", file, "-c", Collection, "--parallel", "2"]);

        Assert.Equal(1, outcome.Exit);
        var headline = Regex.Match(outcome.Stdout, @"^Import stopped: many.jsonl into shop/products: 0 inserted, 0 failed, (\d+) not sent \((\d+) records, stopped before the end of the file, ");
        Assert.True(headline.Success, outcome.Stdout);
        Assert.Equal(headline.Groups[2].Value, headline.Groups[1].Value);
        Assert.Contains("Stopped: the bulk call for lines ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("PERMISSION_DENIED", outcome.Stdout, StringComparison.Ordinal);
        Assert.InRange(BulkCalls().Count, 1, 2);
    }

    [Fact]
    public async Task Import_of_a_missing_file_is_a_usage_error()
    {
        var outcome = await RunAsync(["import", Path.Combine(Directory, "absent.jsonl"), "-c", "a/b"]);

        Assert.Equal(2, outcome.Exit);
        Assert.Contains("does not exist", outcome.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Answers a bulk write with one result per item; an item whose data has <c>"fail": true</c> fails with WDE0074.</summary>
    private static FakeResponse PerItemAnswer(RecordedRequest request)
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

    private static FakeResponse SameErrorForAll(int count) => FakeResponse.Ok(new JsonObject
    {
        ["results"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["action"] = "INSERT",
            ["itemMetadata"] = new JsonObject
            {
                ["id"] = "x" + i,
                ["originalIndex"] = i,
                ["success"] = false,
                ["error"] = new JsonObject { ["code"] = "WDE0075", ["description"] = "The adaptor refused the request: Field sku of type TEXT takes a string" },
            },
        })]),
        ["bulkActionMetadata"] = new JsonObject { ["totalSuccesses"] = 0, ["totalFailures"] = count },
    });

    private static FakeResponse WholeCallRefusal(int index) => new(400, new JsonObject
    {
        ["message"] = "The adaptor refused the request: Field sku of type TEXT takes a string",
        ["details"] = new JsonObject
        {
            ["applicationError"] = new JsonObject
            {
                ["code"] = "WDE0075",
                ["description"] = "The adaptor refused the request: Field sku of type TEXT takes a string",
                ["data"] = new JsonObject
                {
                    ["adaptorData"] = new JsonObject
                    {
                        ["violations"] = new JsonArray(new JsonObject { ["fieldPath"] = $"items[{index}].sku", ["message"] = "Field sku of type TEXT takes a string" }),
                    },
                },
            },
        },
    }.ToJsonString());
}
