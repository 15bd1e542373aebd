using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// One server with four connections to our reference adaptor (SQLite), each behind a recording <see cref="AdaptorProxy"/>:
/// <c>sv3</c> (V3, its pages say <c>hasNext</c>), <c>mv3</c> (V3 with <c>hasNext</c> and cursors taken out of every
/// answer: an adaptor that does not say), <c>cv3</c> (as <c>mv3</c>, with collections that serve pages of at most 3) and
/// <c>sv2</c> (the legacy V2 protocol). Each has <c>books</c> (six items, t1…t6)
/// and <c>shelves</c> (item s1 referencing all six books).
/// </summary>
public sealed class PagingFixture : ReferenceAdaptorsFixture
{
    public const int Rows = 6;

    /// <summary>The largest page the collections of <c>cv3</c> serve.</summary>
    public const int MaxPageSizeOfCv3 = 3;

    protected override string Secret => "paging-e2e-secret-7d21";

    protected override async Task ConnectAllAsync()
    {
        foreach (var (name, v3, proxy) in new (string, bool, Func<string, Task<AdaptorProxy>>)[]
        {
            ("sv3", true, target => AdaptorProxy.StartAsync(target)),
            ("mv3", true, target => AdaptorProxy.SilentOnNextPageAsync(target)),
            ("cv3", true, target => AdaptorProxy.SilentOnNextPageAsync(target, maxPageSize: MaxPageSizeOfCv3)),
            ("sv2", false, target => AdaptorProxy.StartAsync(target)),
        })
        {
            await ConnectAsync(name, "sqlite", NewSqliteDatabase(name), v3, proxy);
            await SeedAsync(name);
        }
    }

    private async Task SeedAsync(string connection)
    {
        var books = $"{connection}/books";
        var shelves = $"{connection}/shelves";
        await PostAsync("wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = books,
                ["fields"] = new JsonArray(new JsonObject { ["key"] = "title", ["type"] = "TEXT" }, new JsonObject { ["key"] = "price", ["type"] = "NUMBER" }),
            },
        });
        await PostAsync("wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = shelves,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "name", ["type"] = "TEXT" },
                    new JsonObject
                    {
                        ["key"] = "books",
                        ["type"] = "MULTI_REFERENCE",
                        ["typeMetadata"] = new JsonObject { ["multiReference"] = new JsonObject { ["referencedCollectionId"] = books } },
                    }),
            },
        });
        await PostAsync("wix-data/v2/bulk/items/insert", new JsonObject
        {
            ["dataCollectionId"] = books,
            ["dataItems"] = new JsonArray([.. Enumerable.Range(1, Rows).Select(i => (JsonNode?)new JsonObject
            {
                ["id"] = $"b{i}",
                ["data"] = new JsonObject { ["title"] = $"t{i}", ["price"] = i },
            })]),
        });
        await PostAsync("wix-data/v2/items", new JsonObject
        {
            ["dataCollectionId"] = shelves,
            ["dataItem"] = new JsonObject { ["id"] = "s1", ["data"] = new JsonObject { ["name"] = "All" } },
        });
        await PostAsync("wix-data/v2/bulk/items/insert-references", new JsonObject
        {
            ["dataCollectionId"] = shelves,
            ["dataItemReferences"] = new JsonArray([.. Enumerable.Range(1, Rows).Select(i => (JsonNode?)new JsonObject
            {
                ["referringItemFieldName"] = "books", ["referringItemId"] = "s1", ["referencedItemId"] = $"b{i}",
            })]),
        });
    }

    private async Task PostAsync(string path, JsonObject body)
    {
        var (status, answer) = await GatewayServer.PostAsync(Server.Admin, path, body);
        Assert.True(status == 200, $"{path}: {status} {answer.ToJsonString()}");
    }
}

/// <summary>
/// The one paging model, seen from outside: every paged operation of the gateway (query, aggregate, distinct values,
/// query-referenced) over V3 and legacy adaptors answers a truthful <c>hasNext</c>, asks an adaptor that says
/// <c>hasNext</c> for exactly the page, and walks every row once — shown by the requests the adaptor received.
/// </summary>
public sealed class PagingModelTests(PagingFixture fixture) : IClassFixture<PagingFixture>
{
    /// <summary>How the adaptor is asked for a page.</summary>
    public enum Asked
    {
        /// <summary>Exactly the page, once an answer showed that the adaptor says <c>hasNext</c> (the very first may ask one more).</summary>
        ExactlyThePage,

        /// <summary>One more row than the page, every time: the adaptor's pages cannot say whether more follow.</summary>
        OneMore,

        /// <summary>Not by page: the legacy client reads what it pages itself (aggregation rows, distinct values), one call per page.</summary>
        NotByPage,
    }

