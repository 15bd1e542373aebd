using System.Net.Http.Headers;
using ExternalDb.Client;
using ExternalDb.Server.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>
/// A real ExternalDb server in this process: Kestrel on a free loopback port, SQLite in its own temporary data
/// directory, a known admin key, and its log lines kept for inspection.
/// </summary>
public sealed class ServerInstance : IAsyncDisposable
{
    public const string AdminKey = "edb_test-admin-key-0f4c2a9e7b1d";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];
    private bool _ownsDataDirectory = true;

    private ServerInstance(WebApplication app, Uri baseAddress, string dataDirectory, CapturedLogs logs)
    {
        _app = app;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        Logs = logs;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server; <paramref name="settings"/> adds or overrides configuration keys (a <c>Storage:DataDirectory</c>
    /// given there is used and kept), <paramref name="services"/> registers services before the server's own (which do
    /// not replace an <see cref="Adaptors.IHostResolver"/> set there).
    /// </summary>
    public static async Task<ServerInstance> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = settings?.GetValueOrDefault("Storage:DataDirectory") ?? Directory.CreateTempSubdirectory("externaldb-server-tests-").FullName;
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Auth:BootstrapAdminKey"] = AdminKey,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new CapturedLogs();
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            services?.Invoke(builder.Services);
        });
        await ServerApp.InitializeAsync(app);
        var address = await LoopbackApp.StartAsync(app);
        return new ServerInstance(app, new Uri(address + "/"), dataDirectory, logs)
        {
            _ownsDataDirectory = settings?.ContainsKey("Storage:DataDirectory") != true,
        };
    }

    /// <summary>Seeds the demo adaptor's <c>products</c> as the server does at its start (<c>ServerApp.StartAsync</c>).</summary>
    public Task SeedDemoAdaptorAsync() => ExternalDb.Demo.DemoAdaptor.SeedAsync(_app);

    /// <summary>The SDK client, authenticated with <paramref name="apiKey"/> (the admin key by default).</summary>
    public ExternalDbClient Client(string? apiKey = null) => new(BaseAddress, apiKey ?? AdminKey);

    /// <summary>A raw HTTP client; with <paramref name="apiKey"/> it sends <c>Authorization: Bearer</c>, without it nothing.</summary>
    public HttpClient Http(string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        lock (_clients)
        {
            _clients.Add(http);
        }
        return http;
    }

    /// <summary>A raw HTTP client that sends the admin key.</summary>
    public HttpClient AdminHttp() => Http(AdminKey);

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDataDirectory)
        {
            TempFiles.TryDelete(DataDirectory);
        }
    }
}

/// <summary>A server shared by the tests of one class (they run one after another).</summary>
public class SharedServer : IAsyncLifetime
{
    private ServerInstance? _server;

    public ServerInstance Server => _server ?? throw new InvalidOperationException("The server has not started.");

    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync() => _server = await ServerInstance.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

internal static class TempFiles
{
    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A shared server whose adaptor checks give up after one second.</summary>
public sealed class ShortProbeTimeoutServer : SharedServer
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Probe:Timeout"] = ProbeTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };
}
