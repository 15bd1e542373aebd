using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Creates racing for one name: the store, not the early check, decides.</summary>
public sealed class ConcurrencyTests(RegistryServers servers) : IClassFixture<RegistryServers>
{
    private const int Racers = 50;

    [Theory]
    [InlineData(Registry.Sqlite, false)]
    [InlineData(Registry.Sqlite, true)]
    [InlineData(Registry.Postgres, true)]
    public async Task Fifty_concurrent_creates_of_one_name_make_exactly_one_connection(Registry registry, bool mixLetterCase)
    {
        var server = await servers.GetAsync(registry);
        await using var adaptor = await FakeAdaptor.StartAsync();
        // A slow-ish adaptor keeps every racer past the early "name taken?" check before the first one is stored.
        adaptor.On("/provision", async (context, request, ct) =>
        {
            await Task.Delay(200, ct);
            await Answers.Json("{}")(context, request, ct);
        });
        adaptor.OnJson("/schemas/list", $$"""{"schemas": {{Answers.OneSchema}}}""");
        var http = server.AdminHttp();
        var before = await http.TotalAsync();
        var name = Names.New("race");
        using var start = new SemaphoreSlim(0);

        var racers = Enumerable.Range(0, Racers).Select(async i =>
        {
            var spelled = mixLetterCase && i % 2 == 1 ? name.ToUpperInvariant() : name;
            var body = new JsonObject
            {
                ["externalDatabaseConnection"] = new JsonObject
                {
                    ["name"] = spelled,
                    ["endpoint"] = adaptor.Endpoint,
                    ["configuration"] = new JsonObject { ["secretKey"] = $"racer-{i}" },
                },
            }.ToJsonString();
            await start.WaitAsync();
            return await http.PostJsonAsync(RawApi.Base, body);
        }).ToList();
        start.Release(Racers);
        var responses = await Task.WhenAll(racers);

        Assert.True(responses.Count(r => r.Status == 200) == 1,
            "Statuses: " + string.Join(", ", responses.GroupBy(r => r.Status).Select(g => $"{g.Key} x{g.Count()}")));
        var conflicts = responses.Where(r => r.Status != 200).ToList();
        Assert.Equal(Racers - 1, conflicts.Count);
        Assert.All(conflicts, r => ErrorAssert.Application(r, 409, "ALREADY_EXISTS"));
        Assert.Equal(before + 1, await http.TotalAsync());
        var winner = responses.Single(r => r.Status == 200).Connection;
        var stored = (await http.GetRawAsync(RawApi.Path(name))).Connection;
        Assert.Equal(winner["name"]!.GetValue<string>(), stored["name"]!.GetValue<string>());
        Assert.Equal(winner["configuration"]!.ToJsonString(), stored["configuration"]!.ToJsonString());
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_list_during_creates_counts_exactly_the_connections_it_shows(Registry registry)
    {
        var server = await servers.GetAsync(registry);
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.AsLegacy();
        var http = server.AdminHttp();
        using var done = new CancellationTokenSource();
        var creates = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
                {
                    var created = await http.PostJsonAsync(RawApi.Base, RawApi.CreateBody(Names.New("listed"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "s" }));
                    Assert.Equal(200, created.Status);
                });
            }
            finally
            {
                await done.CancelAsync();
            }
        });
        var mismatches = new List<string>();
        var lists = 0;
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var page = await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");
                Assert.Equal(200, page.Status);
                var shown = page.Json["externalDatabaseConnections"]!.AsArray().Count;
                var total = page.Json["pagingMetadata"]!["total"]!.GetValue<int>();
                Interlocked.Increment(ref lists);
                if (shown != total)
                {
                    lock (mismatches)
                    {
                        mismatches.Add($"{shown} shown of a total of {total}");
                    }
                }
            }
        })).ToList();

        await creates;
        await Task.WhenAll(readers);

        Assert.True(lists > 0);
        Assert.Empty(mismatches);
    }
}
