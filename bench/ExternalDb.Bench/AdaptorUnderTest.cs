using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Protocol;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.Bench;

/// <summary>
/// The reference adaptor, V3 only, with a signing key of its own: in this process on real Kestrel at 127.0.0.1:0 (for
/// seeding and for the statement check, which reads the drivers' tracing), and as separate processes
/// (<see cref="StartProcessAsync"/>, the real <c>ExternalDb.Adaptor.dll</c> with the same settings) for the measured
/// runs, so that their CPU is metered apart from the load loops'. Each has an HTTP client that keeps one connection per
/// concurrent loop.
/// </summary>
internal sealed class AdaptorUnderTest : IAsyncDisposable
{
    public const string Audience = "bench-app";
    private const string Issuer = "wix.com";

    private readonly WebApplication _app;
    private readonly ECDsa _key;

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private AdaptorUnderTest(WebApplication app, ECDsa key, Uri address, IReadOnlyDictionary<string, string?> settings)
    {
        _app = app;
        _key = key;
        _settings = settings;
        Address = address;
        Http = Client(address);
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    internal static HttpClient Client(Uri address) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = 1024,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(120),
    };

    public static async Task<AdaptorUnderTest> StartAsync(string engine, string connectionString, CancellationToken ct)
    {
        var key = V3RequestSigner.CreateKey();
        var settings = new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = engine,
            ["Adaptor:ConnectionString"] = connectionString,
            ["Adaptor:Audience"] = Audience,
            ["Adaptor:JwtPublicKeys:0"] = V3RequestSigner.ExportPublicKey(key),
            ["Logging:LogLevel:Default"] = "Warning",
            // Each retry is one Information line of this category: the harness counts them.
            ["Logging:LogLevel:ExternalDb.Adaptor.Hosting.AdaptorMetrics"] = "Information",
        };
        var app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AdaptorUnderTest(app, key, new Uri(address), settings);
    }

    /// <summary>
    /// The adaptor as a process of its own with the same settings; <paramref name="maxPoolSize"/> sets
    /// <c>Adaptor:MaxPoolSize</c> (the adaptor's default when null).
    /// </summary>
    public async Task<AdaptorReplica> StartProcessAsync(int? maxPoolSize, IReadOnlyDictionary<string, string> environment, CancellationToken ct,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(_settings);
        if (maxPoolSize is { } size)
        {
            settings["Adaptor:MaxPoolSize"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var process = await AdaptorProcess.StartAsync(settings, environment: environment, ct: ct).ConfigureAwait(false);
        return new AdaptorReplica(process, Client(process.BaseAddress));
    }

    /// <summary>A V3 body: the request signed now as a compact ES256 JWT, in UTF-8.</summary>
    public byte[] Sign(JsonNode request) =>
        Encoding.UTF8.GetBytes(V3RequestSigner.Sign(_key, Issuer, Audience, request, V3RequestSigner.AppMetadata(Audience), DateTimeOffset.UtcNow));

    /// <summary>Posts a signed body to the in-process adaptor; returns the answer's bytes, or throws when the status is not 200.</summary>
    public Task<byte[]> PostAsync(string path, byte[] body, CancellationToken ct) => PostAsync(Http, path, body, ct);

    /// <summary>Posts a signed body; returns the answer's bytes, or throws when the status is not 200.</summary>
    public static async Task<byte[]> PostAsync(HttpClient http, string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        using var response = await http.PostAsync(path, content, ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {Truncate(Encoding.UTF8.GetString(answer))}");
        }
        return answer;
    }

    /// <summary>Signs, posts and parses one call outside the measured loops.</summary>
    public async Task<JsonNode> CallAsync(string path, JsonNode request, CancellationToken ct) =>
        JsonNode.Parse(await PostAsync(path, Sign(request), ct).ConfigureAwait(false))
        ?? throw new InvalidOperationException($"{path} answered an empty body.");

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _key.Dispose();
    }
}

/// <summary>The adaptor in a process of its own (see <see cref="AdaptorUnderTest.StartProcessAsync"/>).</summary>
internal sealed class AdaptorReplica(AdaptorProcess process, HttpClient http) : IAsyncDisposable
{
    public int ProcessId => process.ProcessId;

    public Uri BaseAddress => process.BaseAddress;

    /// <summary>How often the adaptor ran an operation again so far (its <c>Retried</c> log lines; see AdaptorMetrics).</summary>
    public int Retries => process.Output.Split('\n').Count(line => line.Contains("An operation runs again", StringComparison.Ordinal));

    public Task<byte[]> PostAsync(string path, byte[] body, CancellationToken ct) => AdaptorUnderTest.PostAsync(http, path, body, ct);

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await process.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// The signed bodies of one scenario, made before its measured loop so that the client's signing is not measured.
/// The adaptor keeps no replay list, so a body may be sent many times while it is valid (exp = iat + 60 s); a
/// timer signs a fresh set every 20 s for runs longer than that.
/// </summary>
internal sealed class SignedBodies : IDisposable
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(20);

    private readonly AdaptorUnderTest _adaptor;
    private readonly Func<int, JsonObject> _request;
    private readonly int _count;
    private byte[][] _bodies;
    private Timer? _timer;

    public SignedBodies(AdaptorUnderTest adaptor, Func<int, JsonObject> request, int count)
    {
        _adaptor = adaptor;
        _request = request;
        _count = count;
        _bodies = SignAll();
    }

    public byte[] this[int variant] => Volatile.Read(ref _bodies)[variant];

    /// <summary>Signs a fresh set now and every 20 s until disposed.</summary>
    public void KeepFresh()
    {
        Volatile.Write(ref _bodies, SignAll());
        _timer ??= new Timer(_ => Volatile.Write(ref _bodies, SignAll()), null, RefreshEvery, RefreshEvery);
    }

    private byte[][] SignAll() => [.. Enumerable.Range(0, _count).Select(k => _adaptor.Sign(_request(k)))];

    public void Dispose() => _timer?.Dispose();
}
