using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// Hostile text and numbers are refused at reading, before any adaptor call; bulk calls larger than one adaptor call
/// are split and answered in order. Against a real server and a fake V3 adaptor that records what reaches it.
/// </summary>
public sealed class GatewayInputTests(GatewayInputTests.FakeV3Gateway shared) : IClassFixture<GatewayInputTests.FakeV3Gateway>
{
    private const string Collection = "input/things";

    /// <summary>A server with one V3 connection, <c>input</c>, to a <see cref="FakeV3Adaptor"/>, shared by the tests that change nothing.</summary>
    public sealed class FakeV3Gateway : IAsyncLifetime
    {
        public GatewayServer Server { get; private set; } = null!;

        public FakeV3Adaptor Fake { get; private set; } = null!;

        public async Task InitializeAsync() => (Server, Fake) = await StartAsync();

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await Fake.DisposeAsync();
        }
    }

    private static async Task<(GatewayServer Server, FakeV3Adaptor Fake)> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var server = await GatewayServer.StartAsync(settings);
        var fake = await FakeV3Adaptor.StartAsync();
        var created = await server.CreateConnectionAsync("input", null, "WIX_SERVICE_PLUGIN");
        fake.Trust(created["publicKey"]!.GetValue<string>(), created["applicationId"]!.GetValue<string>());
        await server.UpdateConnectionAsync("input", fake.BaseUrl);
        fake.Seed(new JsonObject { ["_id"] = "seed", ["title"] = "kept", ["price"] = 1 });
        return (server, fake);
    }

    private static async Task<(int Status, JsonObject Body)> SendAsync(HttpClient http, HttpMethod method, string path, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject());
    }

    private static void AssertNamesField(int status, JsonObject body, string field)
    {
        Assert.True(status == 400, $"HTTP {status}: {body.ToJsonString()}");
        var violations = body["details"]!["validationError"]!["fieldViolations"]!.AsArray();
        Assert.Contains(violations, v => v!["field"]!.GetValue<string>() == field);
    }

    /// <summary>Request bodies with a placeholder <c>BAD</c> where the hostile value goes, and the field a 400 must name.</summary>
    public static TheoryData<string, string, string> Requests() => new()
    {
        { "wix-data/v2/items", """{"dataCollectionId": "input/things", "dataItem": {"data": {"title": BAD}}}""", "dataItem.data.title" },
        { "wix-data/v2/items", """{"dataCollectionId": "input/things", "dataItem": {"id": "n1", "data": {"nested": {"list": [1, BAD]}}}}""", "dataItem.data.nested.list[1]" },
        { "wix-data/v2/items/update", """{"dataCollectionId": "input/things", "dataItem": {"id": "seed", "data": {"price": BAD}}}""", "dataItem.data.price" },
        { "wix-data/v2/items/save", """{"dataCollectionId": "input/things", "dataItem": {"id": "seed", "data": {"price": BAD}}}""", "dataItem.data.price" },
        { "wix-data/v2/bulk/items/insert", """{"dataCollectionId": "input/things", "dataItems": [{"data": {"title": "fine"}}, {"data": {"price": BAD}}]}""", "dataItems[1].data.price" },
        { "wix-data/v2/bulk/items/update", """{"dataCollectionId": "input/things", "dataItems": [{"id": "seed", "data": {"price": BAD}}]}""", "dataItems[0].data.price" },
        { "wix-data/v2/bulk/items/save", """{"dataCollectionId": "input/things", "dataItems": [{"id": "seed", "data": {"price": BAD}}]}""", "dataItems[0].data.price" },
        { "wix-data/v2/items/query", """{"dataCollectionId": "input/things", "query": {"filter": {"price": {"$gt": BAD}}}}""", "query.filter.price.$gt" },
        { "wix-data/v2/items/count", """{"dataCollectionId": "input/things", "filter": {"$and": [{"price": BAD}]}}""", "filter.$and[0].price" },
        { "wix-data/v2/items/aggregate", """{"dataCollectionId": "input/things", "aggregation": {"operations": [{"resultFieldName": "n", "itemCount": {}}]}, "finalFilter": {"n": BAD}}""", "finalFilter.n" },
        { "wix-data/v2/items/query-distinct-values", """{"dataCollectionId": "input/things", "fieldName": "title", "filter": {"title": BAD}}""", "filter.title" },
        { "wix-data/v2/collections", """{"collection": {"id": "input/other", "fields": [{"key": "k", "type": "TEXT", "displayName": BAD}]}}""", "collection.fields[0].displayName" },
    };

    public static TheoryData<string, string, string, string> HostileRequests()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var (path, body, field) in Requests().Select(r => ((string)r[0], (string)r[1], (string)r[2])))
        {
            data.Add("lone high surrogate", path, body.Replace("BAD", "\"a\\ud800\"", StringComparison.Ordinal), field);
            data.Add("lone low surrogate", path, body.Replace("BAD", "\"\\udc00b\"", StringComparison.Ordinal), field);
            data.Add("invalid UTF-8", path, body.Replace("BAD", "\"a\u00ff\u00feb\"", StringComparison.Ordinal), field);
            data.Add("1e400", path, body.Replace("BAD", "1e400", StringComparison.Ordinal), field);
            data.Add("-1e400", path, body.Replace("BAD", "-1e400", StringComparison.Ordinal), field);
        }
        return data;
    }

    /// <summary>"invalid UTF-8" bodies carry the bytes FF FE, written here as the Latin-1 characters of those bytes.</summary>
    private static byte[] Bytes(string kind, string body) => kind == "invalid UTF-8" ? Encoding.Latin1.GetBytes(body) : Encoding.UTF8.GetBytes(body);

    [Theory]
    [MemberData(nameof(HostileRequests))]
    public async Task Invalid_text_or_a_number_beyond_a_double_is_a_400_naming_the_field_before_any_adaptor_call(string kind, string path, string body, string field)
    {
        var (server, fake) = (shared.Server, shared.Fake);
        var (_, warm) = await GatewayServer.GetAsync(server.Admin, $"wix-data/v2/items/seed?dataCollectionId={Collection}");
        Assert.Equal(1, warm["dataItem"]!["data"]!["price"]!.GetValue<int>());
        var before = fake.Calls.Count;

        var (status, answer) = await SendAsync(server.Admin, HttpMethod.Post, path, Bytes(kind, body));

        AssertNamesField(status, answer, field);
        Assert.Equal(before, fake.Calls.Count);
        var (_, kept) = await GatewayServer.GetAsync(server.Admin, $"wix-data/v2/items/seed?dataCollectionId={Collection}");
        Assert.Equal(1, kept["dataItem"]!["data"]!["price"]!.GetValue<int>());
        Assert.Single(fake.Calls.Skip(before), c => c.Path == "items/query");
    }

    [Fact]
    public async Task A_lone_surrogate_in_the_GET_form_of_a_query_is_a_400_naming_the_field()
    {
        var (server, fake) = (shared.Server, shared.Fake);
        var before = fake.Calls.Count;
        var message = Encoding.UTF8.GetBytes("""{"dataCollectionId": "input/things", "query": {"filter": {"title": "\udc00"}}}""");
        var encoded = Convert.ToBase64String(message).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var (status, answer) = await SendAsync(server.Admin, HttpMethod.Get, "wix-data/v2/items/query?.r=" + encoded, null);

        AssertNamesField(status, answer, "query.filter.title");
        Assert.DoesNotContain(fake.Calls.Skip(before), c => c.Path.StartsWith("items/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forged_cursor_holding_a_lone_surrogate_is_a_400()
    {
        var (server, fake) = (shared.Server, shared.Fake);
        var before = fake.Calls.Count;
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"v":1,"c":"input/things","k":"query","o":0,"l":10,"r":{"filter":{"title":"\ud800"}}}"""))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = Collection,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["cursor"] = cursor } },
        });

        AssertNamesField(status, answer, "query.cursorPaging.cursor");
        Assert.DoesNotContain(fake.Calls.Skip(before), c => c.Path.StartsWith("items/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"groupingFields": ["title", "price", "title"], "operations": []}""", "aggregation.groupingFields")]
    [InlineData("""{"groupingFields": ["title"], "operations": [{"resultFieldName": "title", "itemCount": {}}]}""", "aggregation.operations[0].resultFieldName")]
    [InlineData("""{"operations": [{"resultFieldName": "n", "itemCount": {}}, {"resultFieldName": "n", "sum": {"itemFieldName": "price"}}]}""", "aggregation.operations[1].resultFieldName")]
    public async Task An_aggregation_naming_a_field_twice_is_a_400_naming_where_before_any_adaptor_call(string aggregation, string field)
    {
        // Found by the hostile-request suite: a grouping field listed twice reached a V2 adaptor's processing step as a
        // duplicate JSON key and answered 500.
        var (server, fake) = (shared.Server, shared.Fake);
        var before = fake.Calls.Count;

        var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/aggregate", new JsonObject
        {
            ["dataCollectionId"] = Collection,
            ["aggregation"] = JsonNode.Parse(aggregation),
        });

        AssertNamesField(status, answer, field);
        Assert.DoesNotContain(fake.Calls.Skip(before), c => c.Path.StartsWith("items/", StringComparison.Ordinal));
    }

    private static JsonArray LargeItems(int count, int textLength) =>
        [.. Enumerable.Range(0, count).Select(i => (JsonNode?)new JsonObject
        {
            ["id"] = $"big-{i:000}",
            ["data"] = new JsonObject { ["title"] = new string((char)('a' + (i % 26)), textLength), ["price"] = i },
        })];

    [Fact]
    public async Task A_bulk_insert_larger_than_one_adaptor_call_is_split_and_answered_in_the_original_order()
    {
        var (server, fake) = await StartAsync(new Dictionary<string, string?> { ["Gateway:MaxAdaptorRequestBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using (server)
        await using (fake)
        {
            var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/bulk/items/insert", new JsonObject
            {
                ["dataCollectionId"] = Collection,
                ["dataItems"] = LargeItems(30, 100_000),
            });

            Assert.True(status == 200, answer.ToJsonString()[..Math.Min(2000, answer.ToJsonString().Length)]);
            var results = answer["results"]!.AsArray();
            Assert.Equal(30, results.Count);
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal(i, results[i]!["itemMetadata"]!["originalIndex"]!.GetValue<int>());
                Assert.Equal($"big-{i:000}", results[i]!["itemMetadata"]!["id"]!.GetValue<string>());
                Assert.True(results[i]!["itemMetadata"]!["success"]!.GetValue<bool>());
            }
            Assert.Equal(30, answer["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
            var inserts = fake.Calls.Select((c, i) => (c, Length: fake.TokenLengths[i])).Where(x => x.c.Path == "items/insert").ToList();
            Assert.True(inserts.Count >= 3, $"{inserts.Count} insert calls");
            Assert.Equal(30, inserts.Sum(x => x.c.Request["items"]!.AsArray().Count));
            Assert.All(inserts, x => Assert.True(x.c.Request.ToJsonString().Length <= 1024 * 1024, $"{x.c.Request.ToJsonString().Length} bytes in one call"));
            // Items went out in order, so the adaptor wrote them in the order they were sent.
            Assert.Equal([.. Enumerable.Range(0, 30).Select(i => $"big-{i:000}")],
                inserts.SelectMany(x => x.c.Request["items"]!.AsArray().Select(item => item!["_id"]!.GetValue<string>())).ToList());
        }
    }

    [Fact]
    public async Task A_later_part_of_a_split_bulk_that_fails_marks_its_entries_and_the_unsent_ones_and_keeps_the_written_ones()
    {
        var (server, fake) = await StartAsync(new Dictionary<string, string?> { ["Gateway:MaxAdaptorRequestBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using (server)
        await using (fake)
        {
            fake.FailingInsertCall = 2;

            var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/bulk/items/insert", new JsonObject
            {
                ["dataCollectionId"] = Collection,
                ["dataItems"] = LargeItems(30, 100_000),
            });

            Assert.Equal(200, status);
            var results = answer["results"]!.AsArray().Select(r => r!["itemMetadata"]!).ToList();
            var firstCall = fake.Calls.First(c => c.Path == "items/insert").Request["items"]!.AsArray().Count;
            Assert.InRange(firstCall, 1, 29);
            Assert.All(results.Take(firstCall), r => Assert.True(r["success"]!.GetValue<bool>()));
            Assert.All(results.Skip(firstCall), r => Assert.False(r["success"]!.GetValue<bool>()));
            Assert.Contains("may not be written", results[^1]["error"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(firstCall, answer["bulkActionMetadata"]!["totalSuccesses"]!.GetValue<int>());
            Assert.Equal(2, fake.Calls.Count(c => c.Path == "items/insert"));
        }
    }

    [Fact]
    public async Task A_request_larger_than_one_adaptor_call_that_cannot_be_split_is_a_400_before_any_call()
    {
        var (server, fake) = await StartAsync(new Dictionary<string, string?> { ["Gateway:MaxAdaptorRequestBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using (server)
        await using (fake)
        {
            var (status, answer) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/query", new JsonObject
            {
                ["dataCollectionId"] = Collection,
                ["query"] = new JsonObject { ["filter"] = new JsonObject { ["title"] = new string('x', 1_200_000) } },
            });

            AssertNamesField(status, answer, "body");
            Assert.DoesNotContain(fake.Calls, c => c.Path == "items/query");
        }
    }
}
