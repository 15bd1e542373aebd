using System.Diagnostics;

namespace ExternalDb.Bench;

/// <summary>One request (or one unit of raw-driver work) of worker <paramref name="worker"/>; throws when it failed.</summary>
internal delegate Task Operation(int worker, long iteration, CancellationToken ct);

/// <summary>What one measured run produced. Latencies are of successful requests only.</summary>
/// <param name="OtherCpu">The share of the machine's CPU that other processes used during the measured phase (0 to 1, NaN when unknown).</param>
internal sealed record RunResult(int Concurrency, long Requests, long Errors, TimeSpan Elapsed, double P50Ms, double P99Ms, string? FirstError, double OtherCpu)
{
    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Requests / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// A closed-loop load driver: <c>concurrency</c> loops each send one request, wait for its answer, send the next,
/// until the deadline. Each loop stops by itself at its first request that ends after the deadline; nothing is
/// cancelled half-way. Latency is taken per request with <see cref="Stopwatch.GetTimestamp"/>.
/// </summary>
internal static class LoadDriver
{
    public static async Task<RunResult> RunAsync(Operation operation, int concurrency, TimeSpan warmup, TimeSpan duration, CpuMeter cpu, CancellationToken ct)
    {
        if (warmup > TimeSpan.Zero)
        {
            await PhaseAsync(operation, concurrency, warmup, ct).ConfigureAwait(false);
        }
        var before = cpu.Take();
        var result = await PhaseAsync(operation, concurrency, duration, ct).ConfigureAwait(false);
        return result with { OtherCpu = CpuMeter.OtherShare(before, cpu.Take()) };
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
        return new RunResult(concurrency, all.Length, logs.Sum(l => l.Errors), elapsed,
            Percentile(all, 0.50), Percentile(all, 0.99), logs.Select(l => l.FirstError).FirstOrDefault(e => e is not null), double.NaN);
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
