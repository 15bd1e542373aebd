using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ExternalDb.TestSupport;

/// <summary>
/// The built reference adaptor run as a child process (<c>dotnet ExternalDb.Adaptor.dll --urls http://127.0.0.1:0</c>),
/// configured through <c>Adaptor__*</c> environment variables, with its output captured. Tests use it where one process is
/// not enough (replicas behind one database); the bench uses it to meter the adaptor's CPU apart from the load loops'
/// (and, with <c>program</c> <c>ExternalDb.Server.dll</c>, the server's in front of it).
/// </summary>
public sealed partial class AdaptorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AdaptorProcess(Process process) => _process = process;

    /// <summary>Where the adaptor listens, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The operating system's id of the process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> (default <c>ExternalDb.Adaptor.dll</c>) from <paramref name="directory"/> (default:
    /// next to the running assembly) with <paramref name="settings"/> (keys as in configuration, <c>Adaptor:Engine</c>...)
    /// and <paramref name="environment"/> (e.g. GC settings), and waits until it listens.
    /// </summary>
    public static async Task<AdaptorProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string? directory = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken ct = default, string program = "ExternalDb.Adaptor.dll")
    {
        var dll = Path.Combine(directory ?? AppContext.BaseDirectory, program);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{program} is not built next to the caller: {dll}");
        }
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("Adaptor__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Adaptors__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Storage__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Gateway__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        // The "Now listening on" line tells the port.
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var adaptor = new AdaptorProcess(process);
        process.OutputDataReceived += (_, e) => adaptor.Append(e.Data);
        process.ErrorDataReceived += (_, e) => adaptor.Append(e.Data);
        process.Exited += (_, _) => adaptor._listening.TrySetException(new InvalidOperationException($"{program} exited:\n{adaptor.Output}"));
        if (!process.Start())
        {
            throw new InvalidOperationException($"{program} did not start");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            adaptor.BaseAddress = await adaptor._listening.Task.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        catch
        {
            await adaptor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return adaptor;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value.TrimEnd('/') + "/"));
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Listening();

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk) ? fromSdk
            : Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";

    /// <summary>Stops the process (SIGKILL) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
