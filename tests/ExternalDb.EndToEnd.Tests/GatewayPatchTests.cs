using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// One server with connections to our reference adaptor: on SQLite as V3 and V2 (the patch extension: one call), the
/// same behind a patchless <see cref="AdaptorProxy"/> (read–modify–write), and on PostgreSQL as V3 and V2.
/// </summary>
public sealed class PatchGatewayFixture : ReferenceAdaptorsFixture
{
    protected override string Secret => "patch-e2e-secret-41c7";

    protected override IReadOnlyDictionary<string, string?> ServerSettings => new Dictionary<string, string?> { ["Gateway:AdaptorTimeout"] = "00:01:00" };

    protected override async Task ConnectAllAsync()
    {
        var postgres = await SharedPostgres.GetAsync();
        foreach (var (name, engine, v3, proxied) in new[]
        {
            ("pv3", "sqlite", true, false), ("pv2", "sqlite", false, false),
            ("fv3", "sqlite", true, true), ("fv2", "sqlite", false, true),
            ("gv3", "postgres", true, false), ("gv2", "postgres", false, false),
        })
        {
            var connectionString = engine == "sqlite" ? NewSqliteDatabase(name) : await postgres.CreateDatabaseAsync($"patch_{name}_{Guid.NewGuid():N}"[..24]);
            await ConnectAsync(name, engine, connectionString, v3, proxied ? AdaptorProxy.PatchlessAsync : null);
        }
    }
}

/// <summary>
/// Patch, bulk patch and included references through the gateway to real adaptors over real sockets: with the
/// adaptor's patch extension (<c>pv3</c>, <c>pv2</c>, <c>gv3</c>, <c>gv2</c>) and by read–modify–write when the adaptor
/// lacks it (<c>fv3</c>, <c>fv2</c>).
/// </summary>
public sealed class GatewayPatchTests(PatchGatewayFixture fixture) : IClassFixture<PatchGatewayFixture>
{
    private HttpClient Http => fixture.Server.Admin;

