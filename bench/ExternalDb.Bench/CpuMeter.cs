using System.Diagnostics;
using System.Globalization;

namespace ExternalDb.Bench;

/// <summary>
/// How much of the machine's CPU went to processes that are not part of the benchmark (this process and, for
/// PostgreSQL, its own server processes) during a measured run. The machine may be shared, and a number measured
/// while something else was busy should say so. Linux only; elsewhere it reports nothing.
/// </summary>
internal sealed class CpuMeter(int? postmasterPid = null)
{
    private const double TicksPerSecond = 100; // USER_HZ, the unit of /proc/stat and /proc/[pid]/stat

    public readonly record struct Sample(long Busy, long Total, double Ours);

    public Sample? Take()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal
            var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
            var total = busy + cpu[3] + cpu[4];
            using var self = Process.GetCurrentProcess();
            var ours = self.TotalProcessorTime.TotalSeconds * TicksPerSecond + (postmasterPid is { } pid ? ServerTicks(pid) : 0);
            return new Sample(busy, total, ours);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The share of all CPUs used by other processes between two samples (0 to 1), or NaN when unknown.</summary>
    public static double OtherShare(Sample? before, Sample? after)
    {
        if (before is not { } b || after is not { } a || a.Total <= b.Total)
        {
            return double.NaN;
        }
        var other = (a.Busy - b.Busy) - (a.Ours - b.Ours);
        return Math.Clamp(other / (a.Total - b.Total), 0, 1);
    }

    /// <summary>CPU ticks of the postmaster, its live children and the children it has reaped.</summary>
    private static double ServerTicks(int postmaster)
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
            if (pid == postmaster || ppid == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                if (pid == postmaster)
                {
                    ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
                }
            }
        }
        return ticks;
    }
}
