using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace ExternalDb.Bench;

/// <summary>
/// A large PostgreSQL collection: made through the adaptor (so it has the adaptor's layout), filled by binary COPY,
/// with an index on one field. Shows with EXPLAIN ANALYZE that the adaptor's query for an equality filter on that
/// field is an index scan (the filter is pushed down into SQL, nothing is filtered in the adaptor), and times it over HTTP.
/// </summary>
internal static class PushdownCheck
{
    private const int Codes = 100_000;
    private const int TimedRequests = 200;
    private const int UnindexedRequests = 3;

    private static readonly BenchTable Table = new("bench_big",
    [
        new("title", ColumnKind.Text, "TEXT"),
        new("price", ColumnKind.Number, "NUMBER"),
        new("category", ColumnKind.Text, "TEXT"),
        new("flag", ColumnKind.Boolean, "BOOLEAN"),
        new("code", ColumnKind.Text, "TEXT"),
    ]);

    private static string Code(int i) => "code-" + (i % Codes).ToString("D6", CultureInfo.InvariantCulture);

    private static JsonObject Query(string field, string value) => new()
    {
        ["collectionId"] = Table.Name,
        ["query"] = new JsonObject
        {
            ["filter"] = new JsonObject { [field] = new JsonObject { ["$eq"] = value } },
            ["paging"] = new JsonObject { ["limit"] = Scenarios.PageSize, ["offset"] = 0 },
        },
        ["consistentRead"] = false,
        ["returnTotalCount"] = true,
    };