    /// <summary>A paged operation as the gateway serves it and as the adaptor receives it.</summary>
    private sealed record Operation(string GatewayPath, string RowsKey, Func<string, JsonObject> FirstPage, Func<string, JsonObject> NextPage,
        Func<JsonNode, string> RowId, string V3Path, string LegacyPath);

    private static readonly Dictionary<string, Operation> Operations = new(StringComparer.Ordinal)
    {
        ["query"] = new("wix-data/v2/items/query", "dataItems",
            c => new JsonObject { ["dataCollectionId"] = c + "/books", ["query"] = new JsonObject { ["sort"] = ByTitle() } },
            cursor => new JsonObject { ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["cursor"] = cursor } } },
            row => row["data"]!["title"]!.GetValue<string>(), AdaptorOperations.Path(AdaptorOperations.Query), LegacyPaths.Find),
        ["aggregate"] = new("wix-data/v2/items/aggregate", "results",
            c => new JsonObject
            {
                ["dataCollectionId"] = c + "/books",
                ["aggregation"] = new JsonObject
                {
                    ["groupingFields"] = new JsonArray("title"),
                    ["operations"] = new JsonArray(new JsonObject { ["resultFieldName"] = "n", ["itemCount"] = new JsonObject() }),
                },
                ["sort"] = ByTitle(),
            },
            cursor => new JsonObject { ["cursorPaging"] = new JsonObject { ["cursor"] = cursor } },
            row => row["title"]!.GetValue<string>(), AdaptorOperations.Path(AdaptorOperations.Aggregate), LegacyPaths.Aggregate),
        ["distinct"] = new("wix-data/v2/items/query-distinct-values", "distinctValues",
            c => new JsonObject { ["dataCollectionId"] = c + "/books", ["fieldName"] = "title", ["order"] = "ASC" },
            cursor => new JsonObject { ["cursorPaging"] = new JsonObject { ["cursor"] = cursor } },
            row => row.GetValue<string>(), AdaptorOperations.Path(AdaptorOperations.QueryDistinctValues), LegacyPaths.Find),
        ["referenced"] = new("wix-data/v2/items/query-referenced", "results",
            c => new JsonObject { ["dataCollectionId"] = c + "/shelves", ["referringItemFieldName"] = "books", ["referringItemId"] = "s1", ["order"] = "ASC" },
            cursor => new JsonObject { ["cursorPaging"] = new JsonObject { ["cursor"] = cursor } },
            row => row["dataItem"]!["data"]!["title"]!.GetValue<string>(), AdaptorOperations.Path(AdaptorOperations.QueryReferenced), LegacyPaths.ReferencesQuery),
    };

    private static JsonArray ByTitle() => new(new JsonObject { ["fieldName"] = "title", ["order"] = "ASC" });

    [Theory]
    [InlineData("sv3", "query", Asked.ExactlyThePage)]
    [InlineData("sv3", "aggregate", Asked.ExactlyThePage)]
    [InlineData("sv3", "distinct", Asked.ExactlyThePage)]
    [InlineData("sv3", "referenced", Asked.ExactlyThePage)]
    [InlineData("mv3", "query", Asked.OneMore)]
    [InlineData("mv3", "aggregate", Asked.OneMore)]
    [InlineData("mv3", "distinct", Asked.OneMore)]
    [InlineData("mv3", "referenced", Asked.OneMore)]
    [InlineData("sv2", "query", Asked.OneMore)] // a cursor page asks no total, so /data/find cannot say
    [InlineData("sv2", "aggregate", Asked.NotByPage)]
    [InlineData("sv2", "distinct", Asked.NotByPage)]
    [InlineData("sv2", "referenced", Asked.ExactlyThePage)] // the references extension answers V3 pages
    public async Task A_walk_by_cursor_returns_every_row_once_and_the_last_page_says_no_next(string connection, string name, Asked asked)
    {
        var operation = Operations[name];
        var expected = Enumerable.Range(1, PagingFixture.Rows).Select(i => $"t{i}").ToList();
        foreach (var pageSize in new[] { 3, 4 }) // 6 rows: a full last page, then a short one
        {
            var proxy = fixture.Proxy(connection);
            var before = proxy.Requests.Count;
            var seen = new List<string>();
            var pages = 0;
            var body = operation.FirstPage(connection);
            (name == "query" ? body["query"]!.AsObject() : body)["cursorPaging"] = new JsonObject { ["limit"] = pageSize };
            while (true)
            {
                var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, operation.GatewayPath, body);
                Assert.True(status == 200, answer.ToJsonString());
                pages++;
                var rows = answer[operation.RowsKey]!.AsArray();
                var metadata = answer["pagingMetadata"]!;
                seen.AddRange(rows.Select(r => operation.RowId(r!)));
                var hasNext = metadata["hasNext"]!.GetValue<bool>();
                var next = metadata["cursors"]?["next"]?.GetValue<string>();
                Assert.Equal(seen.Count < expected.Count, hasNext);
                Assert.Equal(hasNext, next is not null);
                Assert.True(rows.Count <= pageSize, $"page {pages} has {rows.Count} rows, more than {pageSize}");
                if (next is null)
                {
                    break;
                }
                Assert.True(pages < 10, "the walk does not end");
                body = operation.NextPage(next);
                body["dataCollectionId"] = operation.FirstPage(connection)["dataCollectionId"]!.DeepClone();
            }
            Assert.Equal(expected, seen); // every row once, in order
            Assert.Equal((PagingFixture.Rows + pageSize - 1) / pageSize, pages);

            var calls = proxy.Requests.Skip(before).Where(r => r.Path == (connection.EndsWith("v3", StringComparison.Ordinal) ? operation.V3Path : operation.LegacyPath)).ToList();
            Assert.Equal(pages, calls.Count); // one adaptor call per page: no extra call to learn what follows
            var limits = calls.Select(c => AskedLimit(c.Path, c.Body)).ToList();
            switch (asked)
            {
                case Asked.ExactlyThePage:
                    Assert.All(limits.Skip(1), l => Assert.Equal(pageSize, l));
                    Assert.Contains(limits[0], new int?[] { pageSize, pageSize + 1 });
                    break;
                case Asked.OneMore:
                    Assert.All(limits, l => Assert.Equal(pageSize + 1, l));
                    break;
                case Asked.NotByPage:
                    Assert.All(limits, l => Assert.NotEqual(pageSize + 1, l));
                    break;
            }
        }
    }

    [Fact]
    public async Task A_legacy_adaptor_that_answers_its_total_is_asked_for_exactly_the_page()
    {
        var proxy = fixture.Proxy("sv2");
        async Task<(bool HasNext, int? AskedLimit)> PageAsync(int offset)
        {
            var before = proxy.Requests.Count;
            var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items/query", new JsonObject
            {
                ["dataCollectionId"] = "sv2/books",
                ["query"] = new JsonObject { ["sort"] = ByTitle(), ["paging"] = new JsonObject { ["limit"] = 3, ["offset"] = offset } },
                ["returnTotalCount"] = true,
            });
            Assert.True(status == 200, answer.ToJsonString());
            Assert.Equal(PagingFixture.Rows, answer["pagingMetadata"]!["total"]!.GetValue<int>());
            var find = Assert.Single(proxy.Requests.Skip(before), r => r.Path == LegacyPaths.Find);
            return (answer["pagingMetadata"]!["hasNext"]!.GetValue<bool>(), AskedLimit(find.Path, find.Body));
        }

        await PageAsync(0); // learns that these answers say (by their total)
        Assert.Equal((true, 3), await PageAsync(0));
        Assert.Equal((false, 3), await PageAsync(3)); // a full last page: the total, not a guess, says no more
    }

    [Fact]
    public async Task A_page_as_large_as_the_collection_serves_from_an_adaptor_that_does_not_say_is_told_by_one_row_past_it()
    {
        const int page = PagingFixture.MaxPageSizeOfCv3;
        var proxy = fixture.Proxy("cv3");
        async Task<(int Count, bool HasNext, List<(int? Limit, int? Offset)> Asked)> PageAsync(int offset)
        {
            var before = proxy.Requests.Count;
            var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/items/query", new JsonObject
            {
                ["dataCollectionId"] = "cv3/books",
                ["query"] = new JsonObject { ["sort"] = ByTitle(), ["paging"] = new JsonObject { ["limit"] = page, ["offset"] = offset } },
            });
            Assert.True(status == 200, answer.ToJsonString());
            var asked = proxy.Requests.Skip(before).Where(r => r.Path == Operations["query"].V3Path)
                .Select(r => (AskedLimit(r.Path, r.Body), AskedOffset(r.Body))).ToList();
            return (answer["dataItems"]!.AsArray().Count, answer["pagingMetadata"]!["hasNext"]!.GetValue<bool>(), asked);
        }

        // The page cannot be asked one row larger: exactly the page, then one row past it.
        var first = await PageAsync(0);
        Assert.Equal((page, true), (first.Count, first.HasNext));
        Assert.Equal([(page, 0), (1, page)], first.Asked);
        var last = await PageAsync(page); // a full last page (six rows)
        Assert.Equal((page, false), (last.Count, last.HasNext));
        Assert.Equal([(page, page), (1, 2 * page)], last.Asked);
        var past = await PageAsync(2 * page); // a short page says no more by itself
        Assert.Equal((0, false), (past.Count, past.HasNext));
        Assert.Equal([(page, 2 * page)], past.Asked);
    }

    [Fact]
    public async Task Replacing_references_reads_every_current_one_page_by_page()
    {
        // cv3 serves pages of 3 and does not say hasNext: the six current references take two pages and a row past them.
        var proxy = fixture.Proxy("cv3");
        var http = fixture.Server.Admin;
        Assert.Equal(200, (await GatewayServer.PostAsync(http, "wix-data/v2/items", new JsonObject
        {
            ["dataCollectionId"] = "cv3/shelves",
            ["dataItem"] = new JsonObject { ["id"] = "s2", ["data"] = new JsonObject { ["name"] = "Replaced" } },
        })).Status);
        Assert.Equal(200, (await GatewayServer.PostAsync(http, "wix-data/v2/bulk/items/insert-references", new JsonObject
        {
            ["dataCollectionId"] = "cv3/shelves",
            ["dataItemReferences"] = new JsonArray([.. Enumerable.Range(1, PagingFixture.Rows).Select(i => (JsonNode?)new JsonObject
            {
                ["referringItemFieldName"] = "books", ["referringItemId"] = "s2", ["referencedItemId"] = $"b{i}",
            })]),
        })).Status);
        var before = proxy.Requests.Count;

        var (status, answer) = await GatewayServer.PostAsync(http, "wix-data/v2/items/replace-references", new JsonObject
        {
            ["dataCollectionId"] = "cv3/shelves", ["referringItemFieldName"] = "books", ["referringItemId"] = "s2",
            ["newReferencedItemIds"] = new JsonArray("b1"),
        });

        Assert.True(status == 200, answer.ToJsonString());
        var read = proxy.Requests.Skip(before).Where(r => r.Path == Operations["referenced"].V3Path).Select(r => (AskedLimit(r.Path, r.Body), AskedOffset(r.Body)));
        Assert.Equal([(3, 0), (1, 3), (3, 3), (1, 6)], read);
        var (_, left) = await GatewayServer.PostAsync(http, "wix-data/v2/items/query-referenced", new JsonObject
        {
            ["dataCollectionId"] = "cv3/shelves", ["referringItemFieldName"] = "books", ["referringItemId"] = "s2",
        });
        Assert.Equal(["b1"], left["results"]!.AsArray().Select(r => r!["dataItem"]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Items_are_looked_up_by_id_in_queries_no_larger_than_the_collection_serves()
    {
        // A bulk save asks which of its ids exist; cv3's collections serve pages of 3, so six ids take two queries of 3.
        var proxy = fixture.Proxy("cv3");
        var before = proxy.Requests.Count;

        var (status, answer) = await GatewayServer.PostAsync(fixture.Server.Admin, "wix-data/v2/bulk/items/save", new JsonObject
        {
            ["dataCollectionId"] = "cv3/books",
            ["dataItems"] = new JsonArray([.. Enumerable.Range(1, PagingFixture.Rows).Select(i => (JsonNode?)new JsonObject
            {
                ["id"] = $"b{i}",
                ["data"] = new JsonObject { ["title"] = $"t{i}", ["price"] = i },
            })]),
        });

        Assert.True(status == 200, answer.ToJsonString());
        Assert.All(answer["results"]!.AsArray(), r => Assert.Equal("UPDATE", r!["action"]!.GetValue<string>()));
        var lookups = proxy.Requests.Skip(before).Where(r => r.Path == Operations["query"].V3Path)
            .Select(r => Request(r.Path, r.Body)["query"]!)
            .Where(q => q["filter"]?["_id"]?[QueryOperators.HasSome] is not null)
            .Select(q => (Ids: q["filter"]!["_id"]![QueryOperators.HasSome]!.AsArray().Count, Limit: q["paging"]!["limit"]!.GetValue<int>()))
            .ToList();
        Assert.Equal([(3, 3), (3, 3)], lookups);
    }

    /// <summary>The <c>paging.limit</c> (V3, references extension) or <c>limit</c> (<c>/data/find</c>) of a recorded adaptor call.</summary>
    private static int? AskedLimit(string path, string body)
    {
        var request = Request(path, body);
        var paging = request["query"]?["paging"] ?? request["paging"];
        return (paging?["limit"] ?? request["limit"])?.GetValue<int>();
    }

    private static int? AskedOffset(string body)
    {
        var request = Request("/v3/", body);
        return (request["query"]?["paging"] ?? request["paging"])?["offset"]?.GetValue<int>();
    }

    /// <summary>The request of a recorded call: a V3 call's signed <c>data.request</c>, a legacy call's JSON body.</summary>
    private static JsonNode Request(string path, string body) => path.StartsWith("/v3/", StringComparison.Ordinal)
        ? JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(body.Split('.')[1])))!["data"]!["request"]!
        : JsonNode.Parse(body)!;
}
