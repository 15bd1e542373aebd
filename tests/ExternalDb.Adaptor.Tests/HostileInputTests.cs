using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace ExternalDb.Adaptor.Tests;

/// <summary>
/// What the adaptor does with data and requests it did not expect: numbers JSON cannot carry, bodies whose secret
/// cannot be read, schemas changed under it. The protocol side of the same (400s naming the field) is in the
/// conformance kit (<c>V3HostileInputTests</c>, <c>LegacyHostileInputTests</c>).
/// </summary>
public abstract partial class AdaptorBehaviourTests
{
    /// <summary>A legacy body; <c>{C}</c> stands for <paramref name="collectionId"/>.</summary>
    private static JsonObject Legacy(string json, string collectionId = "") =>
        JsonNode.Parse(json.Replace("{C}", collectionId, StringComparison.Ordinal))!.AsObject();

    [Fact]
    public async Task Rows_holding_infinity_or_nan_read_as_null_and_can_be_updated_and_removed()
    {
        var id = await CreateAsync(("n", "NUMBER"), ("s", "TEXT"));
        await InsertAsync(id, Item("one", ("n", 1), ("s", "x")));
        if (Host.Engine == "mysql")
        {
            // A DOUBLE holds no ±Infinity or NaN: the server refuses them, so no such row can exist.
            await Assert.ThrowsAnyAsync<MySqlConnector.MySqlException>(() => Host.ExecuteSqlAsync($"INSERT INTO `{id}` (`_id`, `n`) VALUES ('nf0', 9e999)"));
            return;
        }
        // Written by another tool. SQLite stores NaN as NULL, so only PostgreSQL gets one.
        string[] literals = Host.Engine == "postgres" ? ["'Infinity'", "'-Infinity'", "'NaN'"] : ["9e999", "-9e999"];
        var odd = literals.Select((_, i) => "nf" + i).ToArray();
        for (var i = 0; i < literals.Length; i++)
        {
            await Host.ExecuteSqlAsync($"INSERT INTO \"{id}\" (\"_id\", \"n\", \"s\") VALUES ('{odd[i]}', {literals[i]}, 'y')");
        }

        var items = await QueryAsync(id, sort: new JsonArray(new JsonObject { ["fieldName"] = "n", ["order"] = "DESC" }));
        Assert.Equal([.. odd, "one"], items.Select(i => i!["_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(items.Where(i => i!["_id"]!.GetValue<string>() != "one"), i => Assert.Null(i!["n"]));
        Assert.Equal(1, items.Single(i => i!["_id"]!.GetValue<string>() == "one")!["n"]!.GetValue<double>());

        var found = await Host.LegacyOkAsync("/data/find", Legacy("""{"collectionName": "{C}", "filter": {}, "sort": [], "skip": 0, "limit": 50}""", id));
        Assert.Equal(literals.Length + 1, found["items"]!.AsArray().Count);
        var got = await Host.LegacyOkAsync("/data/get", Legacy("""{"collectionName": "{C}", "itemId": "nf0"}""", id));
        Assert.Equal("y", got["item"]!["s"]!.GetValue<string>());
        Assert.Null(got["item"]!["n"]);

        var distinct = await Host.V3OkAsync("/v3/items/query-distinct-values", new JsonObject { ["collectionId"] = id, ["fieldName"] = "n" });
        Assert.Equal([1d], distinct["distinctValues"]!.AsArray().Select(v => v!.GetValue<double>()));

        var aggregated = await Host.V3OkAsync("/v3/items/aggregate", JsonNode.Parse("""
            {"collectionId": "{C}", "aggregation": {"groupingFields": ["s"], "operations": [
              {"resultFieldName": "top", "max": {"itemFieldName": "n"}}, {"resultFieldName": "low", "min": {"itemFieldName": "n"}},
              {"resultFieldName": "total", "sum": {"itemFieldName": "n"}}, {"resultFieldName": "mean", "average": {"itemFieldName": "n"}},
              {"resultFieldName": "rows", "count": {}}]}}
            """.Replace("{C}", id, StringComparison.Ordinal))!);
        var groups = aggregated["items"]!.AsArray().ToDictionary(g => g!["s"]!.GetValue<string>());
        Assert.Equal(1, groups["x"]!["top"]!.GetValue<double>());
        Assert.Equal(literals.Length, groups["y"]!["rows"]!.GetValue<double>());
        Assert.All(new[] { "top", "low", "total", "mean" }, key => Assert.Null(groups["y"]![key]));

        var updated = await Host.V3OkAsync("/v3/items/update", new JsonObject { ["collectionId"] = id, ["items"] = new JsonArray(Item("nf0", ("n", 2), ("s", "z"))) });
        Assert.Equal(2, updated["results"]![0]!["item"]!["n"]!.GetValue<double>());
        var removed = await Host.V3OkAsync("/v3/items/remove", new JsonObject { ["collectionId"] = id, ["itemIds"] = new JsonArray("nf1") });
        Assert.Equal("nf1", removed["results"]![0]!["item"]!["_id"]!.GetValue<string>());
        Assert.Null(removed["results"]![0]!["item"]!["n"]);
        if (literals.Length > 2)
        {
            await Host.LegacyOkAsync("/data/remove", Legacy("""{"collectionName": "{C}", "itemId": "nf2"}""", id));
        }
        Assert.Equal(["nf0", "one"], await IdsAsync(id, new JsonObject()));
    }

    [Fact]
    public async Task Legacy_bodies_whose_secret_cannot_be_read_are_401_and_logged_as_one_debug_line_without_a_stack_trace()
    {
        string[] bodies =
        [
            """{"requestContext": 5}""",
            """{"requestContext": {"settings": "x"}}""",
            """{"requestContext": {"settings": {"secretKey": "{S}"}}, "requestContext": {}}""",
            """{"requestContext": {"settings": {"secretKey": "{S}", "secretKey": "{S}"}}}""",
            """{"requestContext": {"settings": {"secretKey": "\ud800"}}}""",
            // Keys that are not text beside the ones looked up: comparing names must not fail on them.
            """{"requestContext": {"\udc00\ud800": true, "settings": "x"}}""",
            """{"requestContext": {"settings": {"\ud800\ud800x": 1, "secretKey": "wrong"}}}""",
            """{"\ud800": 1, "requestContext": {"settings": {"secretKey": "wrong"}}}""",
        ];
        var before = Host.Logs.Entries.Count;
        foreach (var body in bodies)
        {
            var (status, answer) = await Host.PostRawAsync("/data/find", body.Replace("{S}", AdaptorHost.Secret, StringComparison.Ordinal), "application/json");
            Assert.True(status == 401, $"{body} → {status} {answer?.ToJsonString()}");
        }
        // With the secret, a malformed body is a 400, logged the same way.
        var (badStatus, _) = await Host.PostRawAsync("/data/find",
            """{"requestContext": {"settings": {"secretKey": "{S}"}}, "collectionName": "x", "collectionName": "y"}""".Replace("{S}", AdaptorHost.Secret, StringComparison.Ordinal),
            "application/json");
        Assert.Equal(400, badStatus);
        var (v3Status, _) = await Host.PostRawAsync("/v3/items/query", Host.SignEs256(JsonNode.Parse("""{"collectionId": {}}""")!));
        Assert.Equal(400, v3Status);

        var logged = Host.Logs.Entries.Skip(before).Where(e => e.Category.StartsWith("ExternalDb", StringComparison.Ordinal)).ToList();
        Assert.True(logged.Count <= bodies.Length + 2, string.Join("\n", logged));
        Assert.All(logged, e =>
        {
            Assert.True(e.Level <= LogLevel.Information, $"{e.Level}: {e.Message}");
            Assert.Null(e.Exception);
            Assert.DoesNotContain('\n', e.Message);
            Assert.DoesNotContain(AdaptorHost.Secret, e.Message, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(Host.Logs.Entries.Skip(before), e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_schema_changed_by_another_adaptor_is_seen_at_once_instead_of_failing_with_5xx()
    {
        var id = await CreateAsync(("title", "TEXT"), ("extra", "TEXT"));
        await InsertAsync(id, Item("a", ("title", "t"), ("extra", "e")));
        Assert.Single(await QueryAsync(id));
        await using var twin = await Host.StartTwinAsync();
        async Task Twin(string path, string json)
        {
            var (status, body) = await twin.LegacyAsync(path, Legacy(json, id));
            Assert.True(status == 200, $"twin {path}: {status} {body?.ToJsonString()}");
        }

        // This adaptor described the collection with "extra" a moment ago; the twin drops it.
        await Twin("/schemas/column/remove", """{"collectionName": "{C}", "columnName": "extra"}""");
        var item = Assert.Single(await QueryAsync(id))!;
        Assert.Equal("t", item["title"]!.GetValue<string>());
        Assert.Null(item["extra"]);

        // A removal racing another removal of the same column.
        await Host.LegacyOkAsync("/schemas/column/add", Legacy("""{"collectionName": "{C}", "column": {"name": "extra2", "type": "text"}}""", id));
        await QueryAsync(id);
        await Twin("/schemas/column/remove", """{"collectionName": "{C}", "columnName": "extra2"}""");
        var (removeStatus, removeBody) = await Host.LegacyAsync("/schemas/column/remove", Legacy("""{"collectionName": "{C}", "columnName": "extra2"}""", id));
        Assert.True(removeStatus == 404, $"{removeStatus} {removeBody?.ToJsonString()}");

        // A write whose description still has a column the twin dropped: stored once, answered 200.
        await Host.LegacyOkAsync("/schemas/column/add", Legacy("""{"collectionName": "{C}", "column": {"name": "extra3", "type": "text"}}""", id));
        await QueryAsync(id);
        await Twin("/schemas/column/remove", """{"collectionName": "{C}", "columnName": "extra3"}""");
        Assert.Equal("b", (await InsertAsync(id, Item("b", ("title", "u"))))[0]!["item"]!["_id"]!.GetValue<string>());
        Assert.Equal(["a", "b"], await IdsAsync(id, new JsonObject()));

        // A write naming a column the twin dropped: the field is unknown.
        await Host.LegacyOkAsync("/schemas/column/add", Legacy("""{"collectionName": "{C}", "column": {"name": "extra4", "type": "text"}}""", id));
        await QueryAsync(id);
        await Twin("/schemas/column/remove", """{"collectionName": "{C}", "columnName": "extra4"}""");
        var (insertStatus, insertBody) = await Host.V3Async("/v3/items/insert",
            new JsonObject { ["collectionId"] = id, ["items"] = new JsonArray(Item("c", ("extra4", "x"))) });
        Assert.True(insertStatus == 400 && insertBody!["errorCode"]!.GetValue<string>() == "VALIDATION_ERROR", $"{insertStatus} {insertBody?.ToJsonString()}");

        // The whole collection dropped by the twin.
        await Twin("/schemas/delete", """{"collectionName": "{C}"}""");
        var (queryStatus, queryBody) = await Host.V3Async("/v3/items/query", new JsonObject { ["collectionId"] = id, ["query"] = new JsonObject() });
        Assert.True(queryStatus == 404 && queryBody!["errorCode"]!.GetValue<string>() == "COLLECTION_NOT_FOUND", $"{queryStatus} {queryBody?.ToJsonString()}");
    }

    [Fact]
    public async Task Reads_writes_and_column_removals_racing_schema_changes_never_answer_5xx()
    {
        var id = await CreateAsync(("title", "TEXT"), ("n", "NUMBER"));
        await InsertAsync(id, [.. Enumerable.Range(0, 20).Select(i => Item("i" + i, ("title", "t" + i), ("n", i)))]);
        var statuses = new ConcurrentBag<(string Call, int Status, string Body)>();
        async Task Record(string call, Task<(int Status, JsonNode? Body)> request)
        {
            var (status, body) = await request;
            statuses.Add((call, status, body?.ToJsonString() ?? ""));
        }
        var addColumn = Legacy("""{"collectionName": "{C}", "column": {"name": "extra", "type": "text"}}""", id);
        var removeColumn = Legacy("""{"collectionName": "{C}", "columnName": "extra"}""", id);
        using var done = new CancellationTokenSource();

        async Task ChangeSchemaAsync()
        {
            for (var i = 0; i < 12; i++)
            {
                await Record("add", Host.LegacyAsync("/schemas/column/add", (JsonObject)addColumn.DeepClone()));
                await Task.WhenAll(
                    Record("remove", Host.LegacyAsync("/schemas/column/remove", (JsonObject)removeColumn.DeepClone())),
                    Record("remove", Host.LegacyAsync("/schemas/column/remove", (JsonObject)removeColumn.DeepClone())));
            }
            await done.CancelAsync();
        }

        async Task ReadAndWriteAsync(int worker)
        {
            for (var i = 0; !done.IsCancellationRequested; i++)
            {
                await Record("query", Host.V3Async("/v3/items/query", new JsonObject { ["collectionId"] = id, ["query"] = new JsonObject(), ["returnTotalCount"] = true }));
                await Record("find", Host.LegacyAsync("/data/find", Legacy("""{"collectionName": "{C}", "filter": {"n": {"$gte": 5}}, "sort": [{"fieldName": "title"}], "skip": 0, "limit": 50}""", id)));
                await Record("insert", Host.V3Async("/v3/items/insert", new JsonObject { ["collectionId"] = id, ["items"] = new JsonArray(Item($"w{worker}-{i}", ("title", "w"))) }));
                await Record("remove", Host.V3Async("/v3/items/remove", new JsonObject { ["collectionId"] = id, ["itemIds"] = new JsonArray($"w{worker}-{i}") }));
            }
        }

        await Task.WhenAll([ChangeSchemaAsync(), .. Enumerable.Range(0, 4).Select(ReadAndWriteAsync)]);
        var failures = statuses.Where(s => s.Status >= 500 || (s.Call is "query" or "find" or "insert" && s.Status != 200)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.All(statuses.Where(s => s.Call == "remove" && s.Status != 200), s => Assert.Equal(404, s.Status));
        Assert.Equal(20, (await Host.V3OkAsync("/v3/items/count", new JsonObject { ["collectionId"] = id, ["filter"] = new JsonObject() }))["totalCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Racing_creates_of_one_collection_and_inserts_of_one_id_have_one_winner_and_protocol_errors()
    {
        var id = NewId("race");
        var creates = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Host.V3Async("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("title", "TEXT")) },
        })));
        Assert.Single(creates, c => c.Status == 200);
        Assert.All(creates.Where(c => c.Status != 200), c => Assert.Equal("COLLECTION_ALREADY_EXISTS", c.Body!["errorCode"]!.GetValue<string>()));

        var inserts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Host.V3Async("/v3/items/insert", new JsonObject
        {
            ["collectionId"] = id,
            ["items"] = new JsonArray(Item("same", ("title", "t" + i))),
        })));
        Assert.All(inserts, r => Assert.True(r.Status == 200, r.Body?.ToJsonString()));
        var results = inserts.Select(r => r.Body!["results"]![0]!).ToList();
        Assert.Single(results, r => r["item"] is not null);
        Assert.All(results.Where(r => r["item"] is null), r => Assert.Equal("ITEM_ALREADY_EXISTS", r["error"]!["errorCode"]!.GetValue<string>()));
        Assert.Equal(["same"], await IdsAsync(id, new JsonObject()));
    }

    [Fact]
    public async Task Sixteen_writers_on_overlapping_rows_in_different_orders_never_meet_a_deadlock()
    {
        var id = NewId("overlap");
        await Host.V3OkAsync("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = id,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "refs", ["type"] = "MULTI_REFERENCE", ["typeOptions"] = new JsonObject { ["multiReferenceOptions"] = new JsonObject { ["referencedCollectionId"] = id } } }),
            },
        });
        var ids = Enumerable.Range(0, 60).Select(i => $"i{i:D2}").ToArray();
        await InsertAsync(id, [.. ids.Select(i => Item(i, ("title", "start")))]);
        var failures = new ConcurrentBag<string>();
        async Task WriterAsync(int writer)
        {
            for (var round = 0; round < 4; round++)
            {
                // Overlapping windows of the ids, every other writer walking them backwards.
                var window = Enumerable.Range(0, 30).Select(k => ids[(writer * 7 + round * 13 + k) % ids.Length]);
                var sample = (writer % 2 == 0 ? window : window.Reverse()).ToArray();
                var (path, request) = ((writer + round) % 3) switch
                {
                    0 => ("/v3/items/update", new JsonObject
                    {
                        ["collectionId"] = id,
                        ["items"] = new JsonArray([.. sample.Select(i => Item(i, ("title", $"w{writer}"), ("refs", new JsonArray(sample[0], sample[1]))))]),
                    }),
                    1 => ("/v3/items/insert-references", new JsonObject
                    {
                        ["collectionId"] = id,
                        ["referringFieldKey"] = "refs",
                        ["references"] = new JsonArray([.. sample.Select(i => (JsonNode)new JsonObject { ["referringItemId"] = i, ["referencedItemId"] = sample[^1] })]),
                    }),
                    _ => ("/v3/items/insert", new JsonObject { ["collectionId"] = id, ["items"] = new JsonArray([.. sample.Select(i => Item(i, ("title", "again")))]) }),
                };
                var (status, body) = await Host.V3Async(path, request);
                if (status != 200)
                {
                    failures.Add($"{path}: {status} {body?.ToJsonString()}");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 16).Select(WriterAsync));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.Equal(ids, (await QueryAsync(id, new JsonObject(), new JsonArray(new JsonObject { ["fieldName"] = "_id" }), limit: 100)).Select(i => i!["_id"]!.GetValue<string>()));
    }
}
