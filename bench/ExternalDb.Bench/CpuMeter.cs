using System.Diagnostics;
using System.Globalization;

namespace ExternalDb.Bench;

/// <summary>CPU seconds used during a measured run, per process: the adaptor (or server), the database, this harness.</summary>
/// <param name="Adaptor">The adaptor process (and, on the gateway path, the server process) — NaN when it runs in this process.</param>
/// <param name="Database">The database server's processes (PostgreSQL's postmaster and its children, mariadbd); 0 for SQLite (in process).</param>
/// <param name="Harness">This process: the load loops, the HTTP client, and on the raw path the driver.</param>
/// <param name="OtherShare">The share of the machine's CPU that other processes used (0 to 1, NaN when unknown).</param>
/// <param name="Gateway">The ExternalDb server in front of the adaptor on the gateway path; NaN elsewhere.</param>
internal readonly record struct CpuUse(double Adaptor, double Database, double Harness, double OtherShare, double Gateway = double.NaN)
{
    public static readonly CpuUse Unknown = new(double.NaN, double.NaN, double.NaN, double.NaN);

    public static CpuUse operator +(CpuUse a, CpuUse b) =>
        new(a.Adaptor + b.Adaptor, a.Database + b.Database, a.Harness + b.Harness, Average(a.OtherShare, b.OtherShare), a.Gateway + b.Gateway);

    private static double Average(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : (a + b) / 2;
}

/// <summary>
/// Reads, from <c>/proc</c>, how much CPU each part of the benchmark used and how much went to processes that are not
/// part of it (the machine may be shared, and a number measured while something else was busy should say so). Linux
/// only; elsewhere it reports nothing.
/// </summary>
internal sealed class CpuMeter(int? databasePid = null)
{
    private const double TicksPerSecond = 100; // USER_HZ, the unit of /proc/stat and /proc/[pid]/stat

    public readonly record struct Sample(long Busy, long Total, double Harness, double Database, double Adaptor, double? Gateway);

    /// <summary>
    /// A sample now; <paramref name="adaptorPids"/> are the processes that serve the requests (none on the raw path),
    /// <paramref name="gatewayPid"/> the server in front of them on the gateway path.
    /// </summary>
    public Sample? Take(IReadOnlyList<int> adaptorPids, int? gatewayPid = null)
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal
            var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
            var total = busy + cpu[3] + cpu[4];
            using var self = Process.GetCurrentProcess();
            var harness = self.TotalProcessorTime.TotalSeconds * TicksPerSecond;
            var database = databasePid is { } pid ? TreeTicks(pid) : 0;
            var adaptor = adaptorPids.Sum(p => TreeTicks(p));
            return new Sample(busy, total, harness, database, adaptor, gatewayPid is { } g ? TreeTicks(g) : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>What each part used between two samples, in CPU seconds, and the share of all CPUs that others used.</summary>
    public static CpuUse Between(Sample? before, Sample? after, bool adaptorInProcess)
    {
        if (before is not { } b || after is not { } a || a.Total <= b.Total)
        {
            return CpuUse.Unknown;
        }
        var gateway = a.Gateway - b.Gateway ?? double.NaN;
        var ours = (a.Harness - b.Harness) + (a.Database - b.Database) + (a.Adaptor - b.Adaptor) + (double.IsNaN(gateway) ? 0 : gateway);
        var other = Math.Clamp(((a.Busy - b.Busy) - ours) / (a.Total - b.Total), 0, 1);
        return new CpuUse(adaptorInProcess ? double.NaN : (a.Adaptor - b.Adaptor) / TicksPerSecond, (a.Database - b.Database) / TicksPerSecond,
            (a.Harness - b.Harness) / TicksPerSecond, other, gateway / TicksPerSecond);
    }

    /// <summary>The most memory a process has had resident so far (<c>VmHWM</c>) and now (<c>VmRSS</c>), in MiB; null when unknown.</summary>
    public static (double Peak, double Now)? ResidentMiB(int pid)
    {
        try
        {
            double? Field(string[] lines, string name) => lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
                ? double.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024
                : null;
            var status = File.ReadAllLines($"/proc/{pid}/status");
            return Field(status, "VmHWM") is { } peak && Field(status, "VmRSS") is { } now ? (peak, now) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>CPU ticks of a process, its live children and the children it has reaped.</summary>
    private static double TreeTicks(int root)
    {
        double ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }
            // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), numbered from 1 with pid.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid == root || ppid == root)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                if (pid == root)
                {
                    ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
            }
        }
        return ticks;
    }
}
