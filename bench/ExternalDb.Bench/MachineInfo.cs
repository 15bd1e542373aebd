using System.Globalization;
using System.Runtime.InteropServices;

namespace ExternalDb.Bench;

/// <summary>What the numbers were measured on, from /proc where available.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadField("/proc/meminfo", "MemTotal") is { } kb
                     && long.TryParse(kb.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var k)
            ? (k / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB RAM"
            : "RAM unknown";
        return $"{Environment.ProcessorCount} logical CPUs ({cpu}), {memory}, {OsName()} (kernel {Environment.OSVersion.Version})";
    }

    /// <summary>The commit the harness and the adaptor were built from (stamped at build time), with uncommitted changes if any.</summary>
    public static string SourceRevision()
    {
        var metadata = typeof(MachineInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var revision = metadata.GetValueOrDefault("SourceRevision") is { Length: > 0 } r ? r : "unknown";
        var changes = metadata.GetValueOrDefault("SourceChanges");
        return string.IsNullOrWhiteSpace(changes)
            ? $"`{revision}` (adaptor, protocol and harness sources as committed)"
            : $"`{revision}` plus uncommitted changes: {changes}";
    }

    private static string OsName() =>
        ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;

    private static string? ReadField(string path, string name, char separator = ':')
    {
        try
        {
            return File.ReadLines(path)
                .Select(line => line.Split(separator, 2))
                .Where(parts => parts.Length == 2 && parts[0].Trim() == name)
                .Select(parts => parts[1].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
