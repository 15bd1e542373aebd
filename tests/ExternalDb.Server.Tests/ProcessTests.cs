using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The real server process: durability across SIGKILL, secrets at rest and in output, the generated admin key.</summary>
public sealed partial class ProcessTests : IDisposable
{
    private const string AdminKey = "edb_process-admin-key-8c31d5a7e2f94b06";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("externaldb-process-tests-").FullName;

    public void Dispose() => TempFiles.TryDelete(_dataDirectory);

    [GeneratedRegex("edb_[A-Za-z0-9_-]{30,}")]
    private static partial Regex GeneratedKey();

    private static string Create(string name, string type, string? endpoint, JsonObject? configuration)
    {
        var connection = new JsonObject { ["name"] = name };
        if (endpoint is not null)
        {
            connection["endpoint"] = endpoint;
        }
        if (configuration is not null)
        {
            connection["configuration"] = configuration;
        }
        return new JsonObject { ["externalDatabaseConnection"] = connection, ["connectionType"] = type }.ToJsonString();
    }

    [Fact]
    public async Task Connections_created_just_before_a_kill_are_there_after_a_restart()
    {
        const string standaloneSecret = "durable-standalone-secret-5e0b7c";
        const string pluginSecret = "durable-plugin-secret-a41d93";
        await using var legacy = (await FakeAdaptor.StartAsync()).AsLegacy();

        await using (var first = await ServerProcess.StartAsync(_dataDirectory, AdminKey))
        {
            var created = await first.Http(AdminKey).PostJsonAsync(RawApi.Base,
                Create("durable-standalone", "STANDALONE", legacy.Endpoint, new JsonObject { ["secretKey"] = standaloneSecret }));
            Assert.True(created.Status == 200, created.Body);
            await first.KillAsync();
        }

        JsonObject plugin;
        await using (var second = await ServerProcess.StartAsync(_dataDirectory, AdminKey))
        {
            var created = await second.Http(AdminKey).PostJsonAsync(RawApi.Base,
                Create("durable-plugin", "WIX_SERVICE_PLUGIN", null, new JsonObject { ["token"] = pluginSecret }));
            Assert.True(created.Status == 200, created.Body);
            plugin = created.Connection;
            await second.KillAsync();
        }

        await using var third = await ServerProcess.StartAsync(_dataDirectory, AdminKey);
        var http = third.Http(AdminKey);
        var standalone = await http.GetRawAsync(RawApi.Path("durable-standalone"));
        var pluginAfter = await http.GetRawAsync(RawApi.Path("durable-plugin"));

        Assert.Equal(200, standalone.Status);
        Assert.Equal(standaloneSecret, standalone.Connection["configuration"]!["secretKey"]!.GetValue<string>());
        Assert.Equal("NONE", standalone.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("V1", standalone.Connection["protocolVersion"]!.GetValue<string>());
        Assert.Equal(200, pluginAfter.Status);
        Assert.Equal(pluginSecret, pluginAfter.Connection["configuration"]!["token"]!.GetValue<string>());
        Assert.Equal(plugin["publicKey"]!.GetValue<string>(), pluginAfter.Connection["publicKey"]!.GetValue<string>());
        Assert.Equal(plugin["applicationId"]!.GetValue<string>(), pluginAfter.Connection["applicationId"]!.GetValue<string>());

        // The private key survived too: the adaptor accepts requests signed after the restart.
        var verifier = new SignedRequestVerifier().Trust(plugin["publicKey"]!.GetValue<string>(), plugin["applicationId"]!.GetValue<string>());
        await using var v3 = (await FakeAdaptor.StartAsync()).AsV3(verifier);
        var connected = await http.PutJsonAsync(RawApi.Path("durable-plugin"),
            Create("durable-plugin", "WIX_SERVICE_PLUGIN", v3.Endpoint, new JsonObject { ["token"] = pluginSecret }));
        Assert.Equal(200, connected.Status);
        Assert.Equal("NONE", connected.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal(2, verifier.VerifiedPayloads.Count);
    }

    [Fact]
    public async Task Secrets_appear_neither_in_the_output_nor_in_the_data_directory_nor_in_error_bodies()
    {
        const string storedSecret = "at-rest-secret-standalone-71f2c9";
        const string pluginSecret = "at-rest-secret-plugin-0be8d4";
        const string refusedSecret = "refused-secret-oversized-c66a1e";
        const string userInfoSecret = "userinfo-password-9d02b7";
        const string failingSecret = "at-rest-secret-unauthorized-4af7e0";
        await using var legacy = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var refusing = (await FakeAdaptor.StartAsync()).AsLegacy();
        refusing.OnJson("/provision", """{"message": "You are not authorized"}""", 401);
        await using var v3 = (await FakeAdaptor.StartAsync()).AsV3(verifier: null);

        await using var server = await ServerProcess.StartAsync(_dataDirectory, AdminKey);
        var http = server.Http(AdminKey);
        var apiKey = await http.PostJsonAsync("v1/api-keys", """{"name": "ci", "permissions": ["WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS"]}""");
        Assert.Equal(200, apiKey.Status);
        var createdKey = apiKey.Json["key"]!.GetValue<string>();
        Assert.Equal(200, (await server.Http(createdKey).GetRawAsync(RawApi.Base)).Status);

        var ok = await http.PostJsonAsync(RawApi.Base, Create("secret-standalone", "STANDALONE", legacy.Endpoint,
            new JsonObject { ["secretKey"] = storedSecret, ["nested"] = new JsonObject { ["password"] = storedSecret } }));
        var unauthorized = await http.PostJsonAsync(RawApi.Base, Create("secret-refused", "STANDALONE", refusing.Endpoint,
            new JsonObject { ["secretKey"] = failingSecret }));
        var plugin = await http.PostJsonAsync(RawApi.Base, Create("secret-plugin", "WIX_SERVICE_PLUGIN", v3.Endpoint,
            new JsonObject { ["token"] = pluginSecret }));
        var oversized = await http.PostJsonAsync(RawApi.Base, Create("secret-oversized", "STANDALONE", legacy.Endpoint,
            new JsonObject { ["secretKey"] = refusedSecret, ["padding"] = new string('p', 65 * 1024) }));
        var badName = await http.PostJsonAsync(RawApi.Base, Create("bad/name", "STANDALONE", legacy.Endpoint,
            new JsonObject { ["secretKey"] = refusedSecret }));
        var userInfo = await http.PostJsonAsync(RawApi.Base, Create("secret-userinfo", "STANDALONE", $"http://admin:{userInfoSecret}@127.0.0.1:9/",
            new JsonObject { ["secretKey"] = refusedSecret }));
        var badUpdate = await http.PutJsonAsync(RawApi.Path("secret-standalone"), Create("secret-standalone", "STANDALONE", "ftp://x",
            new JsonObject { ["secretKey"] = refusedSecret }));
        var brokenJson = await http.PostJsonAsync(RawApi.Base, $$"""{"externalDatabaseConnection": {"name": "x", "configuration": {"secretKey": "{{refusedSecret}}" ]""");

        Assert.Equal(200, ok.Status);
        Assert.Equal("NONE", ok.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("UNAUTHORIZED", unauthorized.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("NONE", plugin.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        foreach (var refused in new[] { oversized, badName, userInfo, badUpdate, brokenJson })
        {
            Assert.Equal(400, refused.Status);
            Assert.DoesNotContain(refusedSecret, refused.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(userInfoSecret, refused.Body, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(failingSecret, unauthorized.Connection["connectionStatus"]!.ToJsonString(), StringComparison.Ordinal);

        string[] secrets = [storedSecret, pluginSecret, refusedSecret, userInfoSecret, failingSecret, AdminKey, createdKey];
        AssertNotInDataDirectory(secrets, "while running");
        await server.KillAsync();
        AssertNotInDataDirectory(secrets, "after a kill");
        Assert.True(Directory.EnumerateFiles(_dataDirectory).Any(f => f.EndsWith("-wal", StringComparison.Ordinal)),
            "Expected a write-ahead log to scan after the kill");
        foreach (var secret in secrets)
        {
            Assert.False(server.Output.Contains(secret, StringComparison.Ordinal), $"The server printed a secret:\n{server.Output}");
        }
        Assert.Contains("secret-standalone", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_configured_key_the_first_start_prints_a_working_key_once()
    {
        string printed;
        await using (var first = await ServerProcess.StartAsync(_dataDirectory, adminKey: null))
        {
            var output = await first.WaitForOutputAsync(o => GeneratedKey().IsMatch(o), TimeSpan.FromSeconds(10));
            var keys = GeneratedKey().Matches(output).Select(m => m.Value).Distinct().ToList();
            printed = Assert.Single(keys);
            Assert.Equal(1, Regex.Count(output, Regex.Escape(printed)));
            Assert.Equal(200, (await first.Http(printed).GetRawAsync(RawApi.Base)).Status);
            Assert.Equal(200, (await first.Http(printed).GetRawAsync("v1/api-keys")).Status);
            await first.KillAsync();
        }
        AssertNotInDataDirectory([printed], "after the first start");

        await using var second = await ServerProcess.StartAsync(_dataDirectory, adminKey: null);
        var http = second.Http(printed);
        Assert.Equal(200, (await http.GetRawAsync(RawApi.Base)).Status);
        await Task.Delay(500);
        Assert.DoesNotContain(printed, second.Output, StringComparison.Ordinal);
        Assert.False(GeneratedKey().IsMatch(second.Output), $"The second start printed a key:\n{second.Output}");
        ErrorAssert.Application(await second.Http("edb_" + new string('x', 43)).GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
    }

    /// <summary>The README's recovery of a lost admin key: restart once with <c>Auth__BootstrapAdminKey</c>.</summary>
    [Fact]
    public async Task A_lost_admin_key_is_replaced_by_restarting_with_a_configured_one_and_the_key_list_says_when()
    {
        const string recovery = "edb_recovery-key-6f2d8a0b9c1e47d3";
        string lost;
        string otherKey;
        DateTimeOffset firstCreated;
        await using (var first = await ServerProcess.StartAsync(_dataDirectory, adminKey: null))
        {
            lost = GeneratedKey().Match(await first.WaitForOutputAsync(o => GeneratedKey().IsMatch(o), TimeSpan.FromSeconds(10))).Value;
            otherKey = (await first.Http(lost).PostJsonAsync("v1/api-keys", """{"name": "reporting", "permissions": ["WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS"]}"""))
                .Json["key"]!.GetValue<string>();
            firstCreated = BootstrapEntryCreated(await first.Http(lost).GetRawAsync("v1/api-keys"));
        }
        await Task.Delay(1100);

        await using (var second = await ServerProcess.StartAsync(_dataDirectory, recovery))
        {
            await second.WaitForOutputAsync(o => o.Contains("bootstrap admin key was replaced", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            ErrorAssert.Application(await second.Http(lost).GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
            var keys = await second.Http(recovery).GetRawAsync("v1/api-keys");
            Assert.Equal(200, keys.Status);
            Assert.True(BootstrapEntryCreated(keys) > firstCreated.AddSeconds(1), keys.Body);
            Assert.Equal(200, (await second.Http(otherKey).GetRawAsync(RawApi.Base)).Status);
            Assert.DoesNotContain(recovery, second.Output, StringComparison.Ordinal);
        }

        await using var third = await ServerProcess.StartAsync(_dataDirectory, adminKey: null);
        Assert.Equal(200, (await third.Http(recovery).GetRawAsync("v1/api-keys")).Status);
        Assert.False(GeneratedKey().IsMatch(third.Output), $"A restart without the setting printed a key:\n{third.Output}");
        Assert.DoesNotContain("was replaced", third.Output, StringComparison.Ordinal);
    }

    private static DateTimeOffset BootstrapEntryCreated(RawResponse keys)
    {
        var entries = keys.Json["apiKeys"] as JsonArray ?? throw new InvalidOperationException(keys.Body);
        var entry = entries.Single(k => k!["id"]!.GetValue<string>() == "bootstrap-admin")!;
        return DateTimeOffset.Parse(entry["createdDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("demo_[A-Za-z0-9_-]{30,}")]
    private static partial Regex DemoSecret();

    [Fact]
    public async Task The_first_start_prints_the_demo_adaptors_random_secret_once_and_an_admin_key_reads_it()
    {
        string printed;
        await using (var first = await ServerProcess.StartAsync(_dataDirectory, AdminKey))
        {
            var output = await first.WaitForOutputAsync(o => DemoSecret().IsMatch(o), TimeSpan.FromSeconds(10));
            printed = Assert.Single(DemoSecret().Matches(output).Select(m => m.Value).Distinct());
            var described = await first.Http(AdminKey).GetRawAsync("v1/demo-adaptor");
            Assert.Equal(printed, described.Json["secretKey"]!.GetValue<string>());
            await first.KillAsync();
        }

        await using var second = await ServerProcess.StartAsync(_dataDirectory, AdminKey);
        var again = await second.Http(AdminKey).GetRawAsync("v1/demo-adaptor");
        Assert.Equal(printed, again.Json["secretKey"]!.GetValue<string>());
        await Task.Delay(500);
        Assert.DoesNotContain(printed, second.Output, StringComparison.Ordinal);
    }

    private void AssertNotInDataDirectory(IEnumerable<string> secrets, string when)
    {
        var files = Directory.EnumerateFiles(_dataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "externaldb.db");
        foreach (var file in files)
        {
            byte[] content;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                content = memory.ToArray();
            }
            foreach (var secret in secrets)
            {
                foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
                {
                    Assert.True(content.AsSpan().IndexOf(encoding.GetBytes(secret)) < 0,
                        $"{Path.GetFileName(file)} holds '{secret}' in {encoding.WebName} ({when})");
                }
            }
        }
    }
}
