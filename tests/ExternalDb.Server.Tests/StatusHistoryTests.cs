using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>Status history and background checks: every check kept, connections checked again on a schedule, one server at a time.</summary>
public sealed class StatusHistoryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Dictionary<string, string?> FastChecks = new()
    {
        ["Probe:Interval"] = "00:00:01",
        ["Probe:FailureRetryDelay"] = "00:00:00.500",
    };

    private static string History(string name, string query = "") => RawApi.Path(name) + "/status-history" + query;

    private static async Task<JsonArray> ChecksAsync(HttpClient http, string name)
    {
        var response = await http.GetRawAsync(History(name, "?paging.limit=1000"));
        Assert.True(response.Status == 200, response.Body);
        return response.Json["checks"]!.AsArray();
    }

    private static async Task<JsonArray> WaitForChecksAsync(HttpClient http, string name, Func<JsonArray, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var checks = await ChecksAsync(http, name);
            if (condition(checks))
            {
                return checks;
            }
            Assert.True(DateTime.UtcNow < deadline, $"No {what} in the history within a minute: {checks.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static bool Successful(JsonNode? check) => check!["successful"]!.GetValue<bool>();

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task Background_checks_record_an_adaptor_going_down_and_coming_back(Registry registry)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var server = await ServerInstance.StartAsync(await RegistrySettings.ForAsync(registry, postgres, FastChecks));
        var http = server.AdminHttp();
        var name = Names.New("down-and-up");
        await http.CreateRawAsync(RawApi.CreateBody(name, adaptor.Endpoint, new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));

        adaptor.On("/provision", Answers.Status(503));
        await WaitForChecksAsync(http, name, c => c.Count > 0 && !Successful(c[0]), "failed check");
        adaptor.AsLegacy();
        var checks = await WaitForChecksAsync(http, name, c => c.Count > 0 && Successful(c[0]), "recovery");

        // Newest first: the recovery, the failures before it, and the check at creation last.
        var dates = checks.Select(c => DateTimeOffset.Parse(c!["checkedDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(dates.OrderByDescending(d => d), dates);
        Assert.True(Successful(checks[^1]));
        Assert.Equal("V1", checks[0]!["protocolVersion"]!.GetValue<string>());
        Assert.Equal("NONE", checks[0]!["causeOfFailure"]!.GetValue<string>());
        var failure = checks.First(c => !Successful(c));
        Assert.Equal("COMMUNICATION_FAILURE", failure!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("UNKNOWN", failure["protocolVersion"]!.GetValue<string>());
        Assert.Contains("503", failure["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(failure["latencyMs"]!.GetValue<long>() >= 0);
        var firstFailure = checks.Select((c, i) => (c, i)).Last(x => !Successful(x.c)).i;
        Assert.All(checks.Take(firstFailure).SkipWhile(Successful), c => Assert.False(Successful(c)));

        var connection = (await http.GetRawAsync(RawApi.Path(name))).Connection;
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>());

        // The SDK reads the same history.
        var page = await server.Client().ExternalDatabaseConnections.GetStatusHistoryAsync(name, new Client.Paging(Limit: 1000));
        Assert.True(page.Checks.Count >= checks.Count);
        Assert.Contains(page.Checks, c => !c.Successful && c.CauseOfFailure == Client.CauseOfFailure.CommunicationFailure && c.ProtocolVersion == Client.ProtocolVersion.Unknown);
        Assert.True(page.Checks[^1].Successful);
        Assert.Equal(Client.ProtocolVersion.V1, page.Checks[^1].ProtocolVersion);
        Assert.Equal(page.Checks.Count, page.PagingMetadata.Count);
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task Two_servers_on_one_registry_never_check_one_connection_at_the_same_moment(Registry registry)
    {
        var inFlight = new ConcurrentDictionary<string, int>();
        var most = new ConcurrentDictionary<string, int>();
        var total = 0;
        var mostOverall = 0;
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/provision", async (context, request, ct) =>
        {
            var id = request.Json["requestContext"]!["settings"]!["id"]!.GetValue<string>();
            var now = inFlight.AddOrUpdate(id, 1, (_, n) => n + 1);
            most.AddOrUpdate(id, now, (_, n) => Math.Max(n, now));
            var overall = Interlocked.Increment(ref total);
            Counters.RaiseTo(ref mostOverall, overall);
            try
            {
                await Task.Delay(300, ct);
            }
            finally
            {
                Interlocked.Decrement(ref total);
                inFlight.AddOrUpdate(id, 0, (_, n) => n - 1);
            }
            await Answers.Json("{}")(context, request, ct);
        });

        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-two-servers-").FullName;
        try
        {
            var settings = await RegistrySettings.ForAsync(registry, postgres,
                new Dictionary<string, string?>(FastChecks) { ["Storage:DataDirectory"] = dataDirectory, ["Probe:MaxConcurrentChecks"] = "2" });
            await using var first = await ServerInstance.StartAsync(settings);
            await using var second = await ServerInstance.StartAsync(settings);
            var http = first.AdminHttp();
            var names = Enumerable.Range(0, 6).Select(i => Names.New("leased-" + i)).ToList();
            for (var i = 0; i < names.Count; i++)
            {
                await http.CreateRawAsync(RawApi.CreateBody(names[i], adaptor.Endpoint, new JsonObject { ["id"] = "c" + i }, "STANDALONE"));
            }
            var checksAtStart = CheckLines(first);
            most.Clear();
            Interlocked.Exchange(ref mostOverall, 0);

            foreach (var name in names)
            {
                await WaitForChecksAsync(second.AdminHttp(), name, c => c.Count >= 4, "three background checks");
            }

            Assert.All(most, m => Assert.True(m.Value == 1, $"Connection {m.Key} was checked {m.Value} times at once"));
            Assert.InRange(mostOverall, 1, 4);
            // Both servers took part: without the lease they would have checked the same connections side by side.
            Assert.True(CheckLines(first) > checksAtStart, "The first server ran no background check");
            Assert.True(CheckLines(second) > 0, "The second server ran no background check");
        }
        finally
        {
            TempFiles.TryDelete(dataDirectory);
        }
    }

    private static int CheckLines(ServerInstance server) =>
        server.Logs.Lines.Count(l => l.Contains("Checked the adaptor of connection", StringComparison.Ordinal));


    [Fact]
    public async Task History_is_paged_newest_first_kept_to_its_retention_and_goes_with_its_connection()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Probe:Interval"] = "00:00:00",
            ["Probe:HistoryRetention"] = "3",
        });
        var http = server.AdminHttp();
        var name = Names.New("paged-history");
        await http.CreateRawAsync(RawApi.CreateBody(name, adaptor.Endpoint, new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));
        Assert.Single(await ChecksAsync(http, name));

        adaptor.On("/provision", Answers.Status(401));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(200, (await http.PostJsonAsync(RawApi.Path(name) + "/probe", null)).Status);
        }

        var first = await http.GetRawAsync(History(name, "?paging.limit=2"));
        Assert.Equal(200, first.Status);
        Assert.Equal(2, first.Json["checks"]!.AsArray().Count);
        var paging = first.Json["pagingMetadata"]!;
        Assert.Equal(3, paging["total"]!.GetValue<int>());
        Assert.Equal(2, paging["count"]!.GetValue<int>());
        Assert.True(paging["hasNext"]!.GetValue<bool>());
        var rest = await http.GetRawAsync("v1/external-database-connections/" + Uri.EscapeDataString(name) + "/status-history?paging.limit=2&paging.offset=2");
        Assert.Equal(200, rest.Status);
        Assert.False(rest.Json["pagingMetadata"]!["hasNext"]!.GetValue<bool>());
        // Only the three newest are kept: the successful check at creation is gone.
        var all = first.Json["checks"]!.AsArray().Concat(rest.Json["checks"]!.AsArray()).ToList();
        Assert.Equal(3, all.Count);
        Assert.All(all, c => Assert.Equal("UNAUTHORIZED", c!["causeOfFailure"]!.GetValue<string>()));

        Assert.Equal(200, (await http.DeleteRawAsync(RawApi.Path(name))).Status);
        ErrorAssert.Application(await http.GetRawAsync(History(name)), 404, "NOT_FOUND");
        adaptor.AsLegacy();
        await http.CreateRawAsync(RawApi.CreateBody(name, adaptor.Endpoint, new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));
        var anew = Assert.Single(await ChecksAsync(http, name));
        Assert.True(Successful(anew));
    }

    [Theory]
    [InlineData("?paging.limit=abc", "paging.limit")]
    [InlineData("?paging.limit=1001", "paging.limit")]
    [InlineData("?paging.limit=-1", "paging.limit")]
    [InlineData("?paging.offset=-1", "paging.offset")]
    [InlineData("?paging.offset=1.5", "paging.offset")]
    public async Task Bad_paging_is_a_400_naming_the_parameter(string query, string field)
    {
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?> { ["Probe:Interval"] = "00:00:00" });
        var http = server.AdminHttp();
        var name = Names.New("bad-paging");
        await http.CreateRawAsync(RawApi.CreateBody(name, Ports.ClosedEndpoint(), new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));
        ErrorAssert.Validation(await http.GetRawAsync(History(name, query)), field);
    }

    [Fact]
    public async Task History_needs_the_permission_to_get_a_connection()
    {
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?> { ["Probe:Interval"] = "00:00:00" });
        var admin = server.AdminHttp();
        var name = Names.New("history-permission");
        await admin.CreateRawAsync(RawApi.CreateBody(name, Ports.ClosedEndpoint(), new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));

        async Task<HttpClient> WithAsync(string permission)
        {
            var created = await admin.PostJsonAsync("v1/api-keys", new JsonObject { ["name"] = permission, ["permissions"] = new JsonArray(permission) }.ToJsonString());
            Assert.Equal(200, created.Status);
            return server.Http(created.Json["key"]!.GetValue<string>());
        }

        ErrorAssert.Application(await server.Http().GetRawAsync(History(name)), 401, "UNAUTHENTICATED");
        ErrorAssert.Application(await (await WithAsync("WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS")).GetRawAsync(History(name)), 403, "PERMISSION_DENIED");
        var allowed = await (await WithAsync("WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION")).GetRawAsync(History(name));
        Assert.Equal(200, allowed.Status);
        var check = Assert.Single(allowed.Json["checks"]!.AsArray());
        Assert.Equal("DESTINATION_HOST_UNREACHABLE", check!["causeOfFailure"]!.GetValue<string>());
    }
}
