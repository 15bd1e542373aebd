using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>What Wix's SDK expects of every answer: a request id, and the site hosts' <c>/_api/cloud-data</c> prefix.</summary>
public sealed class WixTransportTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string RequestIdHeader = "X-Wix-Request-Id";
    private readonly ServerInstance _server = fixture.Server;

    public static TheoryData<string, string, int> Answers => new()
    {
        { "GET", "healthz", 200 },
        { "GET", RawApi.Base, 200 },
        { "GET", RawApi.Path("no-such-connection"), 404 },
        { "POST", RawApi.Base, 400 },
        { "GET", "wix-data/v2/no-such-route", 404 },
        { "PATCH", "wix-data/v2/items/query", 404 },
        { "POST", "wix-data/v2/items/query", 400 },
        { "POST", "wix-data/v2/bulk/items/async-patch-by-filter", 501 },
        { "POST", "wix-data/v2/bulk/items/async-remove-by-filter", 501 },
        { "GET", "wix-data/v2/async-jobs/j-1/status", 501 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Every_answer_carries_a_request_id(string method, string path, int status)
    {
        var response = await _server.AdminHttp().SendRawAsync(new HttpMethod(method), path, method == "GET" ? null : "{}");

        Assert.Equal(status, response.Status);
        Assert.True(response.Headers.TryGetValue(RequestIdHeader, out var id) && id.Length > 0, $"no {RequestIdHeader}: {response.Body}");
        if (status >= 400)
        {
            // The same id in the error body, where a caller without the headers (a log line, a support ticket) finds it.
            Assert.Equal(id, response.Json["requestId"]?.GetValue<string>());
        }
    }

    [Fact]
    public async Task An_answer_to_a_caller_without_a_key_carries_a_request_id_too()
    {
        var response = await _server.Http().GetRawAsync(RawApi.Base);

        ErrorAssert.Application(response, 401, "UNAUTHENTICATED");
        Assert.Equal(response.Headers[RequestIdHeader], response.Json["requestId"]?.GetValue<string>());
    }

    [Fact]
    public async Task Each_request_has_its_own_id()
    {
        var http = _server.AdminHttp();
        var ids = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await http.GetRawAsync("healthz")).Headers[RequestIdHeader]);
        }

        Assert.Equal(5, ids.Count);
    }

    [Fact]
    public async Task The_site_host_prefix_serves_the_connections_and_data_apis()
    {
        var http = _server.AdminHttp();
        var name = Names.New("cloud");

        var created = await http.PostJsonAsync("_api/cloud-data/v1/external-database-connections",
            $$"""{"externalDatabaseConnection": {"name": "{{name}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");
        var fetched = await http.GetRawAsync(RawApi.Path(name));
        var collections = await http.GetRawAsync("_api/cloud-data/v2/collections");
        var unknownCollection = await http.PostJsonAsync("_api/cloud-data/v2/items/query", """{"dataCollectionId": "nobody/nothing"}""");
        var viaWixData = await http.PostJsonAsync("wix-data/v2/items/query", """{"dataCollectionId": "nobody/nothing"}""");

        Assert.True(created.Status == 200, created.Body);
        Assert.Equal(200, fetched.Status);
        Assert.True(collections.Status == 200, collections.Body);
        Assert.NotNull(collections.Json["collections"]);
        Assert.Equal(viaWixData.Status, unknownCollection.Status);
        Assert.Equal(viaWixData.Json["details"]?.ToJsonString(), unknownCollection.Json["details"]?.ToJsonString());
    }

    [Fact]
    public async Task Outside_its_versions_the_site_host_prefix_serves_nothing()
    {
        var response = await _server.AdminHttp().GetRawAsync("_api/cloud-data/healthz");

        ErrorAssert.Application(response, 404, "NOT_FOUND");
    }
}
