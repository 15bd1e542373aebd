using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>
/// Adaptor trouble never fails Create: the connection is stored with a failed status that says why. The server
/// here gives up on an adaptor after <see cref="ShortProbeTimeoutServer.ProbeTimeout"/>.
/// </summary>
public sealed class ProbeFailureTests(ShortProbeTimeoutServer fixture) : IClassFixture<ShortProbeTimeoutServer>
{
    /// <summary>The bound the brief allows: the probe timeout plus two seconds.</summary>
    private static readonly TimeSpan Bound = ShortProbeTimeoutServer.ProbeTimeout + TimeSpan.FromSeconds(2);

    private readonly ServerInstance _server = fixture.Server;

    /// <summary>Creates a STANDALONE connection to <paramref name="endpoint"/>, checks the answer and the stored copy.</summary>
    private async Task<ExternalDatabaseConnection> CreateExpectingFailureAsync(string endpoint, CauseOfFailure cause)
    {
        using var client = _server.Client();
        var name = Names.New("fail");
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = endpoint, Configuration = new JsonObject { ["secretKey"] = "failure-secret-51c0" } },
            new CreateExternalDatabaseConnectionOptions { ConnectionType = ConnectionType.Standalone });
        StatusAssert.Failed(created, cause);
        Assert.False(created.Capabilities!.CollectionModificationsSupported);
        Assert.DoesNotContain("failure-secret-51c0", created.ConnectionStatus!.Message, StringComparison.Ordinal);

        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        StatusAssert.Failed(stored, cause);
        Assert.Equal(created.ConnectionStatus, stored.ConnectionStatus);
        Assert.Equal(endpoint, stored.Endpoint);
        return stored;
    }

    private async Task<TimeSpan> TimedAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private async Task AssertServerStillHealthyAsync()
    {
        var health = await _server.Http().GetRawAsync("healthz");
        Assert.Equal(200, health.Status);
        await using var healthy = (await FakeAdaptor.StartAsync()).AsLegacy();
        using var client = _server.Client();
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = Names.New("after"), Endpoint = healthy.Endpoint, Configuration = new JsonObject { ["secretKey"] = "x" } });
        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.Yes);
    }

    [Theory]
    [InlineData("/provision", 401)]
    [InlineData("/provision", 403)]
    [InlineData("/schemas/list", 401)]
    [InlineData("/schemas/list", 403)]
    public async Task An_adaptor_refusing_the_credentials_makes_the_connection_unauthorized(string path, int status)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.OnJson(path, """{"message": "You are not authorized"}""", status);

        var stored = await CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.Unauthorized);

        Assert.Contains(path, stored.ConnectionStatus!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/provision", 500)]
    [InlineData("/schemas/list", 500)]
    [InlineData("/schemas/list", 404)]
    [InlineData("/provision", 400)]
    [InlineData("/schemas/list", 503)]
    public async Task An_adaptor_answering_an_error_status_is_a_communication_failure(string path, int status)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.OnJson(path, """{"message": "boom"}""", status);

        var stored = await CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.CommunicationFailure);

        Assert.Contains(path, stored.ConnectionStatus!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/provision", "<html><body>It works!</body></html>")]
    [InlineData("/schemas/list", "<html><body>It works!</body></html>")]
    [InlineData("/schemas/list", "")]
    [InlineData("/schemas/list", """{"schemas": "not an array"}""")]
    [InlineData("/schemas/list", """{"items": []}""")]
    [InlineData("/schemas/list", """{"schemas": [""")]
    [InlineData("/provision", """{"protocolVersion": "banana"}""")]
    public async Task An_adaptor_answering_something_other_than_the_expected_json_is_a_communication_failure(string path, string body)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On(path, async (context, _, ct) =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync(body, ct);
        });

        await CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.CommunicationFailure);
    }

    [Theory]
    [InlineData(401, CauseOfFailure.Unauthorized)]
    [InlineData(500, CauseOfFailure.CommunicationFailure)]
    [InlineData(200, CauseOfFailure.CommunicationFailure)]
    public async Task An_adaptor_echoing_the_request_does_not_get_the_secret_into_the_status(int status, CauseOfFailure cause)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/schemas/list", async (context, request, ct) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("Refused: " + request.Body, ct);
        });

        var stored = await CreateExpectingFailureAsync(adaptor.Endpoint, cause);

        Assert.Contains("failure-secret-51c0", adaptor.ReceivedAt("/schemas/list").Single().Body, StringComparison.Ordinal);
        Assert.DoesNotContain("failure-secret-51c0", stored.ConnectionStatus!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("failure-secret-51c0", _server.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_makes_the_destination_host_unreachable()
    {
        var stored = await CreateExpectingFailureAsync(Ports.ClosedEndpoint(), CauseOfFailure.DestinationHostUnreachable);

        // The log says that the check failed and why, in words (never "None" for success, never the secret).
        Assert.Contains(_server.Logs.Lines, l => l.Contains($"Checked the adaptor of connection {stored.Name}: not working (DestinationHostUnreachable) in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unresolvable_host_makes_the_destination_host_unreachable()
    {
        await CreateExpectingFailureAsync("http://adaptor.does-not-exist.invalid", CauseOfFailure.DestinationHostUnreachable);
    }

    [Fact]
    public async Task An_adaptor_that_never_answers_is_unreachable_once_the_probe_timeout_has_passed()
    {
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.On("/provision", Answers.Hang());

        var elapsed = await TimedAsync(() => CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.DestinationHostUnreachable));

        Assert.True(elapsed < Bound, $"Create took {elapsed}, more than the probe timeout plus 2 s");
        Assert.Single(adaptor.ReceivedAt("/provision"));
    }

    [Fact]
    public async Task The_probe_timeout_bounds_the_whole_check_not_each_call()
    {
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.On("/provision", async (context, _, ct) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
            await Answers.Json("{}")(context, null!, ct);
        });
        adaptor.On("/schemas/list", async (context, _, ct) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
            await Answers.Json("""{"schemas": []}""")(context, null!, ct);
        });

        var elapsed = await TimedAsync(() => CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.DestinationHostUnreachable));

        Assert.True(elapsed < Bound, $"Create took {elapsed}");
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_a_communication_failure_and_its_target_is_never_called(int status)
    {
        await using var target = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.On("/provision", (context, _, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = target.Endpoint + "/provision";
            return Task.CompletedTask;
        });

        await CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.CommunicationFailure);

        Assert.Empty(target.Received);
        Assert.Empty(adaptor.ReceivedAt("/schemas/list"));
    }

    [Fact]
    public async Task An_endless_body_is_cut_off_within_the_bound_and_the_server_stays_healthy()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/schemas/list", async (context, _, ct) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"schemas": [""", ct);
            var chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("""{"id": "padding-padding-padding"},""", 2000)));
            while (!ct.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, ct);
            }
        });

        var elapsed = await TimedAsync(async () =>
        {
            var stored = await CreateFailingWithEitherAsync(adaptor.Endpoint);
            Assert.Contains(stored.ConnectionStatus!.CauseOfFailure, new[] { CauseOfFailure.CommunicationFailure, CauseOfFailure.DestinationHostUnreachable });
        });

        Assert.True(elapsed < Bound, $"Create took {elapsed}");
        await AssertServerStillHealthyAsync();
    }

    [Fact]
    public async Task A_body_that_trickles_in_forever_is_cut_off_within_the_bound()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/schemas/list", async (context, _, ct) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"schemas": [""", ct);
            await context.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                await context.Response.WriteAsync(" ", ct);
                await context.Response.Body.FlushAsync(ct);
                await Task.Delay(50, ct);
            }
        });

        var stored = await CreateFailingWithEitherAsync(adaptor.Endpoint);

        // The server's own measure of the check: the test's wall clock would also count the machine's load (this client,
        // the registry's synchronous write), which made this test fail at random on a busy machine.
        var checkTook = TimeSpan.FromMilliseconds(stored.ConnectionStatus!.LatencyMs!.Value);
        Assert.True(checkTook < Bound, $"The check took {checkTook}");
        await AssertServerStillHealthyAsync();
    }

    [Fact]
    public async Task A_huge_declared_body_is_refused_without_reading_it()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/provision", async (context, _, ct) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 10L * 1024 * 1024 * 1024;
            await context.Response.WriteAsync("{", ct);
            await context.Response.Body.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var elapsed = await TimedAsync(() => CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.CommunicationFailure));

        Assert.True(elapsed < Bound, $"Create took {elapsed}");
        await AssertServerStillHealthyAsync();
    }

    [Fact]
    public async Task Huge_response_headers_are_a_communication_failure()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/provision", async (context, _, ct) =>
        {
            context.Response.Headers["X-Padding"] = new string('a', 200 * 1024);
            await Answers.Json("{}")(context, null!, ct);
        });

        await CreateExpectingFailureAsync(adaptor.Endpoint, CauseOfFailure.CommunicationFailure);
    }

    [Fact]
    public async Task An_adaptor_that_closes_the_connection_without_answering_is_a_failure()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        adaptor.On("/provision", (context, _, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        await CreateFailingWithEitherAsync(adaptor.Endpoint);
    }

    /// <summary>For hostile answers where both causes are honest: a failed, stored connection with one of them.</summary>
    private async Task<ExternalDatabaseConnection> CreateFailingWithEitherAsync(string endpoint)
    {
        using var client = _server.Client();
        var name = Names.New("hostile");
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = endpoint, Configuration = new JsonObject { ["secretKey"] = "x" } });
        var cause = created.ConnectionStatus!.CauseOfFailure;
        Assert.True(cause is CauseOfFailure.CommunicationFailure or CauseOfFailure.DestinationHostUnreachable, $"Got {cause}: {created.ConnectionStatus.Message}");
        StatusAssert.Failed(created, cause);
        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        StatusAssert.Failed(stored, cause);
        return stored;
    }
}
