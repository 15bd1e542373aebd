using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Bodies and names at the edges, and checks that race with deletes.</summary>
public sealed class EdgeCaseTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private static readonly CreateExternalDatabaseConnectionOptions ServicePlugin = new() { ConnectionType = ConnectionType.WixServicePlugin };
    private readonly ServerInstance _server = fixture.Server;

    [Theory]
    [InlineData("""{"externalDatabaseConnection": {"name": "dup-a", "name": "dup-b"}, "connectionType": "WIX_SERVICE_PLUGIN"}""")]
    [InlineData("""{"externalDatabaseConnection": {"name": "dup-c"}, "externalDatabaseConnection": {"name": "dup-d"}, "connectionType": "WIX_SERVICE_PLUGIN"}""")]
    [InlineData("""{"externalDatabaseConnection": {"name": "dup-e", "configuration": {"k": 1, "k": 2}}, "connectionType": "WIX_SERVICE_PLUGIN"}""")]
    public async Task A_body_with_duplicate_properties_is_a_client_error_not_a_server_error(string body)
    {
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();

        var response = await http.PostJsonAsync(RawApi.Base, body);

        Assert.True(response.Status is 200 or 400, $"HTTP {response.Status}: {response.Body}");
        if (response.Status == 400)
        {
            ErrorAssert.Validation(response, "body");
            Assert.Equal(before, await http.TotalAsync());
        }
        else
        {
            var name = response.Connection["name"]!.GetValue<string>();
            var fetched = await http.GetRawAsync(RawApi.Path(name));
            Assert.True(fetched.Status == 200, $"HTTP {fetched.Status}: {fetched.Body}");
            Assert.Equal(response.Body, (await http.GetRawAsync(RawApi.Path(name))).Body);
        }
    }

    [Fact]
    public async Task An_update_body_with_duplicate_properties_is_a_client_error_not_a_server_error()
    {
        var http = _server.AdminHttp();
        var name = Names.New("dupup");
        await http.CreateRawAsync($$"""{"externalDatabaseConnection": {"name": "{{name}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");

        var response = await http.PutJsonAsync(RawApi.Path(name), "{\"externalDatabaseConnection\": {\"name\": \"" + name + "\", \"endpoint\": \"http://127.0.0.1:9\", \"endpoint\": \"http://127.0.0.1:10\"}}");

        ErrorAssert.Validation(response, "body");
    }

    [Fact]
    public async Task An_api_key_body_with_duplicate_properties_is_a_client_error_not_a_server_error()
    {
        var response = await _server.AdminHttp().PostJsonAsync("v1/api-keys", """{"name": "a", "name": "b", "permissions": ["ADMIN"]}""");

        ErrorAssert.Validation(response, "body");
    }

    [Fact]
    public async Task A_body_over_the_request_limit_is_rejected_as_a_bad_request()
    {
        var body = new JsonObject
        {
            ["externalDatabaseConnection"] = new JsonObject { ["name"] = "huge", ["configuration"] = new JsonObject { ["pad"] = new string('p', 2 * 1024 * 1024) } },
            ["connectionType"] = "WIX_SERVICE_PLUGIN",
        }.ToJsonString();
        var http = _server.AdminHttp();

        var response = await http.PostJsonAsync(RawApi.Base, body);

        Assert.True(response.Status is 400 or 413, $"HTTP {response.Status}: {response.Body}");
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path("huge"))).Status);
    }

    [Fact]
    public async Task A_deeply_nested_configuration_is_rejected_without_a_server_error()
    {
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var body = $$"""{"externalDatabaseConnection": {"name": "deep", "configuration": {{nested}}}, "connectionType": "WIX_SERVICE_PLUGIN"}""";

        var response = await _server.AdminHttp().PostJsonAsync(RawApi.Base, body);

        ErrorAssert.Validation(response, "body");
    }

    [Theory]
    [InlineData("question?mark")]
    [InlineData("hash#sign")]
    [InlineData("per%cent")]
    [InlineData("plus+sign")]
    [InlineData("back\\slash")]
    [InlineData("dot.ted.")]
    [InlineData("emoji-🚀")]
    [InlineData("quote\"d")]
    [InlineData("semi;colon&amp")]
    public async Task Names_with_url_special_characters_work_through_every_sdk_call(string baseName)
    {
        using var client = _server.Client();
        var name = baseName + "-" + Guid.NewGuid().ToString("N")[..6];

        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name }, ServicePlugin);
        var fetched = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name,
            new ExternalDatabaseConnection { Name = name, Configuration = new JsonObject { ["v"] = 2 } });
        var probed = await client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);
        await client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(name);

        Assert.Equal(name, created.Name);
        Assert.Equal(name, fetched.Name);
        Assert.Equal(name, updated.Name);
        Assert.Equal(2, updated.Configuration!["v"]!.GetValue<int>());
        Assert.Equal(name, probed.Name);
        var error = await Assert.ThrowsAsync<ExternalDbException>(() => client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name));
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task A_probe_that_ends_after_the_connection_was_deleted_and_recreated_does_not_overwrite_the_new_one()
    {
        await using var slow = await FakeAdaptor.StartAsync();
        using var release = new SemaphoreSlim(0);
        slow.On("/provision", async (context, request, ct) =>
        {
            await release.WaitAsync(ct);
            await Answers.Json("{}")(context, request, ct);
        });
        slow.OnJson("/schemas/list", $$"""{"schemas": {{Answers.OneSchema}}}""");
        await using var healthy = (await FakeAdaptor.StartAsync()).AsLegacy(schemas: "[]");
        using var client = _server.Client();
        var name = Names.New("swap");
        var old = new ExternalDatabaseConnection { Name = name, Endpoint = slow.Endpoint, Configuration = new JsonObject { ["secretKey"] = "old" } };
        var creating = client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(old);
        release.Release();
        await creating;

        var probing = client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);
        await WaitUntilAsync(() => slow.ReceivedAt("/provision").Count == 2);
        await client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(name);
        await Task.Delay(5);
        var replacement = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = healthy.Endpoint, Configuration = new JsonObject { ["secretKey"] = "new" } });
        release.Release();
        var late = await Record.ExceptionAsync(() => probing);

        var error = Assert.IsType<ExternalDbException>(late);
        Assert.Equal(404, error.StatusCode);
        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        Assert.Equal(healthy.Endpoint, stored.Endpoint);
        Assert.Equal("new", stored.Configuration!["secretKey"]!.GetValue<string>());
        Assert.Equal(replacement.ConnectionStatus, stored.ConnectionStatus);
        StatusAssert.Succeeded(stored, ProtocolVersion.V1, CollectionsFound.No);
    }

    [Fact]
    public async Task An_update_that_ends_after_the_connection_was_deleted_does_not_bring_it_back()
    {
        await using var slow = (await FakeAdaptor.StartAsync()).AsLegacy();
        using var client = _server.Client();
        var name = Names.New("zombie");
        await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = slow.Endpoint, Configuration = new JsonObject { ["secretKey"] = "k" } });
        using var release = new SemaphoreSlim(0);
        slow.On("/provision", async (context, request, ct) =>
        {
            await release.WaitAsync(ct);
            await Answers.Json("{}")(context, request, ct);
        });

        var updating = client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name,
            new ExternalDatabaseConnection { Name = name, Endpoint = slow.Endpoint, Configuration = new JsonObject { ["secretKey"] = "k2" } });
        await WaitUntilAsync(() => slow.ReceivedAt("/provision").Count == 2);
        await client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(name);
        release.Release();
        var late = await Record.ExceptionAsync(() => updating);

        Assert.Equal(404, Assert.IsType<ExternalDbException>(late).StatusCode);
        var error = await Assert.ThrowsAsync<ExternalDbException>(() => client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name));
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task A_probe_that_ends_after_an_update_does_not_undo_the_update()
    {
        await using var slow = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var replacement = (await FakeAdaptor.StartAsync()).AsLegacy(schemas: "[]");
        using var client = _server.Client();
        var name = Names.New("lost");
        await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = slow.Endpoint, Configuration = new JsonObject { ["secretKey"] = "old" } });
        using var release = new SemaphoreSlim(0);
        slow.On("/provision", async (context, request, ct) =>
        {
            await release.WaitAsync(ct);
            await Answers.Json("{}")(context, request, ct);
        });

        var probing = client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);
        await WaitUntilAsync(() => slow.ReceivedAt("/provision").Count == 2);
        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name,
            new ExternalDatabaseConnection { Name = name, Endpoint = replacement.Endpoint, Configuration = new JsonObject { ["secretKey"] = "new" } });
        release.Release();
        await Record.ExceptionAsync(() => probing);

        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        Assert.Equal(replacement.Endpoint, updated.Endpoint);
        Assert.Equal(replacement.Endpoint, stored.Endpoint);
        Assert.Equal("new", stored.Configuration!["secretKey"]!.GetValue<string>());
        Assert.Equal(CollectionsFound.No, stored.ConnectionStatus!.HasCollections);
    }

    [Fact]
    public async Task Many_concurrent_creates_of_different_names_all_succeed()
    {
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();
        var names = Enumerable.Range(0, 100).Select(i => Names.New($"bulk{i:D3}")).ToList();

        var responses = await Task.WhenAll(names.Select(name => http.PostJsonAsync(RawApi.Base,
            $$$"""{"externalDatabaseConnection": {"name": "{{{name}}}", "configuration": {"n": 1}}, "connectionType": "WIX_SERVICE_PLUGIN"}""")));

        Assert.All(responses, r => Assert.True(r.Status == 200, $"HTTP {r.Status}: {r.Body}"));
        Assert.Equal(before + names.Count, await http.TotalAsync());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the adaptor call");
            await Task.Delay(10);
        }
    }
}