    private async Task<string> CreateBooksAsync(string connection, string name)
    {
        var id = $"{connection}/{name}";
        var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = id,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "price", ["type"] = "NUMBER" },
                    new JsonObject { ["key"] = "isbn", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "address", ["type"] = "OBJECT" }),
            },
        });
        Assert.True(status == 200, body.ToJsonString());
        return id;
    }

    private async Task InsertAsync(string collection, string id, JsonObject data)
    {
        var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/items",
            new JsonObject { ["dataCollectionId"] = collection, ["dataItem"] = new JsonObject { ["id"] = id, ["data"] = data } });
        Assert.True(status == 200, body.ToJsonString());
    }

    private async Task<JsonObject> GetDataAsync(string collection, string id)
    {
        var (status, body) = await GatewayServer.GetAsync(Http, $"wix-data/v2/items/{id}?dataCollectionId={Uri.EscapeDataString(collection)}");
        Assert.True(status == 200, body.ToJsonString());
        return body["dataItem"]!["data"]!.AsObject();
    }

    private static JsonObject Modification(string action, string fieldPath, JsonNode? value = null)
    {
        var modification = new JsonObject { ["action"] = action, ["fieldPath"] = fieldPath };
        var options = action switch
        {
            "SET_FIELD" => "setFieldOptions",
            "INCREMENT_FIELD" => "incrementFieldOptions",
            "APPEND_TO_ARRAY" => "appendToArrayOptions",
            "REMOVE_FROM_ARRAY" => "removeFromArrayOptions",
            _ => null,
        };
        if (options is not null)
        {
            modification[options] = new JsonObject { ["value"] = value };
        }
        return modification;
    }

    private Task<(int Status, JsonObject Body)> PatchAsync(string collection, string id, params JsonObject[] modifications) =>
        GatewayServer.PostAsync(Http, "wix-data/v2/items/patch", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["patch"] = new JsonObject { ["dataItemId"] = id, ["fieldModifications"] = new JsonArray([.. modifications]) },
        });

    private static string Date(JsonNode? node) => node!["$date"]!.GetValue<string>();

    /// <summary>
    /// One paging model: once a V3 adaptor's answers are seen to carry their own <c>hasNext</c>, the gateway asks it for
    /// exactly the page (not one more) and passes its <c>hasNext</c> on, right at the boundaries.
    /// </summary>
    [Fact]
    public async Task A_V3_adaptor_that_says_hasNext_is_asked_for_exactly_the_page()
    {
        var books = await CreateBooksAsync("fv3", "paging" + Guid.NewGuid().ToString("N")[..6]);
        for (var i = 1; i <= 3; i++)
        {
            await InsertAsync(books, $"b{i}", new JsonObject { ["title"] = $"Book {i}", ["price"] = i });
        }
        async Task<(int Count, bool HasNext, int AskedLimit)> QueryAsync(int limit, int offset)
        {
            var before = fixture.Proxy("fv3").BodiesAt("/v3/items/query").Count;
            var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/items/query", new JsonObject
            {
                ["dataCollectionId"] = books,
                ["query"] = new JsonObject
                {
                    ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "price", ["order"] = "ASC" }),
                    ["paging"] = new JsonObject { ["limit"] = limit, ["offset"] = offset },
                },
            });
            Assert.True(status == 200, body.ToJsonString());
            var sent = fixture.Proxy("fv3").BodiesAt("/v3/items/query").Skip(before).Single();
            var payload = JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlDecode(sent.Split('.')[1])))!;
            return (body["dataItems"]!.AsArray().Count, body["pagingMetadata"]!["hasNext"]!.GetValue<bool>(),
                payload["data"]!["request"]!["query"]!["paging"]!["limit"]!.GetValue<int>());
        }

        var first = await QueryAsync(2, 0); // the adaptor's answers are not known yet: one more than the page
        Assert.Equal((2, true, 3), first);
        Assert.Equal((2, true, 2), await QueryAsync(2, 0)); // now exactly the page, and the adaptor says more follow
        Assert.Equal((1, false, 2), await QueryAsync(2, 2));
        Assert.Equal((3, false, 3), await QueryAsync(3, 0)); // a full last page: the adaptor, not a guess, says no more
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    [Theory]
    [InlineData("pv3")]
    [InlineData("pv2")]
    [InlineData("fv3")]
    [InlineData("fv2")]
    [InlineData("gv3")]
    public async Task Each_modifier_and_a_nested_path_change_only_their_fields(string connection)
    {
        var books = await CreateBooksAsync(connection, "modifiers");
        await InsertAsync(books, "b1", new JsonObject
        {
            ["title"] = "Old", ["price"] = 10, ["isbn"] = "978-1",
            ["address"] = new JsonObject { ["city"] = "Lyon", ["zip"] = "69001", ["tags"] = new JsonArray("a", "b", "a") },
        });
        var before = await GetDataAsync(books, "b1");
        await Task.Delay(20);

        var (status, answer) = await PatchAsync(books, "b1",
            Modification("SET_FIELD", "title", "New"),
            Modification("INCREMENT_FIELD", "price", 2.5),
            Modification("REMOVE_FIELD", "isbn"),
            Modification("APPEND_TO_ARRAY", "address.tags", "c"),
            Modification("REMOVE_FROM_ARRAY", "address.tags", "a"),
            Modification("SET_FIELD", "address.city", "Paris"));

        Assert.True(status == 200, answer.ToJsonString());
        Assert.Equal("b1", answer["dataItem"]!["id"]!.GetValue<string>());
        foreach (var data in new[] { answer["dataItem"]!["data"]!.AsObject(), await GetDataAsync(books, "b1") })
        {
            Assert.Equal("New", data["title"]!.GetValue<string>());
            Assert.Equal(12.5, data["price"]!.GetValue<double>());
            Assert.Null(data["isbn"]);
            Assert.Equal("""["b","c"]""", data["address"]!["tags"]!.ToJsonString());
            Assert.Equal("Paris", data["address"]!["city"]!.GetValue<string>());
            Assert.Equal("69001", data["address"]!["zip"]!.GetValue<string>());
            Assert.Equal(Date(before["_createdDate"]), Date(data["_createdDate"]));
            Assert.True(string.CompareOrdinal(Date(data["_updatedDate"]), Date(before["_updatedDate"])) > 0,
                $"_updatedDate {Date(data["_updatedDate"])} not after {Date(before["_updatedDate"])}");
        }
    }

    [Theory]
    [InlineData("pv3")]
    [InlineData("fv2")]
    public async Task A_bad_modification_is_a_400_naming_it_and_changes_nothing(string connection)
    {
        var books = await CreateBooksAsync(connection, "invalid");
        await InsertAsync(books, "b1", new JsonObject { ["title"] = "Kept", ["price"] = 1 });
        var cases = new (JsonObject Modification, string Field)[]
        {
            (new JsonObject { ["action"] = "MULTIPLY", ["fieldPath"] = "price" }, "patch.fieldModifications[1].action"),
            (Modification("SET_FIELD", "_id", "other"), "patch.fieldModifications[1].fieldPath"),
            (Modification("SET_FIELD", "_updatedDate", "x"), "patch.fieldModifications[1].fieldPath"),
            (Modification("SET_FIELD", "nope", 1), "patch.fieldModifications[1].fieldPath"),
            (Modification("INCREMENT_FIELD", "price", "1"), "patch.fieldModifications[1].incrementFieldOptions.value"),
            (Modification("INCREMENT_FIELD", "title", 1), "patch.fieldModifications[1].fieldPath"),
            (Modification("SET_FIELD", "title.sub", 1), "patch.fieldModifications[1].fieldPath"),
            (Modification("APPEND_TO_ARRAY", "title", "x"), "patch.fieldModifications[1].fieldPath"),
            (new JsonObject { ["action"] = "SET_FIELD", ["fieldPath"] = "title" }, "patch.fieldModifications[1].setFieldOptions.value"),
            (new JsonObject { ["action"] = "REMOVE_FIELD" }, "patch.fieldModifications[1].fieldPath"),
        };
        foreach (var (modification, field) in cases)
        {
            var (status, body) = await PatchAsync(books, "b1", Modification("SET_FIELD", "title", "Changed"), modification);
            Assert.True(status == 400, $"{modification.ToJsonString()}: HTTP {status} {body.ToJsonString()}");
            var violations = body["details"]!["validationError"]!["fieldViolations"]!.AsArray();
            Assert.True(violations.Any(v => v!["field"]!.GetValue<string>() == field), $"{modification.ToJsonString()}: {body.ToJsonString()}");
        }
        var (emptyStatus, empty) = await GatewayServer.PostAsync(Http, "wix-data/v2/items/patch",
            new JsonObject { ["dataCollectionId"] = books, ["patch"] = new JsonObject { ["dataItemId"] = "b1", ["fieldModifications"] = new JsonArray() } });
        Assert.True(emptyStatus == 400 && empty.ToJsonString().Contains("patch.fieldModifications", StringComparison.Ordinal), empty.ToJsonString());

        var data = await GetDataAsync(books, "b1");
        Assert.Equal("Kept", data["title"]!.GetValue<string>());
        Assert.Equal(1, data["price"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("pv3")]
    [InlineData("pv2")]
    [InlineData("fv3")]
    [InlineData("fv2")]
    public async Task A_missing_item_is_WDE0073_and_a_value_of_another_type_a_400(string connection)
    {
        var books = await CreateBooksAsync(connection, "missing");
        await InsertAsync(books, "b1", new JsonObject { ["title"] = "T", ["address"] = new JsonObject { ["city"] = "Lyon" } });

        var (status, body) = await PatchAsync(books, "ghost", Modification("INCREMENT_FIELD", "price", 1));
        Assert.True(status == 404, body.ToJsonString());
        Assert.Equal("WDE0073", body["details"]!["applicationError"]!["code"]!.GetValue<string>());

        var (typeStatus, typeBody) = await PatchAsync(books, "b1", Modification("INCREMENT_FIELD", "address.city", 1));
        Assert.True(typeStatus == 400, typeBody.ToJsonString());
        Assert.Equal("Lyon", (await GetDataAsync(books, "b1"))["address"]!["city"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("pv3")]
    [InlineData("pv2")]
    [InlineData("fv3")]
    [InlineData("fv2")]
    public async Task A_bulk_patch_answers_each_item_in_order(string connection)
    {
        var books = await CreateBooksAsync(connection, "bulk");
        await InsertAsync(books, "b1", new JsonObject { ["price"] = 1 });
        await InsertAsync(books, "b2", new JsonObject { ["price"] = 2 });
        JsonObject Patch(string id) => new() { ["dataItemId"] = id, ["fieldModifications"] = new JsonArray(Modification("INCREMENT_FIELD", "price", 10)) };

        var (status, answer) = await GatewayServer.PostAsync(Http, "wix-data/v2/bulk/items/patch", new JsonObject
        {
            ["dataCollectionId"] = books,
            ["patches"] = new JsonArray(Patch("b1"), Patch("ghost"), Patch("b2")),
            ["returnEntity"] = true,
        });

        Assert.True(status == 200, answer.ToJsonString());
        var results = answer["results"]!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal("PATCH", r!["action"]!.GetValue<string>()));
        Assert.Equal([0, 1, 2], results.Select(r => r!["itemMetadata"]!["originalIndex"]!.GetValue<int>()));
        Assert.Equal(["b1", "ghost", "b2"], results.Select(r => r!["itemMetadata"]!["id"]!.GetValue<string>()));
        Assert.Equal([true, false, true], results.Select(r => r!["itemMetadata"]!["success"]!.GetValue<bool>()));
        Assert.Equal("WDE0073", results[1]!["itemMetadata"]!["error"]!["code"]!.GetValue<string>());
        Assert.Null(results[1]!["dataItem"]);
        Assert.Equal(11, results[0]!["dataItem"]!["data"]!["price"]!.GetValue<double>());
        Assert.Equal(12, results[2]!["dataItem"]!["data"]!["price"]!.GetValue<double>());
        Assert.Equal("""{"totalSuccesses":2,"totalFailures":1,"undetailedFailures":0}""", answer["bulkActionMetadata"]!.ToJsonString());
        Assert.Equal(12, (await GetDataAsync(books, "b2"))["price"]!.GetValue<double>());

        var (badStatus, bad) = await GatewayServer.PostAsync(Http, "wix-data/v2/bulk/items/patch", new JsonObject
        {
            ["dataCollectionId"] = books,
            ["patches"] = new JsonArray(Patch("b1"), new JsonObject { ["dataItemId"] = "b2", ["fieldModifications"] = new JsonArray(Modification("SET_FIELD", "_id", "x")) }),
        });
        Assert.True(badStatus == 400 && bad.ToJsonString().Contains("patches[1].fieldModifications[0].fieldPath", StringComparison.Ordinal), bad.ToJsonString());
        Assert.Equal(11, (await GetDataAsync(books, "b1"))["price"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("pv3", 100)]
    [InlineData("pv2", 100)]
    [InlineData("gv3", 100)]
    [InlineData("gv2", 100)]
    [InlineData("fv3", 25)]
    [InlineData("fv2", 25)]
    public async Task Sixteen_clients_incrementing_one_field_end_with_the_exact_sum(string connection, int perClient)
    {
        const int clients = 16;
        var books = await CreateBooksAsync(connection, "counter");
        await InsertAsync(books, "c", new JsonObject { ["price"] = 0, ["title"] = "counter" });

        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            using var http = fixture.Server.Http(GatewayServer.AdminKey);
            for (var i = 0; i < perClient; i++)
            {
                var (status, body) = await GatewayServer.PostAsync(http, "wix-data/v2/items/patch", new JsonObject
                {
                    ["dataCollectionId"] = books,
                    ["patch"] = new JsonObject
                    {
                        ["dataItemId"] = "c",
                        ["fieldModifications"] = new JsonArray(Modification("INCREMENT_FIELD", "price", 1)),
                    },
                });
                Assert.True(status == 200, string.Create(CultureInfo.InvariantCulture, $"client {client}, patch {i}: HTTP {status} {body.ToJsonString()}"));
            }
        }));

        var data = await GetDataAsync(books, "c");
        Assert.Equal(clients * perClient, data["price"]!.GetValue<double>());
        Assert.Equal("counter", data["title"]!.GetValue<string>());
        if (connection.StartsWith('f'))
        {
            // The fallback path was taken: the proxy saw no patch call, and the gateway's reads and writes.
            var paths = fixture.Proxy(connection).Paths;
            Assert.DoesNotContain(paths, p => p.EndsWith("/patch", StringComparison.Ordinal));
            Assert.Contains(paths, p => p.Contains("update", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("pv3")]
    [InlineData("fv2")]
    public async Task Collections_list_PATCH_and_BULK_PATCH(string connection)
    {
        var books = await CreateBooksAsync(connection, "capabilities");
        var (status, body) = await GatewayServer.GetAsync(Http, $"wix-data/v2/collections/{Uri.EscapeDataString(books)}");
        Assert.True(status == 200, body.ToJsonString());
        var operations = body["collection"]!["capabilities"]!["dataOperations"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        Assert.Contains("PATCH", operations);
        Assert.Contains("BULK_PATCH", operations);
    }
    // ---- included references ----

    private async Task<(string Books, string Authors)> CreateLibraryAsync(string connection)
    {
        var authors = $"{connection}/authors";
        var books = $"{connection}/library";
        foreach (var collection in new[]
        {
            new JsonObject { ["id"] = authors, ["fields"] = new JsonArray(new JsonObject { ["key"] = "name", ["type"] = "TEXT" }) },
            new JsonObject
            {
                ["id"] = books,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "title", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "author", ["type"] = "REFERENCE", ["typeMetadata"] = new JsonObject { ["reference"] = new JsonObject { ["referencedCollectionId"] = authors } } },
                    new JsonObject { ["key"] = "coauthors", ["type"] = "MULTI_REFERENCE", ["typeMetadata"] = new JsonObject { ["multiReference"] = new JsonObject { ["referencedCollectionId"] = authors } } }),
            },
        })
        {
            var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/collections", new JsonObject { ["collection"] = collection });
            Assert.True(status == 200, body.ToJsonString());
        }
        foreach (var (id, name) in new[] { ("a1", "Ada"), ("a2", "Grace"), ("a3", "Barbara") })
        {
            await InsertAsync(authors, id, new JsonObject { ["name"] = name });
        }
        await InsertAsync(books, "b1", new JsonObject { ["title"] = "One", ["author"] = "a1" });
        await InsertAsync(books, "b2", new JsonObject { ["title"] = "Two", ["author"] = "gone" });
        await InsertAsync(books, "b3", new JsonObject { ["title"] = "Three" });
        foreach (var referenced in new[] { "a1", "a2", "a3" })
        {
            var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/items/insert-reference", new JsonObject
            {
                ["dataCollectionId"] = books,
                ["dataItemReference"] = new JsonObject { ["referringItemFieldName"] = "coauthors", ["referringItemId"] = "b1", ["referencedItemId"] = referenced },
            });
            Assert.True(status == 200, body.ToJsonString());
        }
        return (books, authors);
    }

    private async Task<JsonArray> QueryAsync(string books, JsonObject extra)
    {
        var body = new JsonObject
        {
            ["dataCollectionId"] = books,
            ["query"] = new JsonObject { ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "_id" }) },
        };
        foreach (var (key, value) in extra)
        {
            body[key] = value?.DeepClone();
        }
        var (status, answer) = await GatewayServer.PostAsync(Http, "wix-data/v2/items/query", body);
        Assert.True(status == 200, answer.ToJsonString());
        return answer["dataItems"]!.AsArray();
    }

    private static string Encode(JsonObject message) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(message.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Theory]
    [InlineData("pv3")]
    [InlineData("pv2")]
    public async Task Included_references_replace_ids_by_the_referenced_items(string connection)
    {
        var (books, _) = await CreateLibraryAsync(connection);

        var items = await QueryAsync(books, new JsonObject
        {
            ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "author" }, new JsonObject { ["field"] = "coauthors", ["limit"] = 2 }),
        });

        Assert.Equal(["b1", "b2", "b3"], items.Select(i => i!["id"]!.GetValue<string>()));
        var one = items[0]!["data"]!;
        Assert.Equal("a1", one["author"]!["_id"]!.GetValue<string>());
        Assert.Equal("Ada", one["author"]!["name"]!.GetValue<string>());
        var coauthors = one["coauthors"]!.AsArray();
        Assert.Equal(2, coauthors.Count);
        Assert.All(coauthors, a => Assert.Contains(a!["name"]!.GetValue<string>(), new[] { "Ada", "Grace", "Barbara" }));
        Assert.Equal("gone", items[1]!["data"]!["author"]!.GetValue<string>());
        Assert.Empty(items[1]!["data"]!["coauthors"]!.AsArray());
        Assert.Null(items[2]!["data"]!["author"]);

        // Without includeReferences the ID stays; the older spellings work too.
        Assert.Equal("a1", (await QueryAsync(books, []))[0]!["data"]!["author"]!.GetValue<string>());
        var old = await QueryAsync(books, new JsonObject
        {
            ["includeReferencedItems"] = new JsonArray("author"),
            ["referencedItemOptions"] = new JsonArray(new JsonObject { ["fieldName"] = "coauthors", ["limit"] = 1 }),
        });
        Assert.Equal("Ada", old[0]!["data"]!["author"]!["name"]!.GetValue<string>());
        Assert.Single(old[0]!["data"]!["coauthors"]!.AsArray());
        var defaultLimit = await QueryAsync(books, new JsonObject { ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "coauthors" }) });
        Assert.Equal(3, defaultLimit[0]!["data"]!["coauthors"]!.AsArray().Count);

        // The GET forms: .r on query and get, and the plain parameter on get.
        var query = new JsonObject
        {
            ["dataCollectionId"] = books,
            ["query"] = new JsonObject { ["filter"] = new JsonObject { ["_id"] = "b1" } },
            ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "author" }),
        };
        var (queryStatus, queried) = await GatewayServer.GetAsync(Http, "wix-data/v2/items/query?.r=" + Encode(query));
        Assert.True(queryStatus == 200, queried.ToJsonString());
        Assert.Equal("Ada", queried["dataItems"]![0]!["data"]!["author"]!["name"]!.GetValue<string>());
        var get = new JsonObject { ["dataCollectionId"] = books, ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "coauthors", ["limit"] = 1 }) };
        var (getStatus, got) = await GatewayServer.GetAsync(Http, "wix-data/v2/items/b1?.r=" + Encode(get));
        Assert.True(getStatus == 200, got.ToJsonString());
        Assert.Single(got["dataItem"]!["data"]!["coauthors"]!.AsArray());
        var (plainStatus, plain) = await GatewayServer.GetAsync(Http, $"wix-data/v2/items/b1?dataCollectionId={Uri.EscapeDataString(books)}&includeReferences=author");
        Assert.True(plainStatus == 200, plain.ToJsonString());
        Assert.Equal("Ada", plain["dataItem"]!["data"]!["author"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Including_a_field_that_is_not_a_reference_is_a_400_naming_it()
    {
        var (books, _) = await CreateLibraryAsync("fv3");
        foreach (var (include, field) in new (JsonObject, string)[]
        {
            (new JsonObject { ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "author" }, new JsonObject { ["field"] = "title" }) }, "includeReferences[1].field"),
            (new JsonObject { ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "nope" }) }, "includeReferences[0].field"),
            (new JsonObject { ["includeReferencedItems"] = new JsonArray("title") }, "includeReferencedItems[0]"),
            (new JsonObject { ["includeReferences"] = new JsonArray(new JsonObject { ["field"] = "coauthors", ["limit"] = 0 }) }, "includeReferences[0].limit"),
            (new JsonObject { ["includeReferences"] = new JsonArray([.. Enumerable.Range(0, 101).Select(_ => (JsonNode?)new JsonObject { ["field"] = "author" })]) }, "includeReferences[100].field"),
        })
        {
            include["dataCollectionId"] = books;
            var (status, body) = await GatewayServer.PostAsync(Http, "wix-data/v2/items/query", include);
            Assert.True(status == 400, $"{include.ToJsonString()[..Math.Min(200, include.ToJsonString().Length)]}: HTTP {status} {body.ToJsonString()}");
            var violations = body["details"]!["validationError"]!["fieldViolations"]!.AsArray();
            Assert.True(violations.Any(v => v!["field"]!.GetValue<string>() == field), body.ToJsonString());
        }
    }
}
