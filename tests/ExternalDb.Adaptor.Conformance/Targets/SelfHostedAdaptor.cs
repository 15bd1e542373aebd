using System.Reflection;
using System.Security.Cryptography;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.Targets;

/// <summary>
/// Our reference adaptor (src/ExternalDb.Adaptor), hosted in this process on real sockets
/// (<c>http://127.0.0.1:0</c>) over one engine. One instance per engine serves the whole run, speaking
/// V3 and the legacy protocols at once; tests isolate themselves by unique collection names.
/// This is the only class of the kit that knows the reference adaptor exists.
/// </summary>
public sealed class SelfHostedAdaptor : IAsyncDisposable
{
    /// <summary>The engines the reference adaptor supports; every test runs on each.</summary>
    public static readonly IReadOnlyList<string> Engines = ["sqlite", "postgres", "mysql"];

    /// <summary>Where the adaptor's hosting entry point may live (the planned name first).</summary>
    private static readonly string[] AdaptorTypeNames =
        ["ExternalDb.Adaptor.AdaptorApp, ExternalDb.Adaptor", "ExternalDb.Adaptor.Hosting.AdaptorApp, ExternalDb.Adaptor"];

    private static readonly Dictionary<string, Lazy<Task<SelfHostedAdaptor>>> Instances =
        Engines.ToDictionary(e => e, e => new Lazy<Task<SelfHostedAdaptor>>(() => StartAsync(e), LazyThreadSafetyMode.ExecutionAndPublication),
            StringComparer.Ordinal);

    private readonly WebApplication _app;
    private readonly string? _sqliteFile;

    private SelfHostedAdaptor(WebApplication app, string baseUrl, V3Credentials v3, string secretKey, string? sqliteFile)
    {
        _app = app;
        BaseUrl = baseUrl;
        V3 = v3;
        SecretKey = secretKey;
        _sqliteFile = sqliteFile;
    }

    public string BaseUrl { get; }
    public V3Credentials V3 { get; }
    public string SecretKey { get; }

    /// <summary>The adaptor for <paramref name="engine"/>, started on first use and stopped at process exit.</summary>
    public static Task<SelfHostedAdaptor> GetAsync(string engine) => Instances[engine].Value;

    private static async Task<SelfHostedAdaptor> StartAsync(string engine)
    {
        var build = FindBuildMethod();
        string connectionString;
        string? sqliteFile = null;
        if (engine == "sqlite")
        {
            sqliteFile = Path.Combine(Path.GetTempPath(), $"extdb-conformance-{Guid.NewGuid():N}.db");
            connectionString = $"Data Source={sqliteFile}";
        }
        else if (engine == "postgres")
        {
            var postgres = await SharedPostgres.GetAsync();
            connectionString = await postgres.CreateDatabaseAsync("conformance_" + Guid.NewGuid().ToString("N")[..12]);
        }
        else
        {
            var mariaDb = await SharedMariaDb.GetAsync();
            connectionString = await mariaDb.CreateDatabaseAsync("conformance_" + Guid.NewGuid().ToString("N")[..12]);
        }

        var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var audience = Guid.NewGuid().ToString();
        var secretKey = "conformance-" + Guid.NewGuid().ToString("N");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Adaptor:Engine={engine}",
            $"--Adaptor:ConnectionString={connectionString}",
            $"--Adaptor:SecretKey={secretKey}",
            $"--Adaptor:JwtPublicKeys:0={Convert.ToBase64String(signingKey.ExportSubjectPublicKeyInfo())}",
            $"--Adaptor:Audience={audience}",
            $"--Adaptor:Issuer={ConformanceSettings.DefaultIssuer}",
        ];
        Action<WebApplicationBuilder> quiet = builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        };

        WebApplication app;
        try
        {
            app = (WebApplication)build.Invoke(null, [args, quiet])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"AdaptorApp.Build failed for engine {engine}: {e.InnerException.Message}", e.InnerException);
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The self-hosted adaptor started but reported no bound address.");

        var adaptor = new SelfHostedAdaptor(app, address.TrimEnd('/'),
            new V3Credentials(new ECDsaSecurityKey(signingKey), SecurityAlgorithms.EcdsaSha256, audience, ConformanceSettings.DefaultIssuer),
            secretKey, sqliteFile);
        // The test host may be killed right after the run, so exit only deletes files (fast); the
        // sockets close with the process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => adaptor.DeleteSqliteFiles();
        return adaptor;
    }

    /// <summary>
    /// Finds <c>ExternalDb.Adaptor.AdaptorApp.Build(string[], Action&lt;WebApplicationBuilder&gt;?)</c>. Bound at run
    /// time so that the kit keeps building while the adaptor's hosting API is still moving; a mismatch
    /// fails every self-hosted test with this message instead of passing anything.
    /// </summary>
    private static MethodInfo FindBuildMethod()
    {
        var type = AdaptorTypeNames.Select(name => Type.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null)
            ?? throw new InvalidOperationException(
                $"The reference adaptor's hosting entry point ({string.Join(" or ", AdaptorTypeNames)}) was not found. Build src/ExternalDb.Adaptor " +
                "(it must expose AdaptorApp.Build(string[] args, Action<WebApplicationBuilder>? configure)), or set " +
                "CONFORMANCE_BASE_URL to test a running adaptor.");
        return type.GetMethod("Build", BindingFlags.Public | BindingFlags.Static, [typeof(string[]), typeof(Action<WebApplicationBuilder>)])
            ?? throw new InvalidOperationException(
                $"'{type.FullName}' has no public static Build(string[], Action<WebApplicationBuilder>?) returning WebApplication.");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        DeleteSqliteFiles();
    }

    private void DeleteSqliteFiles()
    {
        if (_sqliteFile is null)
        {
            return;
        }
        foreach (var file in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm", _sqliteFile + "-journal" })
        {
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
