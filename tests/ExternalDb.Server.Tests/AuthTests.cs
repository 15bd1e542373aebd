using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>API keys: authentication, per-method permissions, and key management.</summary>
public sealed class AuthTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string ListPermission = "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS";
    private readonly ServerInstance _server = fixture.Server;

    public static TheoryData<string, string, string?> EveryConnectionCall() => new()
    {
        { "POST", RawApi.Base, """{"externalDatabaseConnection": {"name": "auth-probe"}, "connectionType": "WIX_SERVICE_PLUGIN"}""" },
        { "GET", RawApi.Base + "/auth-target", null },
        { "GET", RawApi.Base, null },
        { "PUT", RawApi.Base + "/auth-target", """{"externalDatabaseConnection": {"name": "auth-target"}}""" },
        { "DELETE", RawApi.Base + "/auth-target", null },
        { "POST", RawApi.Base + "/auth-target/probe", null },
        { "GET", RawApi.AliasBase, null },
        { "POST", "v1/api-keys", """{"name": "k", "permissions": ["ADMIN"]}""" },
        { "GET", "v1/api-keys", null },
        { "DELETE", "v1/api-keys/bootstrap-admin", null },
    };

    private async Task<JsonObject> CreateKeyAsync(params string[] permissions)
    {
        var body = new JsonObject { ["name"] = Names.New("key"), ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode?)p)]) };
        var response = await _server.AdminHttp().PostJsonAsync("v1/api-keys", body.ToJsonString());
        Assert.True(response.Status == 200, response.Body);
        return response.Json;
    }

    private async Task EnsureTargetAsync()
    {
        var http = _server.AdminHttp();
        if ((await http.GetRawAsync(RawApi.Path("auth-target"))).Status == 404)
        {
            await http.CreateRawAsync("""{"externalDatabaseConnection": {"name": "auth-target", "configuration": {"k": 1}}, "connectionType": "WIX_SERVICE_PLUGIN"}""");
        }
    }

    [Theory]
    [MemberData(nameof(EveryConnectionCall))]
    public async Task A_call_without_a_key_is_unauthenticated_and_changes_nothing(string method, string path, string? body)
    {
        await EnsureTargetAsync();
        var before = await _server.AdminHttp().TotalAsync();

        var response = await _server.Http().SendRawAsync(new HttpMethod(method), path, body);

        ErrorAssert.Application(response, 401, "UNAUTHENTICATED");
        Assert.Equal(before, await _server.AdminHttp().TotalAsync());
        Assert.Equal(200, (await _server.AdminHttp().GetRawAsync(RawApi.Path("auth-target"))).Status);
    }

    [Theory]
    [InlineData("Bearer edb_not-a-real-key")]
    [InlineData("Bearer ")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("edb_not-a-real-key")]
    [InlineData("Bearer edb_test-admin-key-0f4c2a9e7b1")]
    [InlineData("Bearer edb_test-admin-key-0f4c2a9e7b1dX")]
    public async Task A_bad_key_is_unauthenticated(string authorization)
    {
        var response = await _server.Http().SendRawAsync(HttpMethod.Get, RawApi.Base, null,
            configure: r => r.Headers.TryAddWithoutValidation("Authorization", authorization));

        ErrorAssert.Application(response, 401, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task An_unauthenticated_answer_names_the_bearer_scheme()
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };

        using var response = await http.GetAsync(RawApi.Base);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task The_sdk_reports_a_bad_key_as_unauthenticated()
    {
        using var client = _server.Client("edb_wrong");

        var error = await Assert.ThrowsAsync<ExternalDbException>(() => client.ExternalDatabaseConnections.ListExternalDatabaseConnectionsAsync());

        Assert.Equal(401, error.StatusCode);
        Assert.Equal("UNAUTHENTICATED", error.Code);
    }

    [Theory]
    [InlineData(ServerInstance.AdminKey)]
    [InlineData("Bearer " + ServerInstance.AdminKey)]
    [InlineData("bearer " + ServerInstance.AdminKey)]
    public async Task The_key_is_accepted_bare_or_as_a_bearer_token(string authorization)
    {
        var response = await _server.Http().SendRawAsync(HttpMethod.Get, RawApi.Base, null,
            configure: r => r.Headers.TryAddWithoutValidation("Authorization", authorization));

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task Creating_a_key_answers_its_secret_once_and_its_description()
    {
        var created = await CreateKeyAsync(ListPermission);

        var secret = created["key"]?.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(secret));
        Assert.True(secret.Length >= 32, "A key should carry at least 128 bits");
        var apiKey = created["apiKey"] as JsonObject;
        Assert.NotNull(apiKey);
        Assert.False(string.IsNullOrWhiteSpace(apiKey["id"]?.GetValue<string>()));
        Assert.StartsWith("key-", apiKey["name"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal([ListPermission], apiKey["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", apiKey["createdDate"]!.GetValue<string>());
        Assert.Null(apiKey["key"]);

        var listed = await _server.AdminHttp().GetRawAsync("v1/api-keys");
        Assert.Equal(200, listed.Status);
        Assert.DoesNotContain(secret, listed.Body, StringComparison.Ordinal);
        Assert.Contains(listed.Json["apiKeys"]!.AsArray(), k => k!["id"]!.GetValue<string>() == apiKey["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_list_only_key_lists_but_is_denied_everything_else_and_changes_nothing()
    {
        await EnsureTargetAsync();
        var key = (await CreateKeyAsync(ListPermission))["key"]!.GetValue<string>();
        var http = _server.Http(key);
        var before = await _server.AdminHttp().TotalAsync();

        var list = await http.GetRawAsync(RawApi.Base);
        var create = await http.PostJsonAsync(RawApi.Base, """{"externalDatabaseConnection": {"name": "denied"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");
        var get = await http.GetRawAsync(RawApi.Path("auth-target"));
        var update = await http.PutJsonAsync(RawApi.Path("auth-target"), """{"externalDatabaseConnection": {"name": "auth-target"}}""");
        var delete = await http.DeleteRawAsync(RawApi.Path("auth-target"));
        var probe = await http.PostJsonAsync(RawApi.Path("auth-target") + "/probe", null);

        Assert.Equal(200, list.Status);
        Assert.Equal(before, list.Json["pagingMetadata"]!["total"]!.GetValue<int>());
        foreach (var denied in new[] { create, get, update, delete, probe })
        {
            ErrorAssert.Application(denied, 403, "PERMISSION_DENIED");
        }
        Assert.Equal(before, await _server.AdminHttp().TotalAsync());
        Assert.Equal(404, (await _server.AdminHttp().GetRawAsync(RawApi.Path("denied"))).Status);
        var target = (await _server.AdminHttp().GetRawAsync(RawApi.Path("auth-target"))).Connection;
        Assert.Equal(1, target["configuration"]!["k"]!.GetValue<int>());
    }

    [Fact]
    public async Task Each_permission_opens_exactly_its_own_method()
    {
        await EnsureTargetAsync();
        var get = _server.Http((await CreateKeyAsync("WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION"))["key"]!.GetValue<string>());
        var create = _server.Http((await CreateKeyAsync("WIX_DATA.CREATE_EXTERNAL_DATABASE_CONNECTION"))["key"]!.GetValue<string>());
        var delete = _server.Http((await CreateKeyAsync("WIX_DATA.DELETE_EXTERNAL_DATABASE_CONNECTION"))["key"]!.GetValue<string>());
        var name = Names.New("perm");

        Assert.Equal(200, (await get.GetRawAsync(RawApi.Path("auth-target"))).Status);
        ErrorAssert.Application(await get.GetRawAsync(RawApi.Base), 403, "PERMISSION_DENIED");
        Assert.Equal(200, (await create.PostJsonAsync(RawApi.Base, $$"""{"externalDatabaseConnection": {"name": "{{name}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""")).Status);
        ErrorAssert.Application(await create.DeleteRawAsync(RawApi.Path(name)), 403, "PERMISSION_DENIED");
        Assert.Equal(200, (await delete.DeleteRawAsync(RawApi.Path(name))).Status);
        ErrorAssert.Application(await delete.GetRawAsync(RawApi.Path("auth-target")), 403, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task A_deleted_key_is_unauthenticated_afterwards()
    {
        var created = await CreateKeyAsync(ListPermission);
        var http = _server.Http(created["key"]!.GetValue<string>());
        Assert.Equal(200, (await http.GetRawAsync(RawApi.Base)).Status);

        var deleted = await _server.AdminHttp().DeleteRawAsync("v1/api-keys/" + created["apiKey"]!["id"]!.GetValue<string>());

        Assert.Equal(200, deleted.Status);
        ErrorAssert.Application(await http.GetRawAsync(RawApi.Base), 401, "UNAUTHENTICATED");
    }

    [Theory]
    [InlineData("""{"name": "k", "permissions": ["WIX_DATA.DROP_EVERYTHING"]}""", "permissions[0]")]
    [InlineData("""{"name": "k", "permissions": ["admin"]}""", "permissions[0]")]
    [InlineData("""{"name": "k", "permissions": []}""", "permissions")]
    [InlineData("""{"name": "k"}""", "permissions")]
    [InlineData("""{"permissions": ["ADMIN"]}""", "name")]
    [InlineData("""{"name": "", "permissions": ["ADMIN"]}""", "name")]
    public async Task Creating_a_key_with_an_unknown_permission_or_without_a_name_is_rejected(string body, string field)
    {
        var response = await _server.AdminHttp().PostJsonAsync("v1/api-keys", body);

        ErrorAssert.Validation(response, field);
    }

    [Fact]
    public async Task A_key_without_admin_cannot_manage_keys()
    {
        var everyConnectionPermission = new[]
        {
            "WIX_DATA.CREATE_EXTERNAL_DATABASE_CONNECTION", "WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION", ListPermission,
            "WIX_DATA.UPDATE_EXTERNAL_DATABASE_CONNECTION", "WIX_DATA.DELETE_EXTERNAL_DATABASE_CONNECTION",
        };
        var key = (await CreateKeyAsync(everyConnectionPermission))["key"]!.GetValue<string>();
        var other = await CreateKeyAsync(ListPermission);
        var http = _server.Http(key);

        ErrorAssert.Application(await http.PostJsonAsync("v1/api-keys", """{"name": "escalate", "permissions": ["ADMIN"]}"""), 403, "PERMISSION_DENIED");
        ErrorAssert.Application(await http.GetRawAsync("v1/api-keys"), 403, "PERMISSION_DENIED");
        ErrorAssert.Application(await http.DeleteRawAsync("v1/api-keys/" + other["apiKey"]!["id"]!.GetValue<string>()), 403, "PERMISSION_DENIED");
        var keys = (await _server.AdminHttp().GetRawAsync("v1/api-keys")).Json["apiKeys"]!.AsArray();
        Assert.DoesNotContain(keys, k => k!["name"]!.GetValue<string>() == "escalate");
        Assert.Equal(200, (await _server.Http(other["key"]!.GetValue<string>()).GetRawAsync(RawApi.Base)).Status);
    }

    [Fact]
    public async Task An_admin_key_made_through_the_sdk_can_do_everything()
    {
        using var admin = _server.Client();
        var created = await admin.ApiKeys.CreateApiKeyAsync(Names.New("sdk-admin"), ["ADMIN"]);
        using var client = _server.Client(created.Key);
        var name = Names.New("by-new-admin");

        await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name },
            new CreateExternalDatabaseConnectionOptions { ConnectionType = ConnectionType.WixServicePlugin });
        var keys = await client.ApiKeys.ListApiKeysAsync();
        await client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(name);

        Assert.Contains(keys, k => k.Id == created.ApiKey.Id);
        Assert.DoesNotContain(created.Key, created.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_callers_never_make_the_server_call_an_adaptor()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var listOnly = (await CreateKeyAsync(ListPermission))["key"]!.GetValue<string>();
        var body = RawApi.CreateBody(Names.New("ssrf"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "k" });

        var anonymous = await _server.Http().PostJsonAsync(RawApi.Base, body);
        var badKey = await _server.Http("edb_nope").PostJsonAsync(RawApi.Base, body);
        var denied = await _server.Http(listOnly).PostJsonAsync(RawApi.Base, body);

        Assert.Equal(401, anonymous.Status);
        Assert.Equal(401, badKey.Status);
        Assert.Equal(403, denied.Status);
        Assert.Empty(adaptor.Received);
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        var response = await _server.Http().GetRawAsync("healthz");

        Assert.Equal(200, response.Status);
    }
}
