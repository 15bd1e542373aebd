using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.Bench;

/// <summary>
/// The data gateway's cost: the same requests through the ExternalDb server (<c>/wix-data/v2</c>, a WIX_SERVICE_PLUGIN
/// connection to the adaptor) and straight to the adaptor (V3, signed by the harness), in alternating rounds, against two
/// adaptor processes configured alike over the same database, one trusting the server's connection key, the other the
/// harness's (one process trusting both would try the wrong key first on one of the paths). The server runs as a process
/// of its own (the built <c>ExternalDb.Server.dll</c>, its own data folder), so that its CPU and memory are metered apart.
/// </summary>
internal static class GatewayPath
{
    private const string ConnectionName = "bench";

    /// <summary>The scenarios measured on both paths: the single-item calls the gateway's targets name, and a page with its total.</summary>
    private static readonly string[] Measured = ["query by _id", "insert 1 item", "50-row filtered query + total"];

    private sealed record GatewayRun(string Scenario, int Concurrency, RunResult Gateway, RunResult Direct)
    {
        /// <summary>Server + adaptor CPU per request through the gateway, over the adaptor's alone on the direct path.</summary>
        public double CpuRatio => (Gateway.GatewayCpuMs + Gateway.AdaptorCpuMs) / Direct.AdaptorCpuMs;
    }

    public static async Task RunAsync(AdaptorUnderTest adaptor, RawDriver raw, CpuMeter cpu, IReadOnlyList<Scenario> scenarios, BenchOptions options,
        MarkdownReport report, CancellationToken ct)
    {
        var measured = scenarios.Where(s => Measured.Contains(s.Name)).ToList();
        var dataDirectory = Directory.CreateTempSubdirectory("extdb-bench-server-").FullName;
        var adminKey = "edb_bench_" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        try
        {
            report.Progress("starting the ExternalDb server as a process of its own");
            await using var server = await AdaptorProcess.StartAsync(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Auth:BootstrapAdminKey"] = adminKey,
                ["DemoAdaptor:Enabled"] = "false",
                // A cold adaptor process on a busy machine may take more than the default 5 s to answer its first check.
                ["Probe:Timeout"] = "00:00:30",
                ["Logging:LogLevel:Default"] = "Warning",
            }, environment: options.ServerEnvironment, program: "ExternalDb.Server.dll", ct: ct).ConfigureAwait(false);
            using var http = AdaptorUnderTest.Client(server.BaseAddress);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);

            var created = await SendAsync(http, HttpMethod.Post, "v1/external-database-connections",
                new JsonObject { ["externalDatabaseConnection"] = new JsonObject { ["name"] = ConnectionName }, ["connectionType"] = "WIX_SERVICE_PLUGIN" }, ct).ConfigureAwait(false);
            var connection = created["externalDatabaseConnection"]!;
            var applicationId = connection["applicationId"]!.GetValue<string>();
            var publicKey = connection["publicKey"]!.GetValue<string>();

            report.Progress("starting an adaptor process for the server's connection and one for the harness");
            await using var replica = await adaptor.StartProcessAsync(maxPoolSize: null, options.AdaptorEnvironment, ct, new Dictionary<string, string?>
            {
                ["Adaptor:Audience"] = applicationId,
                ["Adaptor:JwtPublicKeys:0"] = publicKey,
            }).ConfigureAwait(false);
            await using var direct = await adaptor.StartProcessAsync(maxPoolSize: null, options.AdaptorEnvironment, ct).ConfigureAwait(false);
            var updated = await SendAsync(http, HttpMethod.Put, $"v1/external-database-connections/{ConnectionName}",
                new JsonObject { ["externalDatabaseConnection"] = new JsonObject { ["name"] = ConnectionName, ["endpoint"] = replica.BaseAddress.ToString().TrimEnd('/') } }, ct).ConfigureAwait(false);
            if (updated["externalDatabaseConnection"]?["connectionStatus"]?["successful"]?.GetValue<bool>() != true)
            {
                throw new InvalidOperationException("The server's check of the adaptor failed: " + updated.ToJsonString());
            }

