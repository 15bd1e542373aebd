using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using ExternalDb.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message + "\n\n" + BenchOptions.Usage).ConfigureAwait(false);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

// 16 loops on two cores: SQLite's async calls run synchronously, so give the pool enough threads from the start
// instead of letting it grow during the first measured seconds.
ThreadPool.SetMinThreads(64, 64);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = new MarkdownReport(Console.Out);
var started = DateTimeOffset.UtcNow;
report.Line("## Run");
report.Line();
report.Line("```sh");
report.Line("dotnet run -c Release --project bench/ExternalDb.Bench --" + (args.Length == 0 ? "" : " " + string.Join(' ', args)));
report.Line("```");
report.Line();
report.Line($"- started {started:yyyy-MM-dd HH:mm} UTC; {options.Duration.TotalSeconds:0.#} s measured after {options.Warmup.TotalSeconds:0.#} s of warm-up per scenario, concurrency and path; " +
            $"concurrency {string.Join(", ", options.Concurrency)}; {options.Rows:N0} seeded rows");
report.Line($"- machine: {MachineInfo.Describe()}");
report.Line($"- built from commit {MachineInfo.SourceRevision()}");
report.Line($"- {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, " +
#if DEBUG
            "**Debug build: numbers are not representative**"
#else
            "Release build"
#endif
            + "; the adaptor, the load loops and the database share the machine");
if (options.AdaptorEnvironment.Count > 0)
{
    report.Line("- adaptor process environment: " + string.Join(", ", options.AdaptorEnvironment.Select(v => $"`{v.Key}={v.Value}`")));
}
report.Line("- \"other CPU %\": the share of the machine's CPU that processes outside the benchmark (this process and its PostgreSQL server) used during a measured phase; " +
            "anything but a few percent means the numbers of that row were measured on a busy machine");
report.Line();

try
{
    foreach (var engine in options.Engines)
    {
        await EngineBench.RunAsync(engine, options, report, cancel.Token).ConfigureAwait(false);
    }
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
    return 130;
}
report.Line($"Total run time {(DateTimeOffset.UtcNow - started).TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min.");
if (options.Output is { } output)
{
    await File.WriteAllTextAsync(output, report.Text).ConfigureAwait(false);
    Console.WriteLine($"Report written to {Path.GetFullPath(output)}");
}
return 0;
