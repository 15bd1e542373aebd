using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>Metrics at <c>/metrics</c>, liveness and readiness, JSON console logs.</summary>
public sealed class ObservabilityTests
{
    private const string DemoSecret = "demo-secret-for-metrics-3f9a1c";
    private const string ConfigurationSecret = "configuration-secret-7d2e90b4";
    private const string EndpointSecret = "endpoint-query-secret-c81f5a";

    [Fact]
    public async Task Metrics_show_requests_adaptor_calls_checks_and_circuits_and_no_secret()
    {
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Metrics:PrometheusEndpoint"] = "true",
            ["DemoAdaptor:SecretKey"] = DemoSecret,
        });
        var http = server.AdminHttp();

        // A healthy V2 connection (the demo adaptor) and gateway calls through it.
        var demo = Names.New("metrics-demo");
        await http.CreateRawAsync(RawApi.CreateBody(demo, new Uri(server.BaseAddress, "demo-adaptor").ToString().TrimEnd('/'),
            new JsonObject { ["secretKey"] = DemoSecret }, "STANDALONE"));
        var query = await http.PostJsonAsync("wix-data/v2/items/query", $$"""{"dataCollectionId": "{{demo}}/nothing-here"}""");
        Assert.InRange(query.Status, 400, 499);

        // A connection whose adaptor then goes away: its calls fail until the circuit opens.
        var fake = (await FakeAdaptor.StartAsync()).AsLegacy();
        var gone = Names.New("metrics-gone");
        var endpoint = fake.Endpoint + "/?token=" + EndpointSecret;
        await http.CreateRawAsync(RawApi.CreateBody(gone, endpoint, new JsonObject { ["secretKey"] = ConfigurationSecret }, "STANDALONE"));
        var authority = new Uri(fake.Endpoint).Authority;
        await fake.DisposeAsync();
        for (var i = 0; i < 12; i++)
        {
            var failed = await http.GetRawAsync($"wix-data/v2/collections/{Uri.EscapeDataString(gone)}/products");
            Assert.InRange(failed.Status, 500, 504);
        }
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path("no-such-connection"))).Status);

        var metrics = await ScrapeAsync(server, text =>
            text.Contains("externaldb_adaptor_circuit_state", StringComparison.Ordinal)
            && text.Contains("externaldb_adaptor_call_duration_seconds_count", StringComparison.Ordinal));

        Assert.Matches(Sample("http_server_request_duration_seconds_count", ("http_route", "/wix-data/v1/external-database-connections/{name}"), ("http_response_status_code", "404")), metrics);
        Assert.Matches(Sample("http_server_request_duration_seconds_count", ("http_request_method", "POST"), ("http_route", "/wix-data/v1/external-database-connections/"), ("http_response_status_code", "200")), metrics);
        Assert.Matches(Sample("externaldb_adaptor_call_duration_seconds_count", ("connection", demo), ("outcome", "2xx")), metrics);
        Assert.Matches(Sample("externaldb_adaptor_call_duration_seconds_count", ("connection", gone), ("outcome", "unreachable")), metrics);
        Assert.Matches(Sample("externaldb_connection_check_duration_seconds_count", ("connection", demo), ("outcome", "NONE"), ("trigger", "create")), metrics);
        Assert.Matches(Sample("externaldb_adaptor_circuit_state", ("adaptor", authority)) + @" 2(\s|$)", metrics);

        foreach (var secret in new[] { DemoSecret, ConfigurationSecret, EndpointSecret, ServerInstance.AdminKey })
        {
            Assert.DoesNotContain(secret, metrics, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_show_webhook_deliveries_by_outcome_failures_and_the_backlog()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Metrics:PrometheusEndpoint"] = "true",
            ["Webhooks:RetryBaseDelay"] = "00:00:00.050",
            ["Webhooks:MaxRetryDelay"] = "00:00:00.100",
            ["Webhooks:PollInterval"] = "00:00:00.100",
            ["Webhooks:MaxAttempts"] = "2",
        });
        var http = server.AdminHttp();
        var created = await http.PostJsonAsync("v1/webhooks", $$"""{"url": "{{receiver.Url}}"}""");
        Assert.True(created.Status == 200, created.Body);
        var id = created.Json["webhook"]!["id"]!.GetValue<string>();
        receiver.Trust(created.Json["webhook"]!["secret"]!.GetValue<string>());

        receiver.AnswerWith(500);
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{id}/ping", "{}")).Status);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(await http.GetRawAsync($"v1/webhooks/{id}/deliveries")).Body.Contains("\"DEAD\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "The ping did not die");
            await Task.Delay(50);
        }
        receiver.AnswerWith(200);
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{id}/ping", "{}")).Status);
        await receiver.WaitForAsync(r => r.Count == 1, TimeSpan.FromSeconds(20), "the second ping");

        var metrics = await ScrapeAsync(server, text => text.Contains("outcome=\"delivered\"", StringComparison.Ordinal));
        // At least what this test caused: OpenTelemetry listens to meters by name across the process, so servers of
        // tests running beside this one (webhook tests retry too) may add to the same counters.
        Assert.Matches(Sample("externaldb_webhook_deliveries_total", ("outcome", "retry")) + AtLeast1, metrics);
        Assert.Matches(Sample("externaldb_webhook_deliveries_total", ("outcome", "dead")) + AtLeast1, metrics);
        Assert.Matches(Sample("externaldb_webhook_deliveries_total", ("outcome", "delivered")) + AtLeast1, metrics);
        Assert.Matches(Sample("externaldb_webhook_delivery_failures_total", ("error", "http_500")) + @" ([2-9]|[1-9]\d+)(\s|$)", metrics);
        Assert.Matches(@"(?m)^externaldb_webhook_backlog(\{[^}]*\})? \d", metrics);
        Assert.DoesNotContain(created.Json["webhook"]!["secret"]!.GetValue<string>(), metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traces_go_to_the_otlp_collector_when_one_is_configured()
    {
        await using var collector = await FakeAdaptor.StartAsync();
        collector.On("/v1/traces", Answers.Status(200)).On("/v1/metrics", Answers.Status(200));
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        Assert.Equal(404, (await server.AdminHttp().GetRawAsync(RawApi.Path("traced-but-missing"))).Status);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (collector.ReceivedAt("/v1/traces").Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "No trace reached the collector");
            await Task.Delay(100);
        }
        Assert.Equal("application/x-protobuf", collector.ReceivedAt("/v1/traces")[0].ContentType);
    }

    [Fact]
    public async Task Metrics_endpoint_is_off_by_default()
    {
        await using var server = await ServerInstance.StartAsync();
        Assert.Equal(404, (await server.Http().GetRawAsync("metrics")).Status);
    }

    [Fact]
    public async Task Readyz_is_200_with_a_reachable_migrated_registry_and_503_when_the_registry_is_gone()
    {
        await using var server = await ServerInstance.StartAsync();
        var http = server.Http();
        var ready = await http.GetRawAsync("readyz");
        Assert.Equal(200, ready.Status);
        Assert.Equal("ready", ready.Json["status"]!.GetValue<string>());

        foreach (var file in Directory.GetFiles(server.DataDirectory, "externaldb.db*"))
        {
            File.Delete(file);
        }

        var gone = await http.GetRawAsync("readyz");
        Assert.Equal(503, gone.Status);
        Assert.Equal("unavailable", gone.Json["status"]!.GetValue<string>());
        Assert.Contains("cannot be reached", gone.Json["checks"]!["registry"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(200, (await http.GetRawAsync("healthz")).Status);
    }

    [Fact]
    public async Task Readyz_is_503_until_the_migrations_have_run()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-readyz-").FullName;
        try
        {
            var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Storage:DataDirectory"] = dataDirectory,
                    ["Auth:BootstrapAdminKey"] = ServerInstance.AdminKey,
                });
                builder.Logging.ClearProviders();
            });
            await using (app)
            {
                await app.StartAsync();
                // The registry's file exists (as after a first open) but nothing is migrated yet.
                await (await app.Services.GetRequiredService<Storage.Database>().OpenAsync(CancellationToken.None)).DisposeAsync();
                using var http = new HttpClient { BaseAddress = new Uri(LoopbackApp.BaseUrl(app) + "/") };

                var before = await http.GetRawAsync("readyz");
                Assert.Equal(503, before.Status);
                Assert.Contains("migrations have not run", before.Json["checks"]!["registry"]!.GetValue<string>(), StringComparison.Ordinal);

                await ServerApp.InitializeAsync(app);
                Assert.Equal(200, (await http.GetRawAsync("readyz")).Status);
                await app.StopAsync();
            }
        }
        finally
        {
            TempFiles.TryDelete(dataDirectory);
        }
    }

    [Fact]
    public async Task The_json_console_formatter_writes_one_json_object_per_line()
    {
        const string adminKey = "edb_json-logs-admin-key-5b1e7c9d2a";
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-json-logs-").FullName;
        try
        {
            await using var fake = (await FakeAdaptor.StartAsync()).AsLegacy();
            await using var server = await ServerProcess.StartAsync(dataDirectory, adminKey, new Dictionary<string, string>
            {
                ["Logging__Console__FormatterName"] = "json",
                ["DemoAdaptor__SecretKey"] = DemoSecret,
            });
            var name = Names.New("json-logs");
            var created = await server.Http(adminKey).PostJsonAsync(RawApi.Base,
                RawApi.CreateBody(name, fake.Endpoint, new JsonObject { ["secretKey"] = ConfigurationSecret }, "STANDALONE"));
            Assert.Equal(200, created.Status);

            var output = await server.WaitForOutputAsync(o => o.Contains("Created connection", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                using var entry = JsonDocument.Parse(line);
                Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
                Assert.True(entry.RootElement.TryGetProperty("Category", out _), line);
                Assert.True(entry.RootElement.TryGetProperty("Message", out _), line);
            }
            Assert.Contains(lines, l => l.Contains("\"Created connection " + name, StringComparison.Ordinal));
            Assert.DoesNotContain(ConfigurationSecret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(adminKey, output, StringComparison.Ordinal);
        }
        finally
        {
            TempFiles.TryDelete(dataDirectory);
        }
    }

    /// <summary>A regex for one sample of <paramref name="metric"/> carrying the given labels (in any order, others allowed).</summary>
    /// <summary>A sample's value of 1 or more.</summary>
    private const string AtLeast1 = @" [1-9]\d*(\s|$)";

    private static string Sample(string metric, params (string Label, string Value)[] labels) =>
        "(?m)^" + Regex.Escape(metric) + @"\{" + string.Concat(labels.Select(l => $"(?=[^}}]*\\b{Regex.Escape(l.Label)}=\"{Regex.Escape(l.Value)}\")")) + @"[^}]*\}";

    private static async Task<string> ScrapeAsync(ServerInstance server, Func<string, bool> complete)
    {
        var http = server.Http();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var response = await http.GetRawAsync("metrics");
            Assert.Equal(200, response.Status);
            if (complete(response.Body) || DateTime.UtcNow > deadline)
            {
                return response.Body;
            }
            // The exporter caches a scrape for a moment.
            await Task.Delay(200);
        }
    }
}
