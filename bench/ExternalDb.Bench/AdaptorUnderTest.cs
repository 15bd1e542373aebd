using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExternalDb.Bench;

/// <summary>
/// The reference adaptor in this process on real Kestrel at 127.0.0.1:0, V3 only, with a signing key of its own,
/// and an HTTP client that keeps one connection per concurrent loop.
/// </summary>
internal sealed class AdaptorUnderTest : IAsyncDisposable
{
    public const string Audience = "bench-app";
    private const string Issuer = "wix.com";

    private readonly WebApplication _app;
    private readonly ECDsa _key;

    private AdaptorUnderTest(WebApplication app, ECDsa key, Uri address)
    {
        _app = app;
        _key = key;
        Address = address;
        Http = new HttpClient(new SocketsHttpHandler
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
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public static async Task<AdaptorUnderTest> StartAsync(string engine, string connectionString, CancellationToken ct)
    {
        var key = V3RequestSigner.CreateKey();
        var settings = new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = engine,
            ["Adaptor:ConnectionString"] = connectionString,
            ["Adaptor:Audience"] = Audience,
            ["Adaptor:JwtPublicKeys:0"] = V3RequestSigner.ExportPublicKey(key),
        };
        var app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AdaptorUnderTest(app, key, new Uri(address));
    }

    /// <summary>A V3 body: the request signed now as a compact ES256 JWT, in UTF-8.</summary>
    public byte[] Sign(JsonNode request) =>
        Encoding.UTF8.GetBytes(V3RequestSigner.Sign(_key, Issuer, Audience, request, V3RequestSigner.AppMetadata(Audience), DateTimeOffset.UtcNow));

    /// <summary>Posts a signed body; returns the answer's bytes, or throws when the status is not 200.</summary>
    public async Task<byte[]> PostAsync(string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        using var response = await Http.PostAsync(path, content, ct).ConfigureAwait(false);
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
