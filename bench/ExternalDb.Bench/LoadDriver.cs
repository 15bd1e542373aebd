using System.Diagnostics;

namespace ExternalDb.Bench;

/// <summary>One request (or one unit of raw-driver work) of worker <paramref name="worker"/>; throws when it failed.</summary>
internal delegate Task Operation(int worker, long iteration, CancellationToken ct);

/// <summary>What one measured run (or several rounds of it) produced. Latencies are of successful requests only.</summary>
internal sealed record RunResult(int Concurrency, long Requests, long Errors, TimeSpan Elapsed, long[] SortedTicks, string? FirstError, CpuUse Cpu)
{
    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Requests / Elapsed.TotalSeconds : 0;

    public double P50Ms => LoadDriver.Percentile(SortedTicks, 0.50);

    public double P99Ms => LoadDriver.Percentile(SortedTicks, 0.99);

    /// <summary>The share of the machine's CPU that other processes used during the measured phase (0 to 1, NaN when unknown).</summary>
    public double OtherCpu => Cpu.OtherShare;

    /// <summary>CPU milliseconds per successful request of the adaptor (or server) process, the database and this harness.</summary>
    public double AdaptorCpuMs => PerRequest(Cpu.Adaptor);

    public double DatabaseCpuMs => PerRequest(Cpu.Database);

    public double HarnessCpuMs => PerRequest(Cpu.Harness);

    /// <summary>CPU milliseconds per successful request of the server in front of the adaptor (gateway path only).</summary>
    public double GatewayCpuMs => PerRequest(Cpu.Gateway);

    private double PerRequest(double seconds) => Requests > 0 ? seconds * 1000 / Requests : double.NaN;

    /// <summary>Rounds of the same run, measured apart, as one.</summary>
    public static RunResult Combine(IReadOnlyList<RunResult> rounds)
    {
        if (rounds.Count == 1)
        {
            return rounds[0];
        }
        var ticks = rounds.SelectMany(r => r.SortedTicks).ToArray();
        Array.Sort(ticks);
        return new RunResult(rounds[0].Concurrency, rounds.Sum(r => r.Requests), rounds.Sum(r => r.Errors),
            TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), ticks, rounds.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            rounds.Skip(1).Aggregate(rounds[0].Cpu, (sum, r) => sum + r.Cpu));
    }
}

/// <summary>
/// A closed-loop load driver: <c>concurrency</c> loops each send one request, wait for its answer, send the next,
/// until the deadline. Each loop stops by itself at its first request that ends after the deadline; nothing is
/// cancelled half-way. Latency is taken per request with <see cref="Stopwatch.GetTimestamp"/>.
/// </summary>
internal static class LoadDriver
{
    /// <summary>
    /// Warms up, then measures; <paramref name="adaptorPids"/> are the processes serving the requests, whose CPU is
    /// metered apart (empty on the raw path, or when the adaptor runs in this process), and <paramref name="gatewayPid"/>
    /// the server in front of them on the gateway path.
    /// </summary>
    public static async Task<RunResult> RunAsync(Operation operation, int concurrency, TimeSpan warmup, TimeSpan duration, CpuMeter cpu,
        IReadOnlyList<int> adaptorPids, CancellationToken ct, int? gatewayPid = null)
    {
        if (warmup > TimeSpan.Zero)
        {
            await PhaseAsync(operation, concurrency, warmup, ct).ConfigureAwait(false);
        }
        var before = cpu.Take(adaptorPids, gatewayPid);
        var result = await PhaseAsync(operation, concurrency, duration, ct).ConfigureAwait(false);
        return result with { Cpu = CpuMeter.Between(before, cpu.Take(adaptorPids, gatewayPid), adaptorInProcess: adaptorPids.Count == 0) };
    }

    private sealed class WorkerLog
    {
        // Fixed-size chunks below the large-object threshold: a growing array would be copied onto the LOH
        // (and trigger gen 2 collections) in the middle of a measured run.
        private const int ChunkLength = 8192;
        private readonly List<long[]> _chunks = [];
        private int _used = ChunkLength;

        public void Add(long ticks)
        {
            if (_used == ChunkLength)
            {
                _chunks.Add(new long[ChunkLength]);
                _used = 0;
            }
            _chunks[^1][_used++] = ticks;
        }

        public IEnumerable<long> Latencies => _chunks.SelectMany((chunk, i) => i == _chunks.Count - 1 ? chunk.Take(_used) : chunk);

        public long Errors { get; set; }

        public string? FirstError { get; set; }

        public long FinishedAt { get; set; }
    }

    private static async Task<RunResult> PhaseAsync(Operation operation, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var logs = new WorkerLog[concurrency];
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var log = logs[w] = new WorkerLog();
            var worker = w;
            workers[w] = Task.Run(() => LoopAsync(operation, worker, deadline, log, ct), ct);
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();

        var all = logs.SelectMany(l => l.Latencies).ToArray();
        Array.Sort(all);
        var elapsed = Stopwatch.GetElapsedTime(start, logs.Max(l => l.FinishedAt));
        return new RunResult(concurrency, all.Length, logs.Sum(l => l.Errors), elapsed, all,
            logs.Select(l => l.FirstError).FirstOrDefault(e => e is not null), CpuUse.Unknown);
    }

    private static async Task LoopAsync(Operation operation, int worker, long deadline, WorkerLog log, CancellationToken ct)
    {
        for (long i = 0; !ct.IsCancellationRequested; i++)
        {
            var before = Stopwatch.GetTimestamp();
            if (before >= deadline)
            {
                break;
            }
            try
            {
                await operation(worker, i, ct).ConfigureAwait(false);
                log.Add(Stopwatch.GetTimestamp() - before);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.Errors++;
                log.FirstError ??= e.GetType().Name + ": " + e.Message;
            }
        }
        log.FinishedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Nearest-rank percentile of sorted timestamps, in milliseconds.</summary>
    public static double Percentile(long[] sortedTicks, double quantile)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(quantile * sortedTicks.Length);
        var ticks = sortedTicks[Math.Clamp(rank - 1, 0, sortedTicks.Length - 1)];
        return ticks * 1000.0 / Stopwatch.Frequency;
    }
}
