using System.Net;
using System.Text.Json.Nodes;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>The demo adaptor: a random secret per data directory, and off by default beyond loopback.</summary>
public sealed class DemoAdaptorTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("externaldb-demo-tests-").FullName;

    public void Dispose() => TempFiles.TryDelete(_dataDirectory);

    private Task<ServerInstance> StartAsync(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return ServerInstance.StartAsync(all);
    }

    /// <summary>A client of the server over 127.0.0.1, whatever address it listens on; the admin key unless <paramref name="apiKey"/> is empty.</summary>
    private static HttpClient Local(ServerInstance server, string? apiKey = ServerInstance.AdminKey)
    {
        var http = server.Http(apiKey);
        http.BaseAddress = new Uri($"http://127.0.0.1:{server.BaseAddress.Port}/");
        return http;
    }

    private static async Task<JsonObject> DescribeAsync(ServerInstance server)
    {
        var response = await Local(server).GetRawAsync("v1/demo-adaptor");
        Assert.True(response.Status == 200, response.Body);
        return response.Json;
    }

    /// <summary>A STANDALONE connection to the demo adaptor with <paramref name="secret"/>; answers its cause of failure.</summary>
    private static async Task<string> ConnectAsync(ServerInstance server, string? secret)
    {
        var body = RawApi.CreateBody(Names.New("demo"), $"http://127.0.0.1:{server.BaseAddress.Port}/demo-adaptor",
            new JsonObject { ["secretKey"] = secret }, "STANDALONE");
        var connection = await Local(server).CreateRawAsync(body);
        return connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_random_secret_is_made_once_per_data_directory_kept_owner_only_and_works()
    {
        string secret;
        await using (var first = await StartAsync())
        {
            var described = await DescribeAsync(first);
            secret = described["secretKey"]!.GetValue<string>();
            Assert.True(described["enabled"]!.GetValue<bool>());
            Assert.Equal("/demo-adaptor", described["path"]!.GetValue<string>());
            Assert.Equal(new Uri(first.BaseAddress, "demo-adaptor").ToString(), described["endpoint"]!.GetValue<string>());
            Assert.StartsWith("demo_", secret, StringComparison.Ordinal);
            Assert.True(secret.Length >= 32, secret);
            Assert.Equal("NONE", await ConnectAsync(first, secret));
        }
        var file = Path.Combine(_dataDirectory, "demo-adaptor.secret");
        Assert.Equal(secret, File.ReadAllText(file).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        await using var second = await StartAsync();
        Assert.Equal(secret, (await DescribeAsync(second))["secretKey"]!.GetValue<string>());
        Assert.Equal("NONE", await ConnectAsync(second, secret));

        var otherDirectory = Directory.CreateTempSubdirectory("externaldb-demo-tests-").FullName;
        try
        {
            await using var other = await ServerInstance.StartAsync(new Dictionary<string, string?> { ["Storage:DataDirectory"] = otherDirectory });
            Assert.NotEqual(secret, (await DescribeAsync(other))["secretKey"]!.GetValue<string>());
        }
        finally
        {
            TempFiles.TryDelete(otherDirectory);
        }
    }

    [Fact]
    public async Task The_old_well_known_secret_is_refused()
    {
        await using var server = await StartAsync();

        Assert.Equal("UNAUTHORIZED", await ConnectAsync(server, "demo-secret"));
        Assert.Equal("UNAUTHORIZED", await ConnectAsync(server, ""));
    }

    [Fact]
    public async Task A_configured_secret_is_used_and_no_secret_file_is_made()
    {
        const string configured = "configured-demo-secret-1c7e";
        await using var server = await StartAsync(("DemoAdaptor:SecretKey", configured));

        Assert.Equal(configured, (await DescribeAsync(server))["secretKey"]!.GetValue<string>());
        Assert.Equal("NONE", await ConnectAsync(server, configured));
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "demo-adaptor.secret")));
    }

    [Fact]
    public async Task Only_an_admin_key_reads_the_demo_adaptor()
    {
        await using var server = await StartAsync();
        var created = await server.AdminHttp().PostJsonAsync("v1/api-keys",
            """{"name": "reader", "permissions": ["WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION", "WIX_DATA.READ_EXTERNAL_DATABASE_CONNECTION_SECRETS"]}""");

        ErrorAssert.Application(await server.Http(created.Json["key"]!.GetValue<string>()).GetRawAsync("v1/demo-adaptor"), 403, "PERMISSION_DENIED");
        ErrorAssert.Application(await server.Http().GetRawAsync("v1/demo-adaptor"), 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://+:0")]
    public async Task Listening_beyond_loopback_turns_the_demo_off_unless_enabled(string urls)
    {
        await using (var server = await StartAsync(("urls", urls)))
        {
            var described = await DescribeAsync(server);
            Assert.False(described["enabled"]!.GetValue<bool>());
            Assert.Null(described["secretKey"]);
            Assert.Contains("DemoAdaptor:Enabled=true", described["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            ErrorAssert.Application(await Local(server, null).PostJsonAsync("demo-adaptor/provision", "{}"), 404, "NOT_FOUND");
            Assert.False(File.Exists(Path.Combine(_dataDirectory, "demo-adaptor.secret")));
        }

        await using var enabled = await StartAsync(("urls", urls), ("DemoAdaptor:Enabled", "true"));
        var secret = (await DescribeAsync(enabled))["secretKey"]!.GetValue<string>();
        Assert.Equal("NONE", await ConnectAsync(enabled, secret));
    }

    [Fact]
    public async Task Disabled_explicitly_the_demo_is_off_on_loopback_too()
    {
        await using var server = await StartAsync(("DemoAdaptor:Enabled", "false"));

        Assert.False((await DescribeAsync(server))["enabled"]!.GetValue<bool>());
        ErrorAssert.Application(await server.Http().PostJsonAsync("demo-adaptor/provision", "{}"), 404, "NOT_FOUND");
    }

    [Fact]
    public async Task An_address_bound_in_code_beyond_loopback_turns_the_demo_off_too()
    {
        var app = ServerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = _dataDirectory,
                ["Auth:BootstrapAdminKey"] = ServerInstance.AdminKey,
                ["urls"] = "http://127.0.0.1:0",
            });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Any, 0));
        });
        await ServerApp.InitializeAsync(app);
        await app.StartAsync();
        try
        {
            var port = new Uri(LoopbackApp.BaseUrl(app)).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            http.DefaultRequestHeaders.Authorization = new("Bearer", ServerInstance.AdminKey);

            var described = await http.GetRawAsync("v1/demo-adaptor");
            var provision = await http.PostJsonAsync("demo-adaptor/provision", "{}");

            Assert.False(described.Json["enabled"]!.GetValue<bool>(), described.Body);
            Assert.Equal(404, provision.Status);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.8.9.10:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("https://LOCALHOST:5443", true)]
    [InlineData("http://unix:/run/externaldb.sock", true)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://192.168.1.20:5080", false)]
    [InlineData("http://10.0.0.5:5080", false)]
    [InlineData("http://example.com:5080", false)]
    [InlineData("http://[::ffff:127.0.0.1]:5080", true)]
    [InlineData("not a url", false)]
    public void Loopback_addresses_are_told_from_the_rest(string address, bool loopback)
    {
        Assert.Equal(loopback, ListenAddresses.IsLoopback(address));
    }

    [Fact]
    public void The_configured_addresses_follow_kestrels_precedence()
    {
        static IReadOnlyList<string> Of(params (string, string)[] settings) =>
            ListenAddresses.Configured(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Item1, (string?)s.Item2))).Build());

        Assert.Equal(["http://localhost:5000"], Of());
        Assert.Equal(["http://127.0.0.1:1", "http://0.0.0.0:2"], Of(("Urls", "http://127.0.0.1:1; http://0.0.0.0:2")));
        Assert.Equal(["http://*:8080"], Of(("HTTP_PORTS", "8080")));
        Assert.Equal(["http://10.0.0.1:3"], Of(("urls", "http://127.0.0.1:1"), ("Kestrel:Endpoints:Http:Url", "http://10.0.0.1:3")));
    }
}
