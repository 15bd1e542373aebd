using System.Text.RegularExpressions;
using ExternalDb.Server.Hosting;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.WixSdk.Tests;

/// <summary>One case line of <c>run.mjs</c>: <c>PASS name</c>, <c>FAIL name: reason</c> or <c>SKIP name: reason</c>.</summary>
public sealed partial record HarnessCase(string Outcome, string Name, string Reason)
{
    public static HarnessCase? Parse(string line)
    {
        var match = CaseLine().Match(line);
        return match.Success ? new HarnessCase(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value) : null;
    }

    public override string ToString() => Reason.Length == 0 ? $"{Outcome} {Name}" : $"{Outcome} {Name}: {Reason}";

    [GeneratedRegex("^(PASS|FAIL|SKIP) ([^:]+?)(?:: (.*))?$")]
    private static partial Regex CaseLine();
}

/// <summary>
/// Runs the harness once for the test class: a real ExternalDb server in this process on a free loopback port with its
/// own data folder, the harness's npm packages installed from its lockfile when the output folder lacks them, and
/// <c>node run.mjs</c> against the server.
/// </summary>
public sealed class WixSdkHarness : IAsyncLifetime
{
    private const string AdminKey = "edb_wix-sdk-harness-admin-7c41d2";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The folder that holds <c>run.mjs</c>, its lockfile and README (copied next to the tests).</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "wix-sdk");

    public ProcessResult Run { get; private set; } = new(-1, "", "");

    public IReadOnlyList<HarnessCase> Cases { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await InstallPackagesAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-wix-sdk-").FullName;
        try
        {
            var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Storage:DataDirectory"] = dataDirectory,
                    ["Auth:BootstrapAdminKey"] = AdminKey,
                    ["Probe:Timeout"] = "00:00:10",
                });
                builder.Logging.ClearProviders();
            });
            await using (app)
            {
                await ServerApp.InitializeAsync(app);
                await ServerApp.StartAsync(app);
                var address = LoopbackApp.BaseUrl(app);
                Run = await ProcessRunner.RunAsync("node", ["run.mjs"], asUser: null, RunTimeout, CancellationToken.None, Folder,
                    new Dictionary<string, string?> { ["EXTERNALDB_URL"] = address, ["EXTERNALDB_API_KEY"] = AdminKey, ["NODE_OPTIONS"] = null });
                await app.StopAsync();
            }
        }
        finally
        {
            ServerFiles.TryDelete(dataDirectory);
        }
        Cases = [.. Run.StandardOutput.Split('\n').Select(HarnessCase.Parse).OfType<HarnessCase>()];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary><c>npm ci</c> from the lockfile, unless the installed packages already match it.</summary>
    private static async Task InstallPackagesAsync()
    {
        var installed = Path.Combine(Folder, "node_modules", ".package-lock.json");
        var lockfile = Path.Combine(Folder, "package-lock.json");
        if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(lockfile))
        {
            return;
        }
        var install = await ProcessRunner.RunAsync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], asUser: null,
            InstallTimeout, CancellationToken.None, Folder, new Dictionary<string, string?> { ["npm_config_update_notifier"] = "false" });
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {Folder} failed: {install.Describe()}");
        }
    }
}