    public static async Task RunAsync(AdaptorUnderTest adaptor, PostgresRawDriver raw, CpuMeter cpu, int rows, MarkdownReport report, CancellationToken ct)
    {
        report.Progress($"push-down: creating {Table.Name} through the adaptor and loading {rows:N0} rows by binary COPY");
        await adaptor.CallAsync("/v3/collections/create", Table.CreateRequest(), ct).ConfigureAwait(false);
        var copy = await TimeAsync(() => CopyAsync(raw, rows, ct)).ConfigureAwait(false);
        var index = await TimeAsync(() => raw.ExecuteAsync($"CREATE INDEX bench_big_code ON {Table.Quoted} (\"code\")", ct)).ConfigureAwait(false);
        var vacuum = await TimeAsync(() => raw.ExecuteAsync($"VACUUM ANALYZE {Table.Quoted}", ct)).ConfigureAwait(false);
        var size = await raw.ScalarTextAsync($"SELECT pg_size_pretty(pg_total_relation_size('{Table.Name}'))", ct).ConfigureAwait(false);
        var count = long.Parse(await raw.ScalarTextAsync($"SELECT COUNT(*) FROM {Table.Quoted}", ct).ConfigureAwait(false), CultureInfo.InvariantCulture);

        // The statements the adaptor sends for an equality filter on the indexed field, recorded from Npgsql's tracing.
        var probe = Code(4242);
        var expected = Enumerable.Range(0, rows).Count(i => i % Codes == 4242);
        var (indexedAnswer, indexedSql) = await CaptureAsync(adaptor, Query("code", probe), ct).ConfigureAwait(false);
        if (indexedAnswer["items"] is not JsonArray found || found.Count != Math.Min(expected, Scenarios.PageSize)
            || (long?)indexedAnswer["pagingMetadata"]?["total"] != expected)
        {
            throw new InvalidOperationException($"The query on code = {probe} did not answer {expected} items: {indexedAnswer["pagingMetadata"]?.ToJsonString()}");
        }
        var plans = new List<(string Sql, Plan Plan)>();
        foreach (var sql in indexedSql)
        {
            plans.Add((sql, await ExplainAsync(raw, sql, probe, ct).ConfigureAwait(false)));
        }
        var seqScans = plans.Where(p => p.Plan.NodeTypes.Any(t => t.EndsWith("Seq Scan", StringComparison.Ordinal))).ToList();

        // HTTP: the same filter over distinct codes, one request at a time.
        var bodies = Enumerable.Range(0, TimedRequests).Select(k => adaptor.Sign(Query("code", Code((int)(k * 7919L % Codes))))).ToArray();
        for (var k = 0; k < 20; k++)
        {
            await adaptor.PostAsync("/v3/items/query", bodies[k], ct).ConfigureAwait(false);
        }
        var http = await TimeEachAsync(cpu, TimedRequests, k => adaptor.PostAsync("/v3/items/query", bodies[k], ct)).ConfigureAwait(false);
        var direct = await TimeEachAsync(cpu, TimedRequests, async k =>
        {
            await using var connection = await raw.OpenAsync(ct).ConfigureAwait(false);
            var code = new RawParam(Code((int)(k * 7919L % Codes)), ColumnKind.Text);
            await raw.ReadRowsAsync(connection, null, indexedSql[0], [code, new(Scenarios.PageSize + 1L, ColumnKind.Number), new(0L, ColumnKind.Number)], ct).ConfigureAwait(false);
            await raw.ScalarAsync(connection, null, indexedSql[1], [code], ct).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // For contrast: the same shape of query on a field without an index.
        var title = "Big " + (rows / 2).ToString(CultureInfo.InvariantCulture);
        var (_, unindexedSql) = await CaptureAsync(adaptor, Query("title", title), ct).ConfigureAwait(false);
        var unindexedPlan = await ExplainAsync(raw, unindexedSql[0], title, ct).ConfigureAwait(false);
        var unindexedBodies = Enumerable.Range(0, UnindexedRequests).Select(_ => adaptor.Sign(Query("title", title))).ToArray();
        var unindexed = await TimeEachAsync(cpu, UnindexedRequests, k => adaptor.PostAsync("/v3/items/query", unindexedBodies[k], ct)).ConfigureAwait(false);

        report.Line($"### PostgreSQL: equality filter on an indexed column of a {rows:N0}-row table");
        report.Line();
        report.Line($"`{Table.Name}` was created through `/v3/collections/create` (the adaptor's layout: `_id` text primary key, system columns, one column per field) " +
                    $"and filled with {count:N0} rows by Npgsql binary COPY in {copy.TotalSeconds:0.0} s ({size} with indexes). " +
                    $"The adaptor has no index API (no `/v3/indexes/*`; spec §4.8 lists them as velo-only), so the harness made the index with SQL: " +
                    $"`CREATE INDEX bench_big_code ON \"bench_big\" (\"code\")` ({index.TotalSeconds:0.0} s), then `VACUUM ANALYZE` ({vacuum.TotalSeconds:0.0} s). " +
                    $"`code` has {Codes:N0} distinct values, {rows / Codes:N0} rows each.");
        report.Line();
        report.Line($"V3 request: `{{\"collectionId\":\"{Table.Name}\",\"query\":{{\"filter\":{{\"code\":{{\"$eq\":\"{probe}\"}}}},\"paging\":{{\"limit\":50,\"offset\":0}}}},\"returnTotalCount\":true}}` " +
                    $"→ {found.Count} items, total {expected}. The statements the adaptor sent (recorded from Npgsql's tracing) and `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` of each, with the same parameters:");
        report.Line();
        foreach (var (sql, plan) in plans)
        {
            report.Line("```");
            report.Line(sql);
            report.Line(string.Join("\n", plan.Lines));
            report.Line($"Planning {plan.PlanningMs:0.000} ms, execution {plan.ExecutionMs:0.000} ms");
            report.Line("```");
        }
        report.Line(seqScans.Count == 0
            ? "No `Seq Scan` node in either plan: the filter is pushed down and answered from the index."
            : $"WARNING: {seqScans.Count} plan(s) contain a Seq Scan.");
        report.Line();
        report.Table(["measured", "requests", "p50 ms", "p99 ms", "max ms", "other CPU %"],
        [
            [$"adaptor over HTTP, `code` = value (indexed), one at a time", TimedRequests.ToString(CultureInfo.InvariantCulture), MarkdownReport.Ms(http.P50), MarkdownReport.Ms(http.P99), MarkdownReport.Ms(http.Max), MarkdownReport.Percent(http.OtherCpu)],
            [$"the same two statements through Npgsql", TimedRequests.ToString(CultureInfo.InvariantCulture), MarkdownReport.Ms(direct.P50), MarkdownReport.Ms(direct.P99), MarkdownReport.Ms(direct.Max), MarkdownReport.Percent(direct.OtherCpu)],
            [$"adaptor over HTTP, `title` = value (no index: {string.Join(", ", unindexedPlan.NodeTypes.Where(t => t.Contains("Scan", StringComparison.Ordinal)).Distinct())})", UnindexedRequests.ToString(CultureInfo.InvariantCulture), MarkdownReport.Ms(unindexed.P50), "-", MarkdownReport.Ms(unindexed.Max), MarkdownReport.Percent(unindexed.OtherCpu)],
        ]);
        report.Line();
        report.Line($"For contrast, the adaptor's page statement for `title` = \"{title}\" (no index on `title`):");
        report.Line();
        report.Line("```");
        report.Line(string.Join("\n", unindexedPlan.Lines));
        report.Line($"Planning {unindexedPlan.PlanningMs:0.000} ms, execution {unindexedPlan.ExecutionMs:0.000} ms");
        report.Line("```");
        report.Line();
        if (seqScans.Count > 0)
        {
            throw new InvalidOperationException("The adaptor's query on an indexed column was planned with a Seq Scan.");
        }
    }

    private static async Task CopyAsync(PostgresRawDriver raw, int rows, CancellationToken ct)
    {
        var created = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var connection = await raw.DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var columns = string.Join(", ", Table.Columns.Where(c => c.Key != "_owner").Select(c => BenchTable.Quote(c.Key)));
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {Table.Quoted} ({columns}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
        for (var i = 0; i < rows; i++)
        {
            var at = created.AddMilliseconds(i);
            await writer.StartRowAsync(ct).ConfigureAwait(false);
            await writer.WriteAsync("big-" + i.ToString("D7", CultureInfo.InvariantCulture), NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(at, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
            await writer.WriteAsync(at, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
            await writer.WriteAsync("Big " + i.ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(Scenarios.Price(i), NpgsqlDbType.Double, ct).ConfigureAwait(false);
            await writer.WriteAsync(Scenarios.Category(i), NpgsqlDbType.Text, ct).ConfigureAwait(false);
            await writer.WriteAsync(i % 3 == 0, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
            await writer.WriteAsync(Code(i), NpgsqlDbType.Text, ct).ConfigureAwait(false);
        }
        await writer.CompleteAsync(ct).ConfigureAwait(false);
    }

    private static async Task<(JsonNode Answer, List<string> Statements)> CaptureAsync(AdaptorUnderTest adaptor, JsonObject request, CancellationToken ct)
    {
        using var capture = new SqlCapture();
        var answer = await adaptor.CallAsync("/v3/items/query", request, ct).ConfigureAwait(false);
        var statements = capture.Statements.Where(s => s.Contains(Table.Quoted, StringComparison.Ordinal)).ToList();
        if (statements.Count != 2)
        {
            throw new InvalidOperationException($"Expected a page and a count statement on {Table.Name}, saw: {string.Join(" | ", capture.Statements)}");
        }
        return (answer, statements);
    }

    private sealed record Plan(IReadOnlyList<string> Lines, IReadOnlyList<string> NodeTypes, double PlanningMs, double ExecutionMs);

    /// <summary>EXPLAIN ANALYZE of an adaptor statement with its parameters: the value, then LIMIT 51 OFFSET 0 for the page.</summary>
    private static async Task<Plan> ExplainAsync(PostgresRawDriver raw, string sql, string value, CancellationToken ct)
    {
        List<RawParam> ps = [new(value, ColumnKind.Text)];
        if (sql.Contains("LIMIT @p1", StringComparison.Ordinal))
        {
            ps.Add(new(Scenarios.PageSize + 1L, ColumnKind.Number));
            ps.Add(new(0L, ColumnKind.Number));
        }
        await using var connection = await raw.OpenAsync(ct).ConfigureAwait(false);
        await using var command = raw.Command(connection, null, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, ps);
        var json = Convert.ToString(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "[]";
        var root = JsonNode.Parse(json)![0]!;
        var lines = new List<string>();
        var types = new List<string>();
        Walk(root["Plan"]!, 0, lines, types);
        return new Plan(lines, types, (double?)root["Planning Time"] ?? double.NaN, (double?)root["Execution Time"] ?? double.NaN);
    }

    private static void Walk(JsonNode node, int depth, List<string> lines, List<string> types)
    {
        var type = ((bool?)node["Parallel Aware"] == true ? "Parallel " : "") + (string)node["Node Type"]!;
        types.Add(type);
        var text = type;
        if ((string?)node["Index Name"] is { } indexName)
        {
            text += " using " + indexName;
        }
        if ((string?)node["Relation Name"] is { } relation)
        {
            text += " on " + relation;
        }
        foreach (var key in new[] { "Index Cond", "Recheck Cond", "Filter", "Sort Key" })
        {
            if (node[key] is { } value)
            {
                text += $"  {key}: {(value is JsonArray a ? string.Join(", ", a.Select(x => (string?)x)) : (string?)value)}";
            }
        }
        text += string.Create(CultureInfo.InvariantCulture, $"  (actual rows={node["Actual Rows"]} loops={node["Actual Loops"]} time={node["Actual Total Time"]} ms");
        if (node["Shared Hit Blocks"] is { } hit)
        {
            text += $", buffers hit={hit} read={node["Shared Read Blocks"]}";
        }
        lines.Add(new string(' ', depth * 2) + "-> " + text + ")");
        if (node["Plans"] is JsonArray children)
        {
            foreach (var child in children)
            {
                Walk(child!, depth + 1, lines, types);
            }
        }
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> work)
    {
        var start = Stopwatch.GetTimestamp();
        await work().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    private static async Task<(double P50, double P99, double Max, double OtherCpu)> TimeEachAsync(CpuMeter cpu, int count, Func<int, Task> work)
    {
        var before = cpu.Take([]);
        var ticks = new long[count];
        for (var k = 0; k < count; k++)
        {
            var start = Stopwatch.GetTimestamp();
            await work(k).ConfigureAwait(false);
            ticks[k] = Stopwatch.GetTimestamp() - start;
        }
        var otherCpu = CpuMeter.Between(before, cpu.Take([]), adaptorInProcess: true).OtherShare;
        Array.Sort(ticks);
        return (LoadDriver.Percentile(ticks, 0.50), LoadDriver.Percentile(ticks, 0.99), LoadDriver.Percentile(ticks, 1.0), otherCpu);
    }
}
