using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The configured admin key across restarts on one data directory.</summary>
public sealed class BootstrapKeyTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("externaldb-bootstrap-tests-").FullName;

    public void Dispose() => TempFiles.TryDelete(_dataDirectory);

    private Task<ServerInstance> StartAsync(string adminKey) => ServerInstance.StartAsync(new Dictionary<string, string?>
    {
        ["Storage:DataDirectory"] = _dataDirectory,
        ["Auth:BootstrapAdminKey"] = adminKey,
    });

    [Fact]
    public async Task A_new_configured_admin_key_replaces_the_old_one_and_the_data_stays()
    {
        const string oldKey = "edb_bootstrap-old-4b1e9f0c2d7a";
        const string newKey = "edb_bootstrap-new-93c0aa51e6d8";
        await using (var first = await StartAsync(oldKey))
        {
            await first.Http(oldKey).CreateRawAsync("""{"externalDatabaseConnection": {"name": "kept"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");
            Assert.Equal(401, (await first.Http(newKey).GetRawAsync(RawApi.Base)).Status);
        }

        await using var second = await StartAsync(newKey);

        ErrorAssert.Application(await second.Http(oldKey).GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
        var kept = await second.Http(newKey).GetRawAsync(RawApi.Path("kept"));
        Assert.Equal(200, kept.Status);
        Assert.Equal("DESTINATION_ENDPOINT_NOT_DEFINED", kept.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
    }

    [Fact]
    public async Task Keys_made_by_an_admin_survive_a_restart()
    {
        const string adminKey = "edb_bootstrap-admin-0d5c7e1b94f2";
        string created;
        await using (var first = await StartAsync(adminKey))
        {
            var response = await first.Http(adminKey).PostJsonAsync("v1/api-keys", """{"name": "ci", "permissions": ["WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS"]}""");
            created = response.Json["key"]!.GetValue<string>();
        }

        await using var second = await StartAsync(adminKey);

        Assert.Equal(200, (await second.Http(created).GetRawAsync(RawApi.Base)).Status);
        ErrorAssert.Application(await second.Http(created).PostJsonAsync(RawApi.Base, """{"externalDatabaseConnection": {"name": "x"}, "connectionType": "WIX_SERVICE_PLUGIN"}"""), 403, "PERMISSION_DENIED");
    }
}
