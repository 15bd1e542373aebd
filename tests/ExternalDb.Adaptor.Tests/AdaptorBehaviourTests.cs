using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>What the adaptor does over any engine; each engine runs this class through a subclass.</summary>
public abstract partial class AdaptorBehaviourTests(AdaptorHost host)
{
    protected AdaptorHost Host { get; } = host;

    protected static string NewId(string prefix = "c") => prefix + Guid.NewGuid().ToString("N")[..10];

    protected static JsonArray Fields(params (string Key, string Type)[] fields) =>
        new([.. fields.Select(f => (JsonNode)new JsonObject { ["key"] = f.Key, ["type"] = f.Type })]);

    protected async Task<string> CreateAsync(params (string Key, string Type)[] fields)
    {
        var id = NewId();
        await Host.V3OkAsync("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["displayName"] = "Test " + id, ["fields"] = Fields(fields) },
        });
        return id;
    }

    protected async Task<JsonArray> InsertAsync(string collectionId, params JsonObject[] items)
    {
        var body = await Host.V3OkAsync("/v3/items/insert", new JsonObject { ["collectionId"] = collectionId, ["items"] = new JsonArray([.. items]) });
        return body["results"]!.AsArray();
    }

    protected async Task<JsonArray> QueryAsync(string collectionId, JsonNode? filter = null, JsonArray? sort = null, int? limit = null)
    {
        var query = new JsonObject { ["filter"] = filter?.DeepClone() ?? new JsonObject() };
        if (sort is not null) query["sort"] = sort;
        if (limit is not null) query["paging"] = new JsonObject { ["limit"] = limit, ["offset"] = 0 };
        var body = await Host.V3OkAsync("/v3/items/query", new JsonObject { ["collectionId"] = collectionId, ["query"] = query, ["consistentRead"] = true, ["returnTotalCount"] = false });
        return body["items"]!.AsArray();
    }

    protected async Task<List<string>> IdsAsync(string collectionId, JsonNode filter) =>
        [.. (await QueryAsync(collectionId, filter, new JsonArray(new JsonObject { ["fieldName"] = "_id", ["order"] = "ASC" }))).Select(i => i!["_id"]!.GetValue<string>())];

    private static JsonObject Item(string id, params (string Key, JsonNode? Value)[] values)
    {
        var item = new JsonObject { ["_id"] = id };
        foreach (var (k, v) in values) item[k] = v;
        return item;
    }

    [Fact]
    public async Task Capabilities_answer_to_ES256_and_RS256_signed_requests()
    {
        var es = await Host.V3OkAsync("/v3/capabilities/get", new JsonObject());
        Assert.True(es["supportsCollectionModifications"]!.GetValue<bool>());
        Assert.Contains("MULTI_REFERENCE", es["supportedFieldTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        var (status, rs) = await Host.PostRawAsync("/v3/capabilities/get", Host.SignRs256(new JsonObject()));
        Assert.Equal(200, status);
        Assert.NotNull(rs!["supportedFieldTypes"]);
    }

    [Fact]
    public async Task Created_collection_lists_its_fields_types_and_operators()
    {
        var id = await CreateAsync(("title", "TEXT"), ("price", "NUMBER"), ("photo", "IMAGE"), ("done", "BOOLEAN"), ("tags", "ARRAY_STRING"));
        var body = await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(id) });
        var collection = body["collections"]!.AsArray().Single()!;
        Assert.Equal("Test " + id, collection["displayName"]!.GetValue<string>());
        var fields = collection["fields"]!.AsArray().ToDictionary(f => f!["key"]!.GetValue<string>());
        Assert.Equal("IMAGE", fields["photo"]!["type"]!.GetValue<string>());
        Assert.Equal("DATETIME", fields["_createdDate"]!["type"]!.GetValue<string>());
        var textOps = fields["title"]!["capabilities"]!["queryOperators"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        Assert.Contains("STARTS_WITH", textOps);
        var boolOps = fields["done"]!["capabilities"]!["queryOperators"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        Assert.DoesNotContain("CONTAINS", boolOps);
        Assert.Contains("HAS_ALL", fields["tags"]!["capabilities"]!["queryOperators"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Contains("INSERT", collection["capabilities"]!["dataOperations"]!.AsArray().Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public async Task False_zero_and_empty_string_round_trip_as_themselves()
    {
        var id = await CreateAsync(("flag", "BOOLEAN"), ("n", "NUMBER"), ("s", "TEXT"));
        var results = await InsertAsync(id, Item("a", ("flag", false), ("n", 0), ("s", "")));
        Assert.False(results[0]!["item"]!["flag"]!.GetValue<bool>());
        var item = (await QueryAsync(id)).Single()!;
        Assert.False(item["flag"]!.GetValue<bool>());
        Assert.Equal(0, item["n"]!.GetValue<double>());
        Assert.Equal("", item["s"]!.GetValue<string>());
        Assert.Equal(["a"], await IdsAsync(id, new JsonObject { ["flag"] = false }));
        Assert.Equal(["a"], await IdsAsync(id, new JsonObject { ["n"] = new JsonObject { ["$eq"] = 0 } }));
        Assert.Equal(["a"], await IdsAsync(id, new JsonObject { ["s"] = "" }));
        Assert.Empty(await IdsAsync(id, new JsonObject { ["s"] = new JsonObject { ["$eq"] = null } }));
    }

    [Fact]
    public async Task Text_is_compared_exactly_ordered_by_code_point_and_matched_case_insensitively()
    {
        var id = await CreateAsync(("name", "TEXT"));
        await InsertAsync(id, Item("a", ("name", "bolt")), Item("A", ("name", "Bolt")), Item("a ", ("name", "bolt ")), Item("e", ("name", "e")), Item("é", ("name", "é")));
        // Ids and values differing only by case, a trailing space or an accent are different.
        Assert.Equal(["A", "a", "a ", "e", "é"], await IdsAsync(id, new JsonObject()));
        Assert.Equal(["a"], await IdsAsync(id, new JsonObject { ["name"] = "bolt" }));
        Assert.Equal(["a "], await IdsAsync(id, new JsonObject { ["name"] = "bolt " }));
        Assert.Equal(["e"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$in"] = new JsonArray("e", "BOLT") } }));
        Assert.Equal(["a "], await IdsAsync(id, new JsonObject { ["_id"] = "a " }));
        Assert.Equal(["a", "a "], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$gte"] = "bolt", ["$lt"] = "e" } }));
        // String operators ignore case (not accents).
        Assert.Equal(["A", "a", "a "], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$startsWith"] = "BOL" } }));
        Assert.Equal(["e"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$contains"] = "E" } }));
        var sorted = await QueryAsync(id, sort: new JsonArray(new JsonObject { ["fieldName"] = "name", ["order"] = "ASC" }));
        Assert.Equal(["Bolt", "bolt", "bolt ", "e", "é"], sorted.Select(i => i!["name"]!.GetValue<string>()));
        var distinct = await Host.V3OkAsync("/v3/items/query-distinct-values", new JsonObject { ["collectionId"] = id, ["fieldName"] = "name", ["order"] = "DESC" });
        Assert.Equal(["é", "e", "bolt ", "bolt", "Bolt"], distinct["distinctValues"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Dates_keep_milliseconds_and_compare_correctly()
    {
        var id = await CreateAsync(("when", "DATETIME"));
        await InsertAsync(id,
            Item("early", ("when", new JsonObject { ["$date"] = "2024-03-01T10:00:00.123Z" })),
            Item("late", ("when", new JsonObject { ["$date"] = "2024-03-01T10:00:00.124Z" })));
        var items = await QueryAsync(id, sort: new JsonArray(new JsonObject { ["fieldName"] = "when", ["order"] = "ASC" }));
        Assert.Equal("2024-03-01T10:00:00.123Z", items[0]!["when"]!["$date"]!.GetValue<string>());
        Assert.Equal(["late"], await IdsAsync(id, new JsonObject { ["when"] = new JsonObject { ["$gt"] = new JsonObject { ["$date"] = "2024-03-01T10:00:00.123Z" } } }));
        var created = items[0]!["_createdDate"]!["$date"]!.GetValue<string>();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", created);
    }

    [Fact]
    public async Task Bulk_insert_with_one_duplicate_fails_only_that_item()
    {
        var id = await CreateAsync(("name", "TEXT"));
        await InsertAsync(id, Item("dup", ("name", "first")));
        var results = await InsertAsync(id, Item("n1", ("name", "a")), Item("dup", ("name", "b")), new JsonObject { ["name"] = "generated" });
        Assert.Equal("n1", results[0]!["item"]!["_id"]!.GetValue<string>());
        Assert.Equal("ITEM_ALREADY_EXISTS", results[1]!["error"]!["errorCode"]!.GetValue<string>());
        Assert.Equal("dup", results[1]!["error"]!["data"]!["itemId"]!.GetValue<string>());
        Assert.True(Guid.TryParse(results[2]!["item"]!["_id"]!.GetValue<string>(), out _));
        var count = await Host.V3OkAsync("/v3/items/count", new JsonObject { ["collectionId"] = id, ["filter"] = new JsonObject() });
        Assert.Equal(3, count["totalCount"]!.GetValue<long>());
        Assert.Equal("first", (await QueryAsync(id, new JsonObject { ["_id"] = "dup" })).Single()!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_replaces_the_item_and_keeps_created_date()
    {
        var id = await CreateAsync(("name", "TEXT"), ("n", "NUMBER"));
        var inserted = await InsertAsync(id, Item("u1", ("name", "old"), ("n", 5)));
        var created = inserted[0]!["item"]!["_createdDate"]!["$date"]!.GetValue<string>();
        await Task.Delay(5);
        var body = await Host.V3OkAsync("/v3/items/update", new JsonObject
        {
            ["collectionId"] = id,
            ["items"] = new JsonArray(Item("u1", ("name", "new")), Item("missing", ("name", "x"))),
        });
        var results = body["results"]!.AsArray();
        var updated = results[0]!["item"]!;
        Assert.Equal("new", updated["name"]!.GetValue<string>());
        Assert.Null(updated["n"]);
        Assert.Equal(created, updated["_createdDate"]!["$date"]!.GetValue<string>());
        Assert.Equal("ITEM_NOT_FOUND", results[1]!["error"]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Remove_returns_removed_items_and_reports_missing_ones()
    {
        var id = await CreateAsync(("name", "TEXT"));
        await InsertAsync(id, Item("r1", ("name", "x")), Item("r2", ("name", "y")));
        var body = await Host.V3OkAsync("/v3/items/remove", new JsonObject { ["collectionId"] = id, ["itemIds"] = new JsonArray("r1", "nope") });
        Assert.Equal("x", body["results"]![0]!["item"]!["name"]!.GetValue<string>());
        Assert.Equal("ITEM_NOT_FOUND", body["results"]![1]!["error"]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["r2"], await IdsAsync(id, new JsonObject()));
        await Host.V3OkAsync("/v3/items/truncate", new JsonObject { ["collectionId"] = id });
        Assert.Empty(await QueryAsync(id));
    }

    [Fact]
    public async Task String_operators_are_case_insensitive_and_matches_is_anchored()
    {
        var id = await CreateAsync(("name", "TEXT"));
        await InsertAsync(id, Item("1", ("name", "Hello World")), Item("2", ("name", "say hello")), Item("3", ("name", "100%_done")));
        Assert.Equal(["1", "2"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$contains"] = "HELLO" } }));
        Assert.Equal(["1"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$startsWith"] = "hello" } }));
        Assert.Equal(["2"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$endsWith"] = "HELLO" } }));
        Assert.Equal(["3"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$contains"] = "%_" } }));
        JsonObject Matches(bool ignoreCase, params (string Type, string Value)[] spec) => new()
        {
            ["name"] = new JsonObject
            {
                ["$matches"] = new JsonObject
                {
                    ["ignoreCase"] = ignoreCase,
                    ["spec"] = new JsonArray([.. spec.Select(s => (JsonNode)new JsonObject { ["type"] = s.Type, ["value"] = s.Value })]),
                },
            },
        };
        Assert.Empty(await IdsAsync(id, Matches(true, ("literal", "hello"))));
        Assert.Equal(["2"], await IdsAsync(id, Matches(false, ("literal", "say hello"))));
        Assert.Equal(["1"], await IdsAsync(id, Matches(true, ("literal", "hello "), ("anyOf", "wW"), ("literal", "orld"))));
        Assert.Empty(await IdsAsync(id, Matches(false, ("literal", "hello world"))));
        Assert.Equal(["1"], await IdsAsync(id, new JsonObject { ["name"] = new JsonObject { ["$urlized"] = new JsonArray("hello", "world") } }));
    }

    [Fact]
    public async Task Logical_operators_in_exists_and_null_work()
    {
        var id = await CreateAsync(("n", "NUMBER"), ("s", "TEXT"));
        await InsertAsync(id, Item("a", ("n", 1), ("s", "x")), Item("b", ("n", 2)), Item("c", ("n", 3), ("s", "z")));
        Assert.Equal(["a", "c"], await IdsAsync(id, new JsonObject { ["n"] = new JsonObject { ["$in"] = new JsonArray(1, 3, 7) } }));
        Assert.Equal(["a", "c"], await IdsAsync(id, new JsonObject { ["n"] = new JsonObject { ["$hasSome"] = new JsonArray(1, 3) } }));
        Assert.Equal(["b"], await IdsAsync(id, new JsonObject { ["s"] = new JsonObject { ["$exists"] = false } }));
        Assert.Equal(["b"], await IdsAsync(id, new JsonObject { ["s"] = new JsonObject { ["$eq"] = null } }));
        Assert.Equal(["a", "b"], await IdsAsync(id, new JsonObject { ["s"] = new JsonObject { ["$ne"] = "z" } }));
        Assert.Equal(["a", "c"], await IdsAsync(id, new JsonObject { ["$or"] = new JsonArray(new JsonObject { ["n"] = 1 }, new JsonObject { ["s"] = "z" }) }));
        Assert.Equal(["b", "c"], await IdsAsync(id, new JsonObject { ["$not"] = new JsonArray(new JsonObject { ["n"] = 1 }) }));
        Assert.Equal(["b", "c"], await IdsAsync(id, new JsonObject { ["$not"] = new JsonObject { ["n"] = new JsonObject { ["$lt"] = 2 } } }));
        Assert.Equal(["b"], await IdsAsync(id, new JsonObject { ["$and"] = new JsonArray(new JsonObject { ["n"] = new JsonObject { ["$gte"] = 2 } }, new JsonObject { ["n"] = new JsonObject { ["$lte"] = 2 } }) }));
    }

    [Fact]
    public async Task Multi_key_sort_and_projection()
    {
        var id = await CreateAsync(("g", "TEXT"), ("n", "NUMBER"), ("extra", "TEXT"));
        await InsertAsync(id, Item("1", ("g", "b"), ("n", 1), ("extra", "e")), Item("2", ("g", "a"), ("n", 1)), Item("3", ("g", "a"), ("n", 2)));
        var body = await Host.V3OkAsync("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject
            {
                ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "g", ["order"] = "ASC" }, new JsonObject { ["fieldName"] = "n", ["order"] = "DESC" }),
                ["fields"] = new JsonArray("g"),
            },
            ["returnTotalCount"] = true,
        });
        var items = body["items"]!.AsArray();
        Assert.Equal(["3", "2", "1"], items.Select(i => i!["_id"]!.GetValue<string>()));
        Assert.All(items, i => Assert.Equal(["_id", "g"], i!.AsObject().Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal)));
        Assert.Equal(3, body["pagingMetadata"]!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Page_size_above_1000_is_a_validation_error()
    {
        var id = await CreateAsync(("name", "TEXT"));
        var (status, body) = await Host.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["paging"] = new JsonObject { ["limit"] = 1001, ["offset"] = 0 } },
        });
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", body!["errorCode"]!.GetValue<string>());
        Assert.Equal("query.paging.limit", body["data"]!["violations"]![0]!["fieldPath"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cursor_paging_walks_all_items_and_rejects_tampered_cursors()
    {
        var id = await CreateAsync(("n", "NUMBER"));
        await InsertAsync(id, [.. Enumerable.Range(0, 5).Select(i => Item("i" + i, ("n", i)))]);
        var seen = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 5; page++)
        {
            var cursorPaging = new JsonObject { ["limit"] = 2 };
            if (cursor is not null) cursorPaging["cursor"] = cursor;
            var body = await Host.V3OkAsync("/v3/items/query", new JsonObject
            {
                ["collectionId"] = id,
                ["query"] = new JsonObject
                {
                    ["filter"] = new JsonObject { ["n"] = new JsonObject { ["$gte"] = 1 } },
                    ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "n", ["order"] = "DESC" }),
                    ["cursorPaging"] = cursorPaging,
                },
            });
            seen.AddRange(body["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
            cursor = body["pagingMetadata"]!["cursors"]!["next"]?.GetValue<string>();
            if (cursor is null) break;
        }
        Assert.Equal(["i4", "i3", "i2", "i1"], seen);

        var first = await Host.V3OkAsync("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 1 } },
        });
        var good = first["pagingMetadata"]!["cursors"]!["next"]!.GetValue<string>();
        var tampered = (good[0] == 'A' ? 'B' : 'A') + good[1..];
        var (status, error) = await Host.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 1, ["cursor"] = tampered } },
        });
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", error!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_filters_are_validation_errors_naming_the_problem()
    {
        var id = await CreateAsync(("n", "NUMBER"), ("flag", "BOOLEAN"));
        async Task<string> Fails(JsonNode filter)
        {
            var (status, body) = await Host.V3Async("/v3/items/query", new JsonObject { ["collectionId"] = id, ["query"] = new JsonObject { ["filter"] = filter } });
            Assert.Equal(400, status);
            Assert.Equal("VALIDATION_ERROR", body!["errorCode"]!.GetValue<string>());
            return body["errorMessage"]!.GetValue<string>();
        }
        Assert.Contains("nosuch", await Fails(new JsonObject { ["nosuch"] = 1 }));
        Assert.Contains("$regex", await Fails(new JsonObject { ["n"] = new JsonObject { ["$regex"] = "x" } }));
        Assert.Contains("$contains", await Fails(new JsonObject { ["flag"] = new JsonObject { ["$contains"] = "x" } }));
        Assert.Contains("number", await Fails(new JsonObject { ["n"] = new JsonObject { ["$gt"] = "abc" } }));
        Assert.Contains("$bogus", await Fails(new JsonObject { ["$bogus"] = new JsonArray() }));
        var (missingStatus, missing) = await Host.V3Async("/v3/items/query", new JsonObject { ["collectionId"] = "no_such_collection" });
        Assert.Equal(404, missingStatus);
        Assert.Equal("COLLECTION_NOT_FOUND", missing!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Injection_attempts_are_inert()
    {
        var id = await CreateAsync(("name", "TEXT"));
        const string evil = "x'); DROP TABLE \"_externaldb_fields\"; --";
        await InsertAsync(id, Item("e1", ("name", evil)));
        Assert.Equal(["e1"], await IdsAsync(id, new JsonObject { ["name"] = evil }));
        var (status, body) = await Host.V3Async("/v3/items/query", new JsonObject { ["collectionId"] = id + "\"; DROP TABLE \"" + id + "\"; --" });
        Assert.Equal(404, status);
        Assert.Equal("COLLECTION_NOT_FOUND", body!["errorCode"]!.GetValue<string>());
        (status, _) = await Host.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "name; DROP TABLE x", ["order"] = "ASC" }) },
        });
        Assert.Equal(400, status);
        (status, body) = await Host.V3Async("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = "bad\"; DROP TABLE x; --", ["fields"] = new JsonArray() },
        });
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", body!["errorCode"]!.GetValue<string>());
        Assert.Equal(evil, (await QueryAsync(id)).Single()!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Objects_and_arrays_round_trip_and_array_operators_work()
    {
        var id = await CreateAsync(("doc", "OBJECT"), ("tags", "ARRAY_STRING"));
        var doc = new JsonObject { ["a"] = 1, ["b"] = new JsonArray("x", true, null), ["c"] = new JsonObject { ["d"] = "e" } };
        await InsertAsync(id, Item("1", ("doc", doc), ("tags", new JsonArray("red", "blue"))), Item("2", ("tags", new JsonArray("red"))), Item("3", ("tags", new JsonArray())));
        var item = (await QueryAsync(id, new JsonObject { ["_id"] = "1" })).Single()!;
        Assert.True(JsonNode.DeepEquals(doc, item["doc"]));
        Assert.True(JsonNode.DeepEquals(new JsonArray("red", "blue"), item["tags"]));
        Assert.Equal(["1", "2"], await IdsAsync(id, new JsonObject { ["tags"] = new JsonObject { ["$hasSome"] = new JsonArray("red", "green") } }));
        Assert.Equal(["1"], await IdsAsync(id, new JsonObject { ["tags"] = new JsonObject { ["$hasAll"] = new JsonArray("red", "blue") } }));
        var distinct = await Host.V3OkAsync("/v3/items/query-distinct-values", new JsonObject { ["collectionId"] = id, ["fieldName"] = "tags", ["order"] = "ASC" });
        Assert.Equal(["blue", "red"], distinct["distinctValues"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Aggregate_groups_and_filters_after_grouping()
    {
        var id = await CreateAsync(("country", "TEXT"), ("amount", "NUMBER"));
        await InsertAsync(id, Item("1", ("country", "DE"), ("amount", 10)), Item("2", ("country", "DE"), ("amount", 30)),
            Item("3", ("country", "FR"), ("amount", 5)), Item("4", ("country", "IT"), ("amount", 100)));
        var body = await Host.V3OkAsync("/v3/items/aggregate", new JsonObject
        {
            ["collectionId"] = id,
            ["initialFilter"] = new JsonObject { ["country"] = new JsonObject { ["$ne"] = "IT" } },
            ["aggregation"] = new JsonObject
            {
                ["groupingFields"] = new JsonArray("country"),
                ["operations"] = new JsonArray(
                    new JsonObject { ["resultFieldName"] = "total", ["sum"] = new JsonObject { ["itemFieldName"] = "amount" } },
                    new JsonObject { ["resultFieldName"] = "avg", ["average"] = new JsonObject { ["itemFieldName"] = "amount" } },
                    new JsonObject { ["resultFieldName"] = "n", ["count"] = new JsonObject() }),
            },
            ["finalFilter"] = new JsonObject { ["total"] = new JsonObject { ["$gt"] = 6 } },
            ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "total", ["order"] = "DESC" }),
            ["returnTotalCount"] = true,
        });
        var row = body["items"]!.AsArray().Single()!;
        Assert.Equal("DE", row["country"]!.GetValue<string>());
        Assert.Equal(40, row["total"]!.GetValue<double>());
        Assert.Equal(20, row["avg"]!.GetValue<double>());
        Assert.Equal(2, row["n"]!.GetValue<long>());
        Assert.Equal(1, body["pagingMetadata"]!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Multi_references_are_inserted_queried_and_removed()
    {
        var people = await CreateAsync(("name", "TEXT"));
        await InsertAsync(people, Item("p1", ("name", "Ann")), Item("p2", ("name", "Bob")));
        var movies = NewId();
        await Host.V3OkAsync("/v3/collections/create", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = movies,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "actors", ["type"] = "MULTI_REFERENCE", ["typeOptions"] = new JsonObject { ["multiReferenceOptions"] = new JsonObject { ["referencedCollectionId"] = people } } }),
            },
        });
        await InsertAsync(movies, Item("m1", ("title", "Film")));
        JsonObject Refs(params string[] to) => new()
        {
            ["collectionId"] = movies,
            ["referringFieldKey"] = "actors",
            ["references"] = new JsonArray([.. to.Select(t => (JsonNode)new JsonObject { ["referringItemId"] = "m1", ["referencedItemId"] = t })]),
        };
        var inserted = await Host.V3OkAsync("/v3/items/insert-references", Refs("p1", "p2"));
        Assert.Equal("p1", inserted["results"]![0]!["reference"]!["referencedItemId"]!.GetValue<string>());
        var again = await Host.V3OkAsync("/v3/items/insert-references", Refs("p1"));
        Assert.Equal("REFERENCE_ALREADY_EXISTS", again["results"]![0]!["error"]!["errorCode"]!.GetValue<string>());
        var queried = await Host.V3OkAsync("/v3/items/query-referenced", new JsonObject
        {
            ["collectionId"] = movies, ["referringFieldKey"] = "actors", ["referringItemIds"] = new JsonArray("m1"), ["returnTotalCount"] = true,
        });
        var refs = queried["items"]!.AsArray();
        Assert.Equal(["p1", "p2"], refs.Select(r => r!["referencedItemId"]!.GetValue<string>()));
        Assert.Equal("Ann", refs[0]!["referencedItem"]!["name"]!.GetValue<string>());
        Assert.Equal(2, queried["pagingMetadata"]!["total"]!.GetValue<long>());
        var withActors = await Host.V3OkAsync("/v3/items/query", new JsonObject
        {
            ["collectionId"] = movies, ["query"] = new JsonObject(), ["includeReferencedItems"] = new JsonArray("actors"),
        });
        var included = withActors["items"]![0]!["actors"]!.AsArray();
        Assert.Equal(["Ann", "Bob"], included.Select(a => a!["name"]!.GetValue<string>()));
        var removed = await Host.V3OkAsync("/v3/items/remove-references", Refs("p1", "p9"));
        Assert.NotNull(removed["results"]![0]!["reference"]);
        Assert.Equal("REFERENCE_NOT_FOUND", removed["results"]![1]!["error"]!["errorCode"]!.GetValue<string>());
        var collection = (await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(movies) }))["collections"]![0]!;
        var actors = collection["fields"]!.AsArray().Single(f => f!["key"]!.GetValue<string>() == "actors")!;
        Assert.Equal("MULTI_REFERENCE", actors["type"]!.GetValue<string>());
        Assert.Equal(people, actors["multiReferenceOptions"]!["referencedCollectionId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Collections_can_be_changed_and_deleted()
    {
        var id = await CreateAsync(("a", "TEXT"), ("b", "NUMBER"));
        var body = await Host.V3OkAsync("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("a", "IMAGE"), ("c", "BOOLEAN")) },
        });
        var fields = body["collection"]!["fields"]!.AsArray().ToDictionary(f => f!["key"]!.GetValue<string>(), f => f!["type"]!.GetValue<string>());
        Assert.Equal("IMAGE", fields["a"]);
        Assert.Equal("BOOLEAN", fields["c"]);
        Assert.False(fields.ContainsKey("b"));
        // A value that does not convert to the new type refuses the change (an empty field could change).
        await InsertAsync(id, new JsonObject { ["_id"] = "x", ["a"] = "not a number" });
        var (status, error) = await Host.V3Async("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject { ["id"] = id, ["fields"] = Fields(("a", "NUMBER"), ("c", "BOOLEAN")) },
        });
        Assert.Equal(400, status);
        Assert.Equal("COLLECTION_CHANGE_NOT_SUPPORTED", error!["errorCode"]!.GetValue<string>());
        (status, error) = await Host.V3Async("/v3/collections/create", new JsonObject { ["collection"] = new JsonObject { ["id"] = id } });
        Assert.Equal(409, status);
        Assert.Equal("COLLECTION_ALREADY_EXISTS", error!["errorCode"]!.GetValue<string>());
        await Host.V3OkAsync("/v3/collections/delete", new JsonObject { ["collectionId"] = id });
        var all = await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray() });
        Assert.DoesNotContain(all["collections"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Existing_table_without_id_is_a_read_only_collection()
    {
        var table = NewId("legacy");
        await Host.ExecuteSqlAsync($"CREATE TABLE {table} (name TEXT, qty INTEGER)");
        await Host.ExecuteSqlAsync($"INSERT INTO {table} (name, qty) VALUES ('bolt', 3), ('nut', 0)");
        var collection = (await Host.V3OkAsync("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(table) }))["collections"]![0]!;
        Assert.Equal(["QUERY", "COUNT", "QUERY_REFERENCED", "AGGREGATE"], collection["capabilities"]!["dataOperations"]!.AsArray().Select(o => o!.GetValue<string>()));
        var items = await QueryAsync(table, new JsonObject { ["qty"] = 0 });
        Assert.Equal("nut", items.Single()!["name"]!.GetValue<string>());
        var (status, body) = await Host.V3Async("/v3/items/insert", new JsonObject { ["collectionId"] = table, ["items"] = new JsonArray(new JsonObject { ["name"] = "x" }) });
        Assert.Equal(400, status);
        Assert.NotNull(body!["errorCode"]);
    }

    [Fact]
    public async Task Legacy_protocol_works_with_the_secret_and_both_filter_syntaxes()
    {
        var (status, provision) = await Host.LegacyAsync("/provision", []);
        Assert.Equal(200, status);
        Assert.Equal(2, provision!["protocolVersion"]!.GetValue<int>());
        (status, _) = await Host.LegacyAsync("/provision", [], secret: "wrong");
        Assert.Equal(401, status);
        var id = NewId();
        Assert.Equal(200, (await Host.LegacyAsync("/schemas/create", new JsonObject { ["collectionName"] = id })).Status);
        Assert.Equal(200, (await Host.LegacyAsync("/schemas/column/add", new JsonObject { ["collectionName"] = id, ["column"] = new JsonObject { ["name"] = "make", ["type"] = "text" } })).Status);
        Assert.Equal(200, (await Host.LegacyAsync("/schemas/column/add", new JsonObject { ["collectionName"] = id, ["column"] = new JsonObject { ["name"] = "year", ["type"] = "number" } })).Status);
        (status, var inserted) = await Host.LegacyAsync("/data/insert/bulk", new JsonObject
        {
            ["collectionName"] = id,
            ["items"] = new JsonArray(new JsonObject { ["_id"] = "b1", ["make"] = "BMW", ["year"] = 2020 }, new JsonObject { ["_id"] = "a1", ["make"] = "Audi", ["year"] = 2015 }),
        });
        Assert.Equal(200, status);
        Assert.Equal(2, inserted!["items"]!.AsArray().Count);
        (status, var dup) = await Host.LegacyAsync("/data/insert", new JsonObject { ["collectionName"] = id, ["item"] = new JsonObject { ["_id"] = "b1" } });
        Assert.Equal(409, status);
        Assert.NotNull(dup!["message"]);
        var (_, v1) = await Host.LegacyAsync("/data/find", new JsonObject
        {
            ["collectionName"] = id,
            ["filter"] = new JsonObject { ["kind"] = "filter", ["operator"] = "$gte", ["fieldName"] = "year", ["value"] = 2016 },
            ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "year", ["direction"] = "desc" }),
            ["skip"] = 0, ["limit"] = 50,
        });
        Assert.Equal(["b1"], v1!["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
        Assert.Equal(1, v1["totalCount"]!.GetValue<long>());
        var (_, v2) = await Host.LegacyAsync("/data/find", new JsonObject
        {
            ["collectionName"] = id, ["filter"] = new JsonObject { ["make"] = new JsonObject { ["$startsWith"] = "au" } }, ["skip"] = 0, ["limit"] = 50,
        });
        Assert.Equal(["a1"], v2!["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
        (status, _) = await Host.LegacyAsync("/data/get", new JsonObject { ["collectionName"] = id, ["itemId"] = "missing" });
        Assert.Equal(404, status);
        var (_, schemas) = await Host.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(id) });
        var schema = schemas!["schemas"]![0]!;
        Assert.Equal("number", schema["fields"]!["year"]!["type"]!.GetValue<string>());
        Assert.Contains("createCollection", schema["allowedSchemaOperations"]!.AsArray().Select(o => o!.GetValue<string>()));
        var (_, aggregate) = await Host.LegacyAsync("/data/aggregate", new JsonObject
        {
            ["collectionName"] = id,
            ["filter"] = new JsonObject(),
            ["processingStep"] = new JsonObject { ["_id"] = "$make", ["total"] = new JsonObject { ["$sum"] = "$year" }, ["n"] = new JsonObject { ["$sum"] = 1 } },
            ["postFilteringStep"] = new JsonObject { ["total"] = new JsonObject { ["$gt"] = 2016 } },
        });
        Assert.Equal("BMW", aggregate!["items"]!.AsArray().Single()!["make"]!.GetValue<string>());
        (status, var removed) = await Host.LegacyAsync("/data/remove", new JsonObject { ["collectionName"] = id, ["itemId"] = "a1" });
        Assert.Equal(200, status);
        Assert.Equal("Audi", removed!["item"]!["make"]!.GetValue<string>());
    }
}

public sealed partial class SqliteAdaptorTests(SqliteAdaptorHost host) : AdaptorBehaviourTests(host), IClassFixture<SqliteAdaptorHost>
{
    private SqliteAdaptorHost Sqlite { get; } = host;
}
