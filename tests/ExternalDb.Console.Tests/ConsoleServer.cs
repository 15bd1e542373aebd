using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace ExternalDb.Console.Tests;

/// <summary>
/// The built server as a child process (<c>dotnet ExternalDb.Server.dll</c>) on a free loopback port with its own data
/// directory and a known admin key; a real failing adaptor (it refuses every secret with 401); and Debian's Chromium
/// driven by Playwright.
/// </summary>
public sealed class ConsoleServer : IAsyncLifetime
{
    public const string AdminKey = "edb_console-tests-admin-7c1f0b2d9e";
    private const string ChromiumPath = "/usr/bin/chromium";

    private readonly StringBuilder _output = new();
    private Process? _process;
    private IPlaywright? _playwright;
    private string? _dataDirectory;

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>host:port of the server: the only host the console may send requests to.</summary>
    public string Authority => BaseAddress.Authority;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>An adaptor that answers every call with 401 (a wrong secret).</summary>
    public LoopbackServer FailingAdaptor { get; private set; } = default!;

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

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium package (.ci/run does).");
        // Waits are generous: the suite shares a loaded 2-core machine with the other test projects (5 s, Playwright's
        // default for expectations, was too short for Scalar's first render there). A broken flow still fails, later.
        Assertions.SetDefaultExpectTimeout(ConsolePage.WaitMilliseconds);
        FailingAdaptor = await LoopbackServer.StartAsync(app => app.MapFallback(() => Results.Json(
            new { error = new { code = "UNAUTHORIZED", description = "Wrong secret key" } }, statusCode: 401)));

        _dataDirectory = Directory.CreateTempSubdirectory("externaldb-console-tests-").FullName;
        var port = FreePort.Get();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var dll = Path.Combine(AppContext.BaseDirectory, "ExternalDb.Server.dll");
        var info = new ProcessStartInfo(ExternalDb.TestSupport.DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dataDirectory,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("Auth__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Storage__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Console__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }
        info.Environment["Storage__DataDirectory"] = Path.Combine(_dataDirectory, "data");
        info.Environment["Auth__BootstrapAdminKey"] = AdminKey;
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (Environment.GetEnvironmentVariable("CONSOLE_TESTS_REQUEST_LOG") == "1")
        {
            // For a failure's server log (ConsolePage.RunAsync keeps it): every request, and how its session was read.
            info.Environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
            info.Environment["Logging__LogLevel__Microsoft.AspNetCore.Authentication"] = "Debug";
        }
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        Assert.True(_process.Start());
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitHealthyAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A raw HTTP client of the API, with <paramref name="apiKey"/> (the admin key by default).</summary>
    public HttpClient Api(string? apiKey = AdminKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return http;
    }

    /// <summary>Creates an API key through the API; returns the key and its id.</summary>
    public async Task<(string Key, string Id)> CreateKeyAsync(string name, params string[] permissions)
    {
        using var http = Api();
        using var response = await http.PostAsync("v1/api-keys", new StringContent(
            new JsonObject { ["name"] = name, ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode?)p)]) }.ToJsonString(),
            Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return (body["key"]!.GetValue<string>(), body["apiKey"]!["id"]!.GetValue<string>());
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

    private Task WaitHealthyAsync() => ServerHealth.WaitAsync(BaseAddress, _process!, () => Output, TimeSpan.FromSeconds(90));

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
        if (FailingAdaptor is not null)
        {
            await FailingAdaptor.DisposeAsync();
        }
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleServer>
{
    public const string Name = "Console";
}