            var paths = measured.Select(s => new Paths(s, adaptor)).ToList();
            foreach (var path in paths)
            {
                await raw.BeforeRunAsync(path.Scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
                path.CheckGatewayAnswer(JsonNode.Parse(await PostAsync(http, path.GatewayPath, path.GatewayBody(0), ct).ConfigureAwait(false))!);
            }

            report.Progress("warming the server and the adaptor up");
            var warmup = TimeSpan.FromTicks(Math.Max(options.Warmup.Ticks, TimeSpan.TicksPerSecond));
            for (var pass = 0; pass < 2; pass++)
            {
                foreach (var path in paths)
                {
                    await RunGatewayAsync(http, server, replica, raw, cpu, path, options.Concurrency.Max(), TimeSpan.Zero, warmup, ct).ConfigureAwait(false);
                    await RunDirectAsync(direct, raw, cpu, path, options.Concurrency.Max(), TimeSpan.Zero, warmup, ct).ConfigureAwait(false);
                }
            }

            var runs = new List<GatewayRun>();
            foreach (var path in paths)
            {
                foreach (var concurrency in options.Concurrency)
                {
                    var gatewayRounds = new List<RunResult>();
                    var directRounds = new List<RunResult>();
                    var slice = options.Duration / options.Rounds;
                    for (var round = 0; round < options.Rounds; round++)
                    {
                        var warm = round == 0 ? options.Warmup : options.Warmup / 2;
                        report.Progress($"gateway: {path.Scenario.Name}, concurrency {concurrency}, round {round + 1}: through the server");
                        gatewayRounds.Add(await RunGatewayAsync(http, server, replica, raw, cpu, path, concurrency, warm, slice, ct).ConfigureAwait(false));
                        report.Progress($"gateway: {path.Scenario.Name}, concurrency {concurrency}, round {round + 1}: straight to the adaptor");
                        directRounds.Add(await RunDirectAsync(direct, raw, cpu, path, concurrency, warm, slice, ct).ConfigureAwait(false));
                    }
                    var run = new GatewayRun(path.Scenario.Name, concurrency, RunResult.Combine(gatewayRounds), RunResult.Combine(directRounds));
                    report.Progress($"through the server {MarkdownReport.Rate(run.Gateway.RequestsPerSecond)}/s p50 {MarkdownReport.Ms(run.Gateway.P50Ms)} ms, " +
                                    $"direct {MarkdownReport.Rate(run.Direct.RequestsPerSecond)}/s p50 {MarkdownReport.Ms(run.Direct.P50Ms)} ms, CPU ratio {MarkdownReport.Ratio(run.CpuRatio)}");
                    runs.Add(run);
                }
            }
            var memory = CpuMeter.ResidentMiB(server.ProcessId);

            report.Line("#### PostgreSQL: through the data gateway");
            report.Line();
            report.Line($"The same requests through the ExternalDb server (`/wix-data/v2`, API key, a WIX_SERVICE_PLUGIN connection; the server's own process and data folder) " +
                        $"and straight to the adaptor (V3 bodies signed by the harness before the run), alternating in {options.Rounds} round(s), against two adaptor processes " +
                        "configured alike over the same database, one trusting the server's connection key, the other the harness's. CPU per request: the server's and the adaptor's processes.");
            report.Line();
            report.Table(
                ["scenario", "conc.", "gateway req/s", "direct req/s", "req/s gateway/direct", "gateway p50 ms", "direct p50 ms", "p50 added ms", "gateway p99 ms", "direct p99 ms",
                 "server CPU ms/req", "adaptor CPU ms/req (gateway)", "adaptor CPU ms/req (direct)", "CPU (server + adaptor) / adaptor direct", "errors (gateway/direct)", "other CPU % (gateway/direct)"],
                runs.Select(r => (IReadOnlyList<string>)
                [
                    r.Scenario, r.Concurrency.ToString(CultureInfo.InvariantCulture),
                    MarkdownReport.Rate(r.Gateway.RequestsPerSecond), MarkdownReport.Rate(r.Direct.RequestsPerSecond), MarkdownReport.Ratio(r.Gateway.RequestsPerSecond / r.Direct.RequestsPerSecond),
                    MarkdownReport.Ms(r.Gateway.P50Ms), MarkdownReport.Ms(r.Direct.P50Ms), MarkdownReport.Ms(r.Gateway.P50Ms - r.Direct.P50Ms),
                    MarkdownReport.Ms(r.Gateway.P99Ms), MarkdownReport.Ms(r.Direct.P99Ms),
                    MarkdownReport.Ms(r.Gateway.GatewayCpuMs), MarkdownReport.Ms(r.Gateway.AdaptorCpuMs), MarkdownReport.Ms(r.Direct.AdaptorCpuMs), MarkdownReport.Ratio(r.CpuRatio),
                    $"{r.Gateway.Errors} / {r.Direct.Errors}", $"{MarkdownReport.Percent(r.Gateway.OtherCpu)} / {MarkdownReport.Percent(r.Direct.OtherCpu)}",
                ]));
            report.Line();
            report.Line(memory is { } m
                ? $"Server memory: {m.Peak.ToString("0", CultureInfo.InvariantCulture)} MiB resident at most (VmHWM, over the whole run, warm-up included), {m.Now.ToString("0", CultureInfo.InvariantCulture)} MiB at the end" +
                  (options.ServerEnvironment.Count > 0 ? " (server environment: " + string.Join(", ", options.ServerEnvironment.Select(v => $"`{v.Key}={v.Value}`")) + ")." : ".")
                : "Server memory: unknown (no /proc).");
            foreach (var failed in runs.Where(r => r.Gateway.Errors + r.Direct.Errors > 0))
            {
                report.Line();
                report.Line($"Errors in {failed.Scenario} at {failed.Concurrency}: gateway `{failed.Gateway.FirstError}`, direct `{failed.Direct.FirstError}`.");
            }
            report.Line();
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>One scenario's requests on both paths: the V3 bodies and their Wix Data equivalents.</summary>
    private sealed class Paths
    {
        private readonly byte[][] _gatewayBodies;

        public Paths(Scenario scenario, AdaptorUnderTest adaptor)
        {
            Scenario = scenario;
            Adaptor = adaptor;
            var collectionId = scenario.Request(0)["collectionId"]!.GetValue<string>();
            var single = scenario.Path == "/v3/items/insert";
            GatewayPath = single ? "wix-data/v2/items" : "wix-data/v2/items/query";
            _gatewayBodies = [.. Enumerable.Range(0, scenario.Variants).Select(k =>
            {
                var v3 = scenario.Request(k);
                var body = new JsonObject { ["dataCollectionId"] = $"{ConnectionName}/{collectionId}" };
                if (single)
                {
                    body["dataItem"] = new JsonObject { ["data"] = v3["items"]!.AsArray().Single()!.DeepClone() };
                }
                else
                {
                    body["query"] = v3["query"]!.DeepClone();
                    body["returnTotalCount"] = v3["returnTotalCount"]?.DeepClone() ?? false;
                }
                return Encoding.UTF8.GetBytes(body.ToJsonString());
            })];
        }

        public Scenario Scenario { get; }

        public AdaptorUnderTest Adaptor { get; }

        public string GatewayPath { get; }

        public byte[] GatewayBody(int variant) => _gatewayBodies[variant];

        /// <summary>Throws unless the gateway answered what the adaptor did: the item inserted, or the page (and total).</summary>
        public void CheckGatewayAnswer(JsonNode answer)
        {
            var ok = Scenario.Path == "/v3/items/insert"
                ? answer["dataItem"]?["id"] is not null
                : answer["dataItems"] is JsonArray { Count: > 0 } items
                  && (Scenario.Name != "query by _id" || items.Count == 1);
            if (!ok)
            {
                throw new InvalidOperationException($"The gateway's answer to {Scenario.Name} is not the expected one: {answer.ToJsonString()[..Math.Min(400, answer.ToJsonString().Length)]}");
            }
        }
    }

    private static async Task<RunResult> RunGatewayAsync(HttpClient http, AdaptorProcess server, AdaptorReplica replica, RawDriver raw, CpuMeter cpu, Paths path,
        int concurrency, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        await raw.BeforeRunAsync(path.Scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
        return await LoadDriver.RunAsync(async (worker, iteration, token) =>
            await PostAsync(http, path.GatewayPath, path.GatewayBody(path.Scenario.Variant(worker, iteration, concurrency)), token).ConfigureAwait(false),
            concurrency, warmup, duration, cpu, [replica.ProcessId], ct, gatewayPid: server.ProcessId).ConfigureAwait(false);
    }

    private static async Task<RunResult> RunDirectAsync(AdaptorReplica replica, RawDriver raw, CpuMeter cpu, Paths path, int concurrency, TimeSpan warmup, TimeSpan duration,
        CancellationToken ct)
    {
        await raw.BeforeRunAsync(path.Scenario.EmptiedBeforeEachRun, ct).ConfigureAwait(false);
        using var bodies = new SignedBodies(path.Adaptor, path.Scenario.Request, path.Scenario.Variants);
        bodies.KeepFresh();
        var errorMarker = "\"error\""u8.ToArray();
        return await LoadDriver.RunAsync(async (worker, iteration, token) =>
        {
            var answer = await replica.PostAsync(path.Scenario.Path, bodies[path.Scenario.Variant(worker, iteration, concurrency)], token).ConfigureAwait(false);
            if (path.Scenario.Writes && answer.AsSpan().IndexOf(errorMarker) >= 0)
            {
                throw new InvalidOperationException("per-item error: " + Encoding.UTF8.GetString(answer, 0, Math.Min(300, answer.Length)));
            }
        }, concurrency, warmup, duration, cpu, [replica.ProcessId], ct).ConfigureAwait(false);
    }

    private static async Task<byte[]> PostAsync(HttpClient http, string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content, ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer, 0, Math.Min(300, answer.Length))}");
        }
        return answer;
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, JsonObject body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK && JsonNode.Parse(text) is { } json
            ? json
            : throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text[..Math.Min(400, text.Length)]}");
    }
}
