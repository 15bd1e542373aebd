using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.Bench;

/// <summary>One scenario at one concurrency: the adaptor over HTTP and the raw driver, measured in alternating rounds.</summary>
/// <param name="Retries">How often the adaptor ran an operation again during the measured runs (deadlock or similar).</param>
internal sealed record ComparedRun(string Scenario, int Concurrency, RunResult Adaptor, RunResult Raw, int Retries)
{
    public double ThroughputRatio => Adaptor.RequestsPerSecond / Raw.RequestsPerSecond;

    public double LatencyRatio => Adaptor.P50Ms / Raw.P50Ms;
}

/// <summary>Everything measured on one engine.</summary>
internal static class EngineBench
{
    private const int SeedBatch = 500;

    public static async Task<IReadOnlyList<ComparedRun>> RunAsync(string engine, BenchOptions options, MarkdownReport report, CancellationToken ct)
    {
        TemporaryPostgres? postgres = null;
        TemporaryMariaDb? mariaDb = null;
        string? sqliteDirectory = null;
        try
        {
            string connectionString;
            if (engine == "postgres")
            {
                report.Progress("starting a throwaway PostgreSQL cluster");
                postgres = await TemporaryPostgres.StartAsync(ct).ConfigureAwait(false);
                connectionString = await postgres.CreateDatabaseAsync("bench").ConfigureAwait(false);
            }
            else if (engine == "mysql")
            {
                report.Progress("starting a throwaway MariaDB server");
                mariaDb = await TemporaryMariaDb.StartAsync(ct).ConfigureAwait(false);
                connectionString = await mariaDb.CreateDatabaseAsync("bench").ConfigureAwait(false);
            }
            else
            {
                sqliteDirectory = Directory.CreateTempSubdirectory("extdb-bench-").FullName;
                connectionString = $"Data Source={Path.Combine(sqliteDirectory, "bench.db")}";
            }
            await using var adaptor = await AdaptorUnderTest.StartAsync(engine, connectionString, ct).ConfigureAwait(false);
            await using RawDriver raw = engine switch
            {
                "postgres" => new PostgresRawDriver(connectionString),
                "mysql" => new MySqlRawDriver(connectionString),
                _ => new SqliteRawDriver(connectionString),
            };
            var cpu = new CpuMeter(engine switch
            {
                "postgres" => await PostmasterPidAsync(raw, ct).ConfigureAwait(false),
                "mysql" => mariaDb!.ServerProcessId,
                _ => null,
            });
            return await MeasureAsync(engine, adaptor, raw, cpu, options, report, ct).ConfigureAwait(false);
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync().ConfigureAwait(false);
            }
            if (mariaDb is not null)
            {
                await mariaDb.DisposeAsync().ConfigureAwait(false);
            }
            if (sqliteDirectory is not null)
            {
                try
                {
                    Directory.Delete(sqliteDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>The PostgreSQL server's main process, whose CPU (and its children's) counts as the benchmark's own.</summary>
    private static async Task<int?> PostmasterPidAsync(RawDriver raw, CancellationToken ct)
    {
        var dataDirectory = await raw.ScalarTextAsync("SHOW data_directory", ct).ConfigureAwait(false);
        try
        {
            var firstLine = (await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"), ct).ConfigureAwait(false))[0];
            return int.Parse(firstLine, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static async Task<IReadOnlyList<ComparedRun>> MeasureAsync(string engine, AdaptorUnderTest adaptor, RawDriver raw, CpuMeter cpu, BenchOptions options,
        MarkdownReport report, CancellationToken ct)
    {
        var items = BenchTable.Items("bench_items", raw.Shape);
        var inserts = BenchTable.Items("bench_inserts", raw.Shape);
        var version = engine switch
        {
            "postgres" => "PostgreSQL " + await raw.ScalarTextAsync("SHOW server_version", ct).ConfigureAwait(false),
            "mysql" => "MariaDB " + await raw.ScalarTextAsync("SELECT VERSION()", ct).ConfigureAwait(false),
            _ => "SQLite " + await raw.ScalarTextAsync("SELECT sqlite_version()", ct).ConfigureAwait(false),
        };

        report.Progress($"{version}: creating collections and seeding {options.Rows:N0} rows through the adaptor");
        await adaptor.CallAsync("/v3/collections/create", items.CreateRequest(), ct).ConfigureAwait(false);
        await adaptor.CallAsync("/v3/collections/create", inserts.CreateRequest(), ct).ConfigureAwait(false);
        for (var first = 0; first < options.Rows; first += SeedBatch)
        {
            var batch = Enumerable.Range(first, Math.Min(SeedBatch, options.Rows - first)).Select(i => (JsonNode)Scenarios.SeedItem(i)).ToArray();
            var answer = await adaptor.CallAsync("/v3/items/insert", new JsonObject { ["collectionId"] = items.Name, ["items"] = new JsonArray(batch) }, ct).ConfigureAwait(false);
            if (answer["results"] is not JsonArray results || results.Count != batch.Length || results.Any(r => r?["error"] is not null))
            {
                throw new InvalidOperationException("Seeding failed: " + answer.ToJsonString()[..Math.Min(400, answer.ToJsonString().Length)]);
            }
        }
        // The adaptor creates no secondary index (there is no index API), so the harness adds the one the filtered query needs.
        await raw.ExecuteAsync($"CREATE INDEX bench_items_category ON {items.Quoted} ({raw.IndexedText(items.Q("category"))})", ct).ConfigureAwait(false);
        await raw.ExecuteAsync(raw.Analyze(items), ct).ConfigureAwait(false);

        var scenarios = Scenarios.All(raw, items, inserts, options.Rows);
        var statementCheck = await CheckStatementsAsync(adaptor, raw, scenarios, items, ct).ConfigureAwait(false);

        report.Line($"### {engine switch { "postgres" => "PostgreSQL", "mysql" => "MySQL engine", _ => "SQLite" }} ({version})");
        report.Line();
        report.Line(engine switch
        {
            "postgres" => "Throwaway cluster from TestSupport's `TemporaryPostgres` on 127.0.0.1 (fsync, synchronous_commit and full_page_writes off); the adaptor and the raw driver each use one pooled NpgsqlDataSource.",
            "mysql" => "Throwaway server from TestSupport's `TemporaryMariaDb` on 127.0.0.1 (innodb_flush_log_at_trx_commit=0, doublewrite off, 64 MiB buffer pool); the adaptor and the raw driver each use one pooled MySqlDataSource and set the same session on every opening.",
            _ => "A SQLite file in the temp folder, WAL journal (the adaptor sets it); the adaptor and the raw driver use the same connection string (Microsoft.Data.Sqlite pooling).",
        });
        report.Line($"`{items.Name}`: {options.Rows:N0} rows seeded through the adaptor, plus an index on `category` made with SQL" +
                    (engine == "mysql" ? " (on its first 64 characters: InnoDB cannot index a whole LONGTEXT)" : "") +
                    $". Inserts go to `{inserts.Name}`, emptied before each run.");
        report.Line(statementCheck);
        report.Line();

        report.Progress("starting the adaptor as a process of its own");
        await using var replica = await adaptor.StartProcessAsync(maxPoolSize: null, options.AdaptorEnvironment, ct).ConfigureAwait(false);
        var measured = scenarios.Where(s => options.Only.Count == 0 || options.Only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase))).ToList();
        await WarmAsync(adaptor, replica, raw, cpu, measured, options, report, ct).ConfigureAwait(false);
        var runs = new List<ComparedRun>();
        foreach (var scenario in measured)
        {
            foreach (var concurrency in options.Concurrency)
            {
                var retriesBefore = replica.Retries;
                var adaptorRounds = new List<RunResult>();
                var rawRounds = new List<RunResult>();
                var slice = options.Duration / options.Rounds;
                for (var round = 0; round < options.Rounds; round++)
                {
                    var warmup = round == 0 ? options.Warmup : options.Warmup / 2;
                    report.Progress($"{scenario.Name}, concurrency {concurrency}, round {round + 1}: adaptor");
                    adaptorRounds.Add(await RunAdaptorAsync(adaptor, replica, raw, cpu, scenario, concurrency, warmup, slice, ct).ConfigureAwait(false));
                    report.Progress($"{scenario.Name}, concurrency {concurrency}, round {round + 1}: raw driver");
                    rawRounds.Add(await RunRawAsync(raw, cpu, scenario, scenario.Raw, concurrency, warmup, slice, ct).ConfigureAwait(false));
                }
                var run = new ComparedRun(scenario.Name, concurrency, RunResult.Combine(adaptorRounds), RunResult.Combine(rawRounds), replica.Retries - retriesBefore);
                report.Progress($"adaptor {MarkdownReport.Rate(run.Adaptor.RequestsPerSecond)}/s p50 {MarkdownReport.Ms(run.Adaptor.P50Ms)} ms {MarkdownReport.Ms(run.Adaptor.AdaptorCpuMs)} CPU ms/req, " +
                                $"raw {MarkdownReport.Rate(run.Raw.RequestsPerSecond)}/s p50 {MarkdownReport.Ms(run.Raw.P50Ms)} ms, ratio {MarkdownReport.Ratio(run.ThroughputRatio)}, " +
                                $"errors {run.Adaptor.Errors}/{run.Raw.Errors}, retries {run.Retries}");
                runs.Add(run);
            }
        }
        if (runs.Count > 0)
        {
            ReportRuns(runs, report);
        }

        if (engine == "postgres" && (options.Only.Count == 0 || options.Only.Any(o => o.Contains("gateway", StringComparison.OrdinalIgnoreCase))))
        {
            await GatewayPath.RunAsync(adaptor, raw, cpu, scenarios, options, report, ct).ConfigureAwait(false);
        }

        if (engine == "postgres" && options.PoolSizes.Count > 0)
        {
            await PoolSweepAsync(adaptor, raw, cpu, scenarios, options, report, ct).ConfigureAwait(false);
        }

        await BreakdownAsync(adaptor, replica, raw, cpu, items, options, report, ct).ConfigureAwait(false);

        if (engine == "postgres" && options.BigRows > 0)
        {
            await PushdownCheck.RunAsync(adaptor, (PostgresRawDriver)raw, cpu, options.BigRows, report, ct).ConfigureAwait(false);
        }
        return runs;
    }

    private static void ReportRuns(List<ComparedRun> runs, MarkdownReport report)
    {
        report.Table(
            ["scenario", "conc.", "adaptor req/s", "raw req/s", "req/s adaptor/raw", "adaptor p50 ms", "adaptor p99 ms", "raw p50 ms", "raw p99 ms",
             "adaptor CPU ms/req", "DB CPU ms/req (adaptor)", "raw CPU ms/req", "DB CPU ms/req (raw)", "errors (adaptor/raw)", "retries", "other CPU % (adaptor/raw)"],
            runs.Select(r => (IReadOnlyList<string>)
            [
                r.Scenario, r.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MarkdownReport.Rate(r.Adaptor.RequestsPerSecond), MarkdownReport.Rate(r.Raw.RequestsPerSecond), MarkdownReport.Ratio(r.ThroughputRatio),
                MarkdownReport.Ms(r.Adaptor.P50Ms), MarkdownReport.Ms(r.Adaptor.P99Ms), MarkdownReport.Ms(r.Raw.P50Ms), MarkdownReport.Ms(r.Raw.P99Ms),
                MarkdownReport.Ms(r.Adaptor.AdaptorCpuMs), MarkdownReport.Ms(r.Adaptor.DatabaseCpuMs), MarkdownReport.Ms(r.Raw.HarnessCpuMs), MarkdownReport.Ms(r.Raw.DatabaseCpuMs),
                $"{r.Adaptor.Errors} / {r.Raw.Errors}", r.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{MarkdownReport.Percent(r.Adaptor.OtherCpu)} / {MarkdownReport.Percent(r.Raw.OtherCpu)}",
            ]));
        report.Line();
        report.Line("CPU per request: \"adaptor\" is the adaptor process (HTTP, JWT verification, JSON, SQL building, the driver); \"raw\" is this harness " +
                    "on the raw path (the driver and the load loops); \"DB\" is the database server's processes on each path (0 for SQLite, which runs inside them). " +
                    "Retries: operations the adaptor ran again after a deadlock or similar (its `externaldb.adaptor.retries`, counted from its log).");
        foreach (var failed in runs.Where(r => r.Adaptor.Errors + r.Raw.Errors > 0))
        {
            report.Line();
            report.Line($"Errors in {failed.Scenario} at {failed.Concurrency}: adaptor `{failed.Adaptor.FirstError}`, raw `{failed.Raw.FirstError}`.");
        }
        report.Line();
    }

    /// <summary>
    /// PostgreSQL and MySQL: runs each scenario once through the adaptor while recording what the driver sends, and
    /// compares the statements on the scenario's table with the ones the raw side runs. Every engine: checks both sides' answers.
    /// </summary>
    private static async Task<string> CheckStatementsAsync(AdaptorUnderTest adaptor, RawDriver raw, IReadOnlyList<Scenario> scenarios, BenchTable items, CancellationToken ct)
    {
        var mismatches = new StringBuilder();
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var catalogRuns = 0;
        foreach (var scenario in scenarios)
        {
            IReadOnlyList<string> sent;
            using (var capture = raw is SqliteRawDriver ? null : new SqlCapture())
            {
                scenario.CheckAnswer(0, await adaptor.CallAsync(scenario.Path, scenario.Request(0), ct).ConfigureAwait(false));
                sent = capture?.Statements ?? [];
            }
            await raw.BeforeRunAsync(scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
            await scenario.Raw(raw, 0, ct).ConfigureAwait(false);
            if (raw is SqliteRawDriver)
            {
                continue;
            }
            var tablePrefix = items.Q("bench_")[..^1];
            var onTable = sent.Where(s => s.Contains(tablePrefix, StringComparison.Ordinal)).ToList();
            var other = sent.Except(onTable).ToList();
            unknown.UnionWith(other.Where(s => !raw.CatalogStatements.Contains(s) && !raw.SessionStatements.Contains(s)));
            catalogRuns += raw.CatalogStatements.All(other.Contains) ? 1 : 0;
            if (!onTable.SequenceEqual(scenario.Statements, StringComparer.Ordinal))
            {
                mismatches.Append($"\n{scenario.Name}: the adaptor sent\n  {string.Join("\n  ", onTable)}\nthe harness runs\n  {string.Join("\n  ", scenario.Statements)}");
            }
        }
        if (raw is SqliteRawDriver)
        {
            return "Both sides' answers were checked before timing (the right items, totals and per-item results). SQLite has no statement tracing, so its SQL is the same builder with SqliteDialect's ORDER BY terms.";
        }
        if (mismatches.Length > 0 || unknown.Count > 0)
        {
            throw new InvalidOperationException("The raw statements differ from the adaptor's:" + mismatches +
                (unknown.Count > 0 ? "\nOther statements the adaptor sent: " + string.Join(" | ", unknown) : ""));
        }
        var driver = raw is MySqlRawDriver ? "MySqlConnector" : "Npgsql";
        var session = raw.SessionStatements.Count > 0 ? " and the session settings both sides send on every opening" : "";
        return $"Both sides' answers were checked before timing, and {driver}'s tracing showed that the adaptor's statements on the table are, text for text, the ones the raw side runs. " +
               $"Its only other statements are its {raw.CatalogStatements.Count}-statement catalog look-up, which ran in {catalogRuns} of the {scenarios.Count} checked calls{session}.";
    }

    private static async Task<RunResult> RunAdaptorAsync(AdaptorUnderTest adaptor, AdaptorReplica replica, RawDriver raw, CpuMeter cpu, Scenario scenario, int concurrency,
        TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        await raw.BeforeRunAsync(scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
        using var bodies = new SignedBodies(adaptor, scenario.Request, scenario.Variants);
        bodies.KeepFresh();
        var errorMarker = "\"error\""u8.ToArray();
        return await LoadDriver.RunAsync(async (worker, iteration, token) =>
        {
            var answer = await replica.PostAsync(scenario.Path, bodies[scenario.Variant(worker, iteration, concurrency)], token).ConfigureAwait(false);
            if (scenario.Writes && answer.AsSpan().IndexOf(errorMarker) >= 0)
            {
                throw new InvalidOperationException("per-item error: " + Encoding.UTF8.GetString(answer, 0, Math.Min(300, answer.Length)));
            }
        }, concurrency, warmup, duration, cpu, [replica.ProcessId], ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A new adaptor process compiles its code as it meets it, and again, optimized, once it is hot (tiered compilation):
    /// every scenario runs through it (unmeasured) before any is measured, so that its CPU per request is the steady
    /// state's rather than the compiler's.
    /// </summary>
    private static async Task WarmAsync(AdaptorUnderTest adaptor, AdaptorReplica replica, RawDriver raw, CpuMeter cpu, IReadOnlyList<Scenario> scenarios,
        BenchOptions options, MarkdownReport report, CancellationToken ct)
    {
        report.Progress("warming the adaptor process up");
        var warmup = TimeSpan.FromTicks(Math.Max(options.Warmup.Ticks, TimeSpan.TicksPerSecond));
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var scenario in scenarios)
            {
                await RunAdaptorAsync(adaptor, replica, raw, cpu, scenario, options.Concurrency.Max(), TimeSpan.Zero, warmup, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The adaptor's pool size (<c>Adaptor:MaxPoolSize</c>) against throughput, latency and CPU at the highest
    /// concurrency, on the PostgreSQL scenarios; one adaptor process per size, sizes interleaved round by round.
    /// </summary>
    private static async Task PoolSweepAsync(AdaptorUnderTest adaptor, RawDriver raw, CpuMeter cpu, IReadOnlyList<Scenario> scenarios, BenchOptions options,
        MarkdownReport report, CancellationToken ct)
    {
        var concurrency = options.Concurrency.Max();
        var measured = scenarios.Where(s => s.Name is "query by _id" or "50-row filtered query + total" or "count with a filter" or "insert 100 items" or "update 100 items").ToList();
        var results = options.PoolSizes.ToDictionary(p => p, _ => measured.ToDictionary(s => s.Name, _ => new List<RunResult>()));
        var slice = options.Duration / options.Rounds;
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var pool in options.PoolSizes)
            {
                report.Progress($"pool size {pool}, round {round + 1}");
                await using var replica = await adaptor.StartProcessAsync(pool, options.AdaptorEnvironment, ct).ConfigureAwait(false);
                await WarmAsync(adaptor, replica, raw, cpu, measured, options, report, ct).ConfigureAwait(false);
                foreach (var scenario in measured)
                {
                    results[pool][scenario.Name].Add(await RunAdaptorAsync(adaptor, replica, raw, cpu, scenario, concurrency, options.Warmup, slice, ct).ConfigureAwait(false));
                }
            }
        }
        report.Line($"#### PostgreSQL: the adaptor's pool size at concurrency {concurrency}");
        report.Line();
        report.Line($"One adaptor process per `Adaptor:MaxPoolSize`, the sizes interleaved in {options.Rounds} round(s); the rows of each scenario side by side.");
        report.Line();
        report.Table(["scenario", "pool size", "req/s", "p50 ms", "p99 ms", "adaptor CPU ms/req", "DB CPU ms/req", "errors", "other CPU %"],
            measured.SelectMany(s => options.PoolSizes.Select(p =>
            {
                var r = RunResult.Combine(results[p][s.Name]);
                return (IReadOnlyList<string>)
                [
                    s.Name, p.ToString(System.Globalization.CultureInfo.InvariantCulture), MarkdownReport.Rate(r.RequestsPerSecond), MarkdownReport.Ms(r.P50Ms),
                    MarkdownReport.Ms(r.P99Ms), MarkdownReport.Ms(r.AdaptorCpuMs), MarkdownReport.Ms(r.DatabaseCpuMs), r.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    MarkdownReport.Percent(r.OtherCpu),
                ];
            })));
        report.Line();
    }

    private static async Task<RunResult> RunRawAsync(RawDriver raw, CpuMeter cpu, Scenario scenario, Func<RawDriver, int, CancellationToken, Task> work, int concurrency,
        TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        await raw.BeforeRunAsync(scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
        return await LoadDriver.RunAsync((worker, iteration, token) => work(raw, scenario.Variant(worker, iteration, concurrency), token),
            concurrency, warmup, duration, cpu, [], ct).ConfigureAwait(false);
    }

    /// <summary>Where the adaptor's time goes: a call with no database work, and the catalog look-up alone.</summary>
    private static async Task BreakdownAsync(AdaptorUnderTest adaptor, AdaptorReplica replica, RawDriver raw, CpuMeter cpu, BenchTable items, BenchOptions options, MarkdownReport report, CancellationToken ct)
    {
        var duration = TimeSpan.FromTicks(Math.Max(options.Duration.Ticks / 2, TimeSpan.TicksPerSecond));
        var capabilities = Scenarios.Capabilities();
        capabilities.CheckAnswer(0, await adaptor.CallAsync(capabilities.Path, capabilities.Request(0), ct).ConfigureAwait(false));
        await Scenarios.CatalogLookup(items)(raw, 0, ct).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var concurrency in options.Concurrency)
        {
            report.Progress($"breakdown, concurrency {concurrency}");
            var empty = await RunAdaptorAsync(adaptor, replica, raw, cpu, capabilities, concurrency, options.Warmup, duration, ct).ConfigureAwait(false);
            var catalog = await RunRawAsync(raw, cpu, capabilities, Scenarios.CatalogLookup(items), concurrency, options.Warmup, duration, ct).ConfigureAwait(false);
            rows.Add(Row("HTTP + ES256 verification + JSON, no database (`/v3/capabilities/get` through the adaptor)", concurrency, empty));
            rows.Add(Row($"the adaptor's catalog look-up alone ({raw.CatalogStatements.Count} statements describing the collection, through the raw driver)", concurrency, catalog));
        }
        report.Line("Where the adaptor's time goes: every V3 call pays the first row on top of the raw statements; the second is paid by calls that do not find the collection's description in the adaptor's cache (if it has one; see the statement check above):");
        report.Line();
        report.Table(["measured", "conc.", "req/s", "p50 ms", "p99 ms", "CPU ms/req (adaptor or harness)", "errors", "other CPU %"], rows);
        report.Line();
    }

    private static IReadOnlyList<string> Row(string what, int concurrency, RunResult r) =>
    [
        what, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), MarkdownReport.Rate(r.RequestsPerSecond),
        MarkdownReport.Ms(r.P50Ms), MarkdownReport.Ms(r.P99Ms), MarkdownReport.Ms(double.IsNaN(r.AdaptorCpuMs) ? r.HarnessCpuMs : r.AdaptorCpuMs),
        r.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture), MarkdownReport.Percent(r.OtherCpu),
    ];
}
