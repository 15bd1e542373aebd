using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>
/// Three server processes on one fresh PostgreSQL registry database, with one admin key and one encryption key, and
/// raw HTTP clients for each.
/// </summary>
public sealed class ServerGroup : IAsyncDisposable
{
    public const string AdminKey = "edb_several-servers-admin-key-7c1e";

    private ServerGroup(IReadOnlyList<ServerProcess> servers)
    {
        Servers = servers;
        Http = [.. servers.Select(s => s.Http(AdminKey))];
    }

    public IReadOnlyList<ServerProcess> Servers { get; }

    public HttpClient[] Http { get; }

    /// <summary>Starts the three together (their migrations race on the empty registry), each with a data folder of its own.</summary>
    public static async Task<ServerGroup> StartAsync(PostgresFixture postgres, string root, string probeInterval, IReadOnlyDictionary<string, string>? settings = null)
    {
        var registry = await postgres.CreateDatabaseAsync("several_" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string>
        {
            ["Storage__Provider"] = "postgres",
            ["Storage__ConnectionString"] = registry,
            ["Storage__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["DemoAdaptor__Enabled"] = "false",
            ["Probe__Interval"] = probeInterval,
            ["Probe__FailureRetryDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            ServerProcess.StartAsync(Directory.CreateDirectory(Path.Combine(root, $"server-{Guid.NewGuid():N}")).FullName, AdminKey, environment)));
        return new ServerGroup(started) { Registry = registry };
    }

    /// <summary>The connection string of the servers' registry database.</summary>
    public required string Registry { get; init; }

    public async ValueTask DisposeAsync()
    {
        foreach (var http in Http)
        {
            http.Dispose();
        }
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>
/// The PostgreSQL cluster of <see cref="SeveralServersTests"/>, the reference adaptor (a process of its own over a SQLite
/// file), and three servers without background checks that the tests which need no checks share: a check drops the
/// checking server's cache entry too, which would hide whether a change made elsewhere was heard.
/// </summary>
public sealed class SeveralServersFixture : IAsyncLifetime
{
    public const string AdaptorSecret = "several-servers-adaptor-secret";

    private readonly string _root = Directory.CreateTempSubdirectory("externaldb-several-servers-").FullName;
    private readonly Lock _starting = new();
    private Task<ServerGroup>? _quiet;

    public PostgresFixture Postgres { get; } = new();

    public AdaptorProcess Adaptor { get; private set; } = null!;

    public string AdaptorEndpoint => Adaptor.BaseAddress.ToString().TrimEnd('/');

    public Task<ServerGroup> QuietServersAsync()
    {
        lock (_starting)
        {
            return _quiet ??= StartServersAsync("00:00:00");
        }
    }

    public Task<ServerGroup> StartServersAsync(string probeInterval, IReadOnlyDictionary<string, string>? settings = null) =>
        ServerGroup.StartAsync(Postgres, _root, probeInterval, settings);

    public async Task InitializeAsync() =>
        Adaptor = await AdaptorProcess.StartAsync(new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = "sqlite",
            ["Adaptor:ConnectionString"] = $"Data Source={Path.Combine(_root, "items.db")}",
            ["Adaptor:SecretKey"] = AdaptorSecret,
        });

    public async Task DisposeAsync()
    {
        if (_quiet is not null)
        {
            await _quiet.ContinueWith(_ => { }, TaskScheduler.Default);
            if (_quiet.IsCompletedSuccessfully)
            {
                await (await _quiet).DisposeAsync();
            }
        }
        if (Adaptor is not null)
        {
            await Adaptor.DisposeAsync();
        }
        await ((IAsyncLifetime)Postgres).DisposeAsync();
        TempFiles.TryDelete(_root);
    }
}

/// <summary>
/// Three server processes on one PostgreSQL registry, in front of the reference adaptor: requests alternate across
/// them and every answer agrees; caches follow changes made by another server at once (well within the 30 s after
/// which they would read the registry again anyway); racing creates have one winner; background checks of a
/// connection are shared, one server at a time.
/// </summary>
public sealed partial class SeveralServersTests(SeveralServersFixture fixture) : IClassFixture<SeveralServersFixture>
{
    private const string AdaptorSecret = SeveralServersFixture.AdaptorSecret;

    /// <summary>How long a change may take to reach the other servers' caches; their time bounds are 30 s.</summary>
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(5);

    private HttpClient[] _http = [];

    private async Task UseAsync(Task<ServerGroup> servers) => _http = (await servers).Http;

    private string AdaptorEndpoint => fixture.AdaptorEndpoint;

    private static string ConnectionBody(string name, string endpoint, string secret) =>
        RawApi.CreateBody(name, endpoint, new JsonObject { ["secretKey"] = secret }, "STANDALONE");

    [Fact]
    public async Task Requests_alternating_across_three_servers_get_the_same_answers()
    {
        await UseAsync(fixture.QuietServersAsync());
        var ready = await SameEverywhereAsync(http => http.GetRawAsync("readyz"), 200, "readiness");
        Assert.Equal("ready", ready.Json["status"]!.GetValue<string>());
        var name = Names.New("shared");
        var collection = name + "/things";
        Assert.True((await _http[0].CreateRawAsync(ConnectionBody(name, AdaptorEndpoint, AdaptorSecret)))["connectionStatus"]!["successful"]!.GetValue<bool>());
        await SameEverywhereAsync(http => http.GetRawAsync(RawApi.Path(name)), 200, "the new connection");

        var created = await _http[1].PostJsonAsync("wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = collection,
                ["fields"] = new JsonArray(new JsonObject { ["key"] = "title", ["type"] = "TEXT" }, new JsonObject { ["key"] = "n", ["type"] = "NUMBER" }),
            },
        }.ToJsonString());
        Assert.True(created.Status == 200, created.Body);
        await SameEverywhereAsync(http => http.GetRawAsync("wix-data/v2/collections/" + collection), 200, "the new collection");

        // Item writes alternate; every server reads each one back the same.
        for (var i = 0; i < 7; i++)
        {
            var insert = await _http[i % 3].PostJsonAsync("wix-data/v2/items", new JsonObject
            {
                ["dataCollectionId"] = collection,
                ["dataItem"] = new JsonObject { ["id"] = $"item-{i}", ["data"] = new JsonObject { ["title"] = $"title {i}", ["n"] = i } },
            }.ToJsonString());
            Assert.True(insert.Status == 200, insert.Body);
        }
        var update = await _http[2].PostJsonAsync("wix-data/v2/items/update", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["dataItem"] = new JsonObject { ["id"] = "item-3", ["data"] = new JsonObject { ["title"] = "changed", ["n"] = 30 } },
        }.ToJsonString());
        Assert.True(update.Status == 200, update.Body);
        var removed = await _http[0].DeleteRawAsync($"wix-data/v2/items/item-5?dataCollectionId={Uri.EscapeDataString(collection)}");
        Assert.True(removed.Status == 200, removed.Body);
        var item3 = await SameEverywhereAsync(http => http.GetRawAsync($"wix-data/v2/items/item-3?dataCollectionId={Uri.EscapeDataString(collection)}"), 200, "item-3");
        Assert.Equal("changed", item3.Json["dataItem"]!["data"]!["title"]!.GetValue<string>());
        await SameEverywhereAsync(http => http.GetRawAsync($"wix-data/v2/items/item-5?dataCollectionId={Uri.EscapeDataString(collection)}"), 404, "the removed item-5");

        // A cursor walk whose pages come from the three servers in turn: every item once, none twice.
        var seen = new List<string>();
        string? cursor = null;
        for (var page = 0; page == 0 || cursor is not null; page++)
        {
            Assert.True(page < 10, "The cursor walk did not end");
            var paging = cursor is null ? new JsonObject { ["limit"] = 2 } : new JsonObject { ["limit"] = 2, ["cursor"] = cursor };
            var query = new JsonObject { ["cursorPaging"] = paging };
            if (cursor is null)
            {
                query["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "n", ["order"] = "ASC" });
            }
            var answer = await _http[page % 3].PostJsonAsync("wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = collection, ["query"] = query }.ToJsonString());
            Assert.True(answer.Status == 200, answer.Body);
            seen.AddRange(answer.Json["dataItems"]!.AsArray().Select(item => item!["id"]!.GetValue<string>()));
            cursor = answer.Json["pagingMetadata"]?["cursors"]?["next"]?.GetValue<string>();
        }
        Assert.Equal(new[] { "item-0", "item-1", "item-2", "item-4", "item-6", "item-3" }, seen);

        // A connection changed on one server: the others use the new configuration at once (a wrong secret, then the right one).
        await ReplaceAsync(_http[1], name, "not-the-adaptors-secret");
        var refused = await SameEverywhereAsync(QueryOf(collection), status: null, "the query with a wrong secret");
        Assert.NotEqual(200, refused.Status);
        await ReplaceAsync(_http[2], name, AdaptorSecret);
        await SameEverywhereAsync(QueryOf(collection), 200, "the query with the right secret again");

        // A collection deleted through one server is gone from the others' schema caches.
        var dropped = await _http[0].DeleteRawAsync("wix-data/v2/collections/" + collection);
        Assert.True(dropped.Status == 200, dropped.Body);
        await SameEverywhereAsync(http => http.GetRawAsync("wix-data/v2/collections/" + collection), 404, "the deleted collection");

        // A connection deleted on one server ends data calls on every server.
        Assert.Equal(200, (await _http[2].DeleteRawAsync(RawApi.Path(name))).Status);
        await SameEverywhereAsync(http => http.GetRawAsync(RawApi.Path(name)), 404, "the deleted connection");
        await SameEverywhereAsync(QueryOf(collection), 404, "a data call on the deleted connection");
    }

    [Fact]
    public async Task Fifty_creates_of_one_name_racing_on_three_servers_have_one_winner()
    {
        await UseAsync(fixture.QuietServersAsync());
        await using var adaptor = await FakeAdaptor.StartAsync();
        // A slow-ish adaptor keeps every racer past the early "name taken?" check: the registry's unique key decides.
        adaptor.On("/provision", async (context, request, ct) =>
        {
            await Task.Delay(200, ct);
            await Answers.Json("{}")(context, request, ct);
        });
        adaptor.OnJson("/schemas/list", $$"""{"schemas": {{Answers.OneSchema}}}""");
        var name = Names.New("race");
        using var start = new SemaphoreSlim(0);
        var racers = Enumerable.Range(0, 50).Select(async i =>
        {
            await start.WaitAsync();
            return await _http[i % 3].PostJsonAsync(RawApi.Base, ConnectionBody(i % 2 == 0 ? name : name.ToUpperInvariant(), adaptor.Endpoint, $"racer-{i}"));
        }).ToList();
        start.Release(50);
        var responses = await Task.WhenAll(racers);

        Assert.True(responses.Count(r => r.Status == 200) == 1,
            "Statuses: " + string.Join(", ", responses.GroupBy(r => r.Status).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.All(responses.Where(r => r.Status != 200), r => ErrorAssert.Application(r, 409, "ALREADY_EXISTS"));
        var winner = responses.Single(r => r.Status == 200).Connection;
        var stored = await SameEverywhereAsync(http => http.GetRawAsync(RawApi.Path(name)), 200, "the winner");
        Assert.Equal(winner["configuration"]!.ToJsonString(), stored.Connection["configuration"]!.ToJsonString());
    }

    [Fact]
    public async Task Background_checks_on_three_servers_record_an_adaptor_going_down_and_coming_back_one_check_at_a_time()
    {
        await using var servers = await fixture.StartServersAsync(probeInterval: "00:00:01");
        _http = servers.Http;
        var inFlight = 0;
        var mostAtOnce = 0;
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var failing = false;
        adaptor.On("/provision", async (context, request, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            Counters.RaiseTo(ref mostAtOnce, now);
            try
            {
                await Task.Delay(300, ct);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
            await (Volatile.Read(ref failing) ? Answers.Status(503) : Answers.Json("{}"))(context, request, ct);
        });
        var name = Names.New("watched");
        await _http[0].CreateRawAsync(ConnectionBody(name, adaptor.Endpoint, "s"));

        Volatile.Write(ref failing, true);
        await WaitForHistoryAsync(name, checks => checks.Count > 0 && !Successful(checks[0]), "a failed check");
        Volatile.Write(ref failing, false);
        var checks = await WaitForHistoryAsync(name, c => c.Count >= 8 && Successful(c[0]), "the recovery after several checks");

        Assert.Contains(checks, c => !Successful(c) && c!["causeOfFailure"]!.GetValue<string>() == "COMMUNICATION_FAILURE");
        Assert.True(mostAtOnce == 1, $"The connection was checked {mostAtOnce} times at once");
        var checkers = servers.Servers.Count(s => s.Output.Contains("Checked the adaptor of connection " + name, StringComparison.Ordinal));
        Assert.True(checkers >= 2, $"Only {checkers} of the three servers ran the checks");
        // Every server serves the same history.
        var history = $"{RawApi.Path(name)}/status-history?paging.limit=3";
        await SameEverywhereAsync(http => http.GetRawAsync(history), 200, "the status history");
    }

    private static Func<HttpClient, Task<RawResponse>> QueryOf(string collection) =>
        http => http.PostJsonAsync("wix-data/v2/items/query", new JsonObject { ["dataCollectionId"] = collection }.ToJsonString());

    private async Task ReplaceAsync(HttpClient http, string name, string secret)
    {
        var replaced = await http.PutJsonAsync(RawApi.Path(name), new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject { ["name"] = name, ["endpoint"] = AdaptorEndpoint, ["configuration"] = new JsonObject { ["secretKey"] = secret } },
        }.ToJsonString());
        Assert.True(replaced.Status == 200, replaced.Body);
    }

    /// <summary>What must agree: a success's body, or an error's status and code (its body names the request).</summary>
    private static string Comparable(RawResponse response) =>
        response.Status == 200
            ? response.Body
            : $"{response.Status} {(response.ContentType?.Contains("json", StringComparison.Ordinal) == true ? response.Json["details"]?["applicationError"]?["code"]?.ToJsonString() : null)}";

    /// <summary>
    /// Asks every server until all give the same answer with <paramref name="status"/> (any, when null), for at most
    /// <see cref="Propagation"/>; fails with the last answers otherwise.
    /// </summary>
    private async Task<RawResponse> SameEverywhereAsync(Func<HttpClient, Task<RawResponse>> ask, int? status, string what)
    {
        var deadline = DateTime.UtcNow + Propagation;
        while (true)
        {
            var answers = await Task.WhenAll(_http.Select(ask));
            if (answers.All(a => Comparable(a) == Comparable(answers[0])) && (status is null || answers[0].Status == status))
            {
                return answers[0];
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"The servers did not agree on {what} within {Propagation.TotalSeconds} s:\n" + string.Join("\n", answers.Select(a => $"{a.Status} {a.Body}")));
            await Task.Delay(100);
        }
    }

    private async Task<JsonArray> WaitForHistoryAsync(string name, Func<JsonArray, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        for (var i = 0; ; i++)
        {
            var response = await _http[i % 3].GetRawAsync($"{RawApi.Path(name)}/status-history?paging.limit=1000");
            Assert.True(response.Status == 200, response.Body);
            var checks = response.Json["checks"]!.AsArray();
            if (condition(checks))
            {
                return checks;
            }
            Assert.True(DateTime.UtcNow < deadline, $"No {what} in the history within a minute: {checks.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static bool Successful(JsonNode? check) => check!["successful"]!.GetValue<bool>();
}
