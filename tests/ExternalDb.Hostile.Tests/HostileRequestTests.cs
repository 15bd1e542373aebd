using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ExternalDb.Hostile.Tests;

/// <summary>
/// Thousands of generated hostile requests per surface, over real sockets, against the server and adaptors of one
/// <see cref="HostileWorld"/>. Each surface must give no 5xx, no hang, no secret in an answer or a log line, no error
/// logged, and leave the canaries as they were. <c>HOSTILE_ITERATIONS</c> sets the total (default 10,000, shared
/// between the surfaces); <c>HOSTILE_THREADS</c> how many requests are in flight (default 8).
/// </summary>
public sealed class HostileRequestTests(HostileWorld world, ITestOutputHelper output) : IClassFixture<HostileWorld>
{
    private static readonly int Total = Setting("HOSTILE_ITERATIONS", 10_000);
    private static readonly int Threads = Setting("HOSTILE_THREADS", 8);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(Setting("HOSTILE_TIMEOUT_SECONDS", 30));

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    [Fact]
    public Task The_connections_API_gives_no_5xx_and_no_secret_to_hostile_requests() => RunAsync("connections", g => g.Connections(), 0.14);

    [Fact]
    public Task The_API_keys_API_gives_no_5xx_and_no_secret_to_hostile_requests() => RunAsync("api-keys", g => g.ApiKeys(), 0.08);

    [Fact]
    public Task The_items_API_gives_no_5xx_and_changes_no_canary_for_hostile_requests() => RunAsync("items", g => g.Items(), 0.30);

    [Fact]
    public Task The_collections_API_gives_no_5xx_and_changes_no_canary_for_hostile_requests() => RunAsync("collections", g => g.Collections(), 0.12);

    [Fact]
    public Task Our_adaptors_V3_endpoints_give_no_5xx_to_signed_hostile_requests_or_broken_tokens() => RunAsync("adaptor V3", g => g.AdaptorV3(), 0.14);

    [Fact]
    public Task Our_adaptors_legacy_endpoints_give_no_5xx_with_or_without_the_secret() => RunAsync("adaptor legacy", g => g.AdaptorLegacy(), 0.14);

    [Fact]
    public Task The_demo_adaptor_gives_no_5xx_to_hostile_requests() => RunAsync("demo adaptor", g => g.DemoAdaptor(), 0.08);

    private async Task RunAsync(string surface, Func<HostileGenerators, Gen<HostileRequest>> generator, double share)
    {
        var iterations = Math.Max(100, (int)(Total * share));
        var mark = world.Log.Mark;
        var failures = new ConcurrentQueue<HostileFailure>();
        var statuses = new ConcurrentDictionary<int, int>();
        var timings = new ConcurrentBag<(TimeSpan Elapsed, string Request)>();
        using var sender = new HostileSender(world.ServerAddress, world.AdaptorAddress, Timeout);
        var clock = Stopwatch.StartNew();

        await generator(new HostileGenerators(world)).SampleAsync(async request =>
        {
            HostileAnswer answer;
            try
            {
                answer = await sender.SendAsync(request);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Enqueue(new HostileFailure("not sent", request, null, $"the suite could not send it: {e.GetType().Name}: {e.Message}"));
                return;
            }
            statuses.AddOrUpdate(answer.Status, 1, (_, n) => n + 1);
            timings.Add((answer.Elapsed, $"{request} → {answer.Status}"));
            if (answer.TimedOut)
            {
                failures.Enqueue(new HostileFailure("hang", request, answer, $"no answer within {Timeout.TotalSeconds} s"));
            }
            else if (answer.Status >= 500)
            {
                failures.Enqueue(new HostileFailure("5xx", request, answer, "a hostile request must be answered 4xx (or work)"));
            }
            foreach (var (name, secret) in world.Secrets)
            {
                if (answer.Body.Contains(secret, StringComparison.Ordinal) && !(request.AnswersMayHoldSecrets && world.ConfigurationSecrets.Contains(secret)))
                {
                    failures.Enqueue(new HostileFailure("secret in answer", request, answer, $"the answer holds the {name}"));
                }
            }
        }, iter: iterations, threads: Threads);
        clock.Stop();

        var snapshot = await world.SnapshotAsync();
        if (snapshot != world.CanarySnapshot)
        {
            failures.Enqueue(new HostileFailure("canary changed", new HostileRequest(surface, "server", "-", "(after the run)", [], null, null, Credential.None), null,
                "before:\n" + world.CanarySnapshot + "\nafter:\n" + snapshot));
        }
        var logFailures = new List<string>();
        foreach (var (source, level, text) in world.Log.Since(mark))
        {
            var leaked = world.Secrets.Where(s => text.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Key).ToList();
            if (leaked.Count > 0)
            {
                logFailures.Add($"  [secret in log] {source}: holds the {string.Join(", ", leaked)}: {Cut(text, 300)}");
            }
            if (level >= LogLevel.Error || text.Contains("\n   at ", StringComparison.Ordinal))
            {
                logFailures.Add($"  [error logged] {source} {level}: {Cut(text, 500)}");
            }
        }

        var summary = $"{surface}: {iterations} requests in {clock.Elapsed.TotalSeconds:0.0} s, {Threads} in flight; answers: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "none" : s.Key.ToString(CultureInfo.InvariantCulture))}×{s.Value}"));
        output.WriteLine(summary);
        output.WriteLine("slowest: " + string.Join("; ", timings.OrderByDescending(t => t.Elapsed).Take(5)
            .Select(t => $"{t.Elapsed.TotalMilliseconds:0} ms {HostileReport.Redact(t.Request, world.Secrets)}")));
        if (failures.IsEmpty && logFailures.Count == 0)
        {
            return;
        }
        Assert.Fail(HostileReport.Redact(Report(summary, [.. failures], logFailures), world.Secrets));
    }

    /// <summary>Failures grouped by kind, status and endpoint: how many, and the requests that reproduce the first of each group.</summary>
    private string Report(string summary, IReadOnlyList<HostileFailure> failures, IReadOnlyList<string> logFailures)
    {
        var report = new StringBuilder(summary).Append('\n')
            .Append(failures.Count).Append(" failed requests, ").Append(logFailures.Count).Append(" bad log lines.\n");
        var groups = failures
            .GroupBy(f => (f.Kind, f.Answer?.Status, f.Request.Method, Endpoint: Endpoint(f.Request.PathAndQuery)))
            .OrderByDescending(g => g.Count());
        foreach (var group in groups.Take(40))
        {
            report.Append('\n').Append(group.Count()).Append(" × ").Append(group.Key.Kind).Append(" HTTP ").Append(group.Key.Status)
                .Append(" on ").Append(group.Key.Method).Append(' ').Append(group.Key.Endpoint).Append(":\n");
            foreach (var failure in group.Take(2))
            {
                report.Append(HostileReport.Describe(failure, world.Secrets)).Append('\n');
            }
        }
        foreach (var line in logFailures.Distinct().Take(15))
        {
            report.Append(line).Append('\n');
        }
        return report.ToString();
    }

    /// <summary>The path without its query and with ids cut, so that failures of one endpoint fall in one group.</summary>
    private static string Endpoint(string pathAndQuery)
    {
        var path = pathAndQuery.Split('?')[0];
        var segments = path.Split('/');
        return string.Join('/', segments.Take(5).Select(s => s.Length > 24 ? s[..24] + "…" : s)) + (segments.Length > 5 ? "/…" : "");
    }

    private static string Cut(string text, int max) => text.Length > max ? text[..max] + "…" : text;
}
