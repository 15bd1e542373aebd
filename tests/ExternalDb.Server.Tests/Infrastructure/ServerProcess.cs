using System.Diagnostics;
using System.Text;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>
/// The built server run as a child process (<c>dotnet ExternalDb.Server.dll --urls ...</c>) on a given data directory,
/// with its standard output and error captured.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The process id (the server names its leases in the registry with it).</summary>
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
    /// Starts the server and waits until <c>/healthz</c> answers; <paramref name="adminKey"/> null leaves the key unconfigured;
    /// <paramref name="environment"/> adds environment variables (<c>Section__Key</c> settings).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, string? adminKey, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ExternalDb.Server.dll");
        Assert.True(File.Exists(dll), $"The server is not built next to the tests: {dll}");
        var port = Ports.Free();
        var info = new ProcessStartInfo(ExternalDb.TestSupport.DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Storage__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }
        info.Environment["Storage__DataDirectory"] = dataDirectory;
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (adminKey is not null)
        {
            info.Environment["Auth__BootstrapAdminKey"] = adminKey;
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        Assert.True(process.Start(), "The server process did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitHealthyAsync();
        return server;
    }

    /// <summary>A raw HTTP client for the process, sending <paramref name="apiKey"/> as a bearer token when given.</summary>
    public HttpClient Http(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
        return http;
    }

    /// <summary>Kills the process at once (SIGKILL on Linux): no shutdown, no checkpoint.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits until the output matches, or fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Output))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The expected output did not appear:\n{Output}");
            await Task.Delay(50);
        }
        return Output;
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
    }

    private Task WaitHealthyAsync() => ExternalDb.TestSupport.ServerHealth.WaitAsync(BaseAddress, _process, () => Output, TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
