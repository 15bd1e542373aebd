using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Tests;

/// <summary>A loopback TCP listener that counts the connections it accepts (and answers none).</summary>
public sealed class CountingListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    public CountingListener(IPAddress address, int port = 0)
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}

/// <summary>The egress policy on the prober's and the gateway's real calls.</summary>
public sealed class EgressTests
{
    private static Task<ServerInstance> StartAsync(RecordingResolver? resolver = null, params (string Key, string Value)[] settings) =>
        ServerInstance.StartAsync(
            settings.ToDictionary(s => s.Key, s => (string?)s.Value),
            services =>
            {
                if (resolver is not null)
                {
                    services.AddSingleton<IHostResolver>(resolver);
                }
            });

    private static async Task<JsonObject> CreateAsync(ServerInstance server, string endpoint, string? name = null)
    {
        var body = RawApi.CreateBody(name ?? Names.New("egress"), endpoint, new JsonObject { ["secretKey"] = "egress-secret" }, "STANDALONE");
        return await server.AdminHttp().CreateRawAsync(body);
    }

    private static void AssertRefused(JsonObject connection, string setting)
    {
        var status = connection["connectionStatus"]!;
        Assert.Equal("DESTINATION_HOST_UNREACHABLE", status["causeOfFailure"]!.GetValue<string>());
        var message = status["message"]!.GetValue<string>();
        Assert.StartsWith("The egress policy refused ", message, StringComparison.Ordinal);
        Assert.Contains(setting, message, StringComparison.Ordinal);
        StatusAssert.Sentence(message);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[::ffff:a9fe:a9fe]:80/")]
    [InlineData("http://2852039166/")]
    [InlineData("http://0xa9fea9fe/")]
    [InlineData("http://[fe80::1]:8080/")]
    [InlineData("http://0.0.0.0:80/")]
    [InlineData("http://metadata.test/computeMetadata/v1/")]
    public async Task Link_local_and_unspecified_endpoints_are_refused_at_once_and_never_called(string endpoint)
    {
        var resolver = new RecordingResolver().Answer("metadata.test", "169.254.169.254");
        await using var server = await StartAsync(resolver);

        var connection = await CreateAsync(server, endpoint);

        // The refusal is raised before a socket is made: its message is the proof that nothing was sent.
        var status = connection["connectionStatus"]!;
        Assert.Equal("DESTINATION_HOST_UNREACHABLE", status["causeOfFailure"]!.GetValue<string>());
        Assert.StartsWith("The egress policy refused ", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(endpoint.Contains("metadata.test", StringComparison.Ordinal) ? ["metadata.test"] : [], resolver.Asked.Distinct());
    }

    [Fact]
    public async Task The_refusal_names_the_setting_that_allows_the_address()
    {
        await using var server = await StartAsync();

        AssertRefused(await CreateAsync(server, "http://169.254.169.254/"), "Adaptors:Egress:AllowedNetworks");
    }

    [Fact]
    public async Task With_loopback_denied_no_spelling_of_it_reaches_a_listening_port()
    {
        using var listener = new CountingListener(IPAddress.Loopback);
        using var listener6 = Socket.OSSupportsIPv6 ? TryListen(IPAddress.IPv6Loopback, listener.Port) : null;
        await using var server = await StartAsync(null, ("Adaptors:Egress:AllowLoopback", "false"));
        var port = listener.Port;

        foreach (var endpoint in new[]
        {
            $"http://127.0.0.1:{port}", $"http://127.1:{port}", $"http://0x7f000001:{port}", $"http://2130706433:{port}",
            $"http://017700000001:{port}", $"http://localhost:{port}", $"http://[::1]:{port}", $"http://[::ffff:127.0.0.1]:{port}",
        })
        {
            AssertRefused(await CreateAsync(server, endpoint), "Adaptors:Egress:AllowLoopback");
        }

        await Task.Delay(200);
        Assert.Equal(0, listener.Accepted);
        Assert.Equal(0, listener6?.Accepted ?? 0);
    }

    [Fact]
    public async Task By_default_loopback_adaptors_work_and_the_listener_sees_the_call()
    {
        using var listener = new CountingListener(IPAddress.Loopback);
        await using var server = await StartAsync();

        var connection = await CreateAsync(server, $"http://127.1:{listener.Port}");

        Assert.DoesNotContain("egress", connection["connectionStatus"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(listener.Accepted > 0);
    }

    [Fact]
    public async Task A_name_that_later_resolves_to_a_refused_address_is_not_called_by_the_gateway()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy(schemas: Answers.OneSchema);
        adaptor.OnJson("/data/find", """{"items": [], "totalCount": 0}""").OnJson("/schemas/find", $$"""{"schemas": {{Answers.OneSchema}}}""");
        var resolver = new RecordingResolver().Answer("rebind.test", "127.0.0.1");
        await using var server = await StartAsync(resolver);
        var name = Names.New("rebind");
        var port = new Uri(adaptor.Endpoint).Port;
        var connection = await CreateAsync(server, $"http://rebind.test:{port}", name);
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>(), connection.ToJsonString());
        var callsBefore = adaptor.Received.Count;

        resolver.Answer("rebind.test", "169.254.169.254");
        var query = await server.AdminHttp().PostJsonAsync("wix-data/v2/items/query",
            new JsonObject { ["dataCollectionId"] = name + "/products" }.ToJsonString());

        Assert.Equal(502, query.Status);
        Assert.Contains("The egress policy refused rebind.test", query.Body, StringComparison.Ordinal);
        Assert.Equal(callsBefore, adaptor.Received.Count);
        Assert.Contains("rebind.test", resolver.Asked);
    }

    [Fact]
    public async Task A_probe_message_gives_the_status_code_but_not_the_adaptors_reason_phrase_or_body()
    {
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.On("/provision", async (context, _, ct) =>
        {
            context.Response.StatusCode = 418;
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = "Leaky Teapot Internals";
            await context.Response.WriteAsync("stack trace at Internal.Secret.Method()", ct);
        });
        await using var server = await StartAsync();

        var message = (await CreateAsync(server, adaptor.Endpoint))["connectionStatus"]!["message"]!.GetValue<string>();

        Assert.Contains("418", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Leaky", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Teapot", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_network_in_the_settings_stops_the_start_naming_the_setting()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-egress-").FullName;
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Adaptors:Egress:DeniedNetworks:0"] = "10.0.0.0/8",
                ["Adaptors:Egress:DeniedNetworks:1"] = "10.0.0.300/8",
                ["DemoAdaptor:Enabled"] = "false",
            });
            builder.Logging.ClearProviders();
        });
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains("Adaptors:Egress:DeniedNetworks:1", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
            TempFiles.TryDelete(dataDirectory);
        }
    }

    private static CountingListener? TryListen(IPAddress address, int port)
    {
        try
        {
            return new CountingListener(address, port);
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
