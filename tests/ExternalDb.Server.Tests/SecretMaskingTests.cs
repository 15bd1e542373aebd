using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Configuration values reach only keys holding ADMIN or WIX_DATA.READ_EXTERNAL_DATABASE_CONNECTION_SECRETS.</summary>
public sealed class SecretMaskingTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string Marker = "********";
    private const string ReadSecrets = "WIX_DATA.READ_EXTERNAL_DATABASE_CONNECTION_SECRETS";
    private const string Get = "WIX_DATA.GET_EXTERNAL_DATABASE_CONNECTION";
    private const string List = "WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS";
    private const string Create = "WIX_DATA.CREATE_EXTERNAL_DATABASE_CONNECTION";
    private const string Update = "WIX_DATA.UPDATE_EXTERNAL_DATABASE_CONNECTION";
    private readonly ServerInstance _server = fixture.Server;

    /// <summary>Every value a secret no masked answer may show, in every JSON type and nesting.</summary>
    private static JsonObject Configuration(string secret) => new()
    {
        ["secretKey"] = secret,
        ["port"] = 5432,
        ["tls"] = true,
        ["nothing"] = null,
        ["nested"] = new JsonObject { ["password"] = secret + "-nested", ["hosts"] = new JsonArray("db1-" + secret, 7) },
        ["empty"] = new JsonObject(),
    };

    private static JsonObject MaskedConfiguration() => new()
    {
        ["secretKey"] = Marker,
        ["port"] = Marker,
        ["tls"] = Marker,
        ["nothing"] = Marker,
        ["nested"] = new JsonObject { ["password"] = Marker, ["hosts"] = new JsonArray(Marker, Marker) },
        ["empty"] = new JsonObject(),
    };

    private async Task<string> KeyAsync(params string[] permissions)
    {
        var body = new JsonObject { ["name"] = Names.New("key"), ["permissions"] = new JsonArray([.. permissions.Select(p => (JsonNode?)p)]) };
        var response = await _server.AdminHttp().PostJsonAsync("v1/api-keys", body.ToJsonString());
        Assert.True(response.Status == 200, response.Body);
        return response.Json["key"]!.GetValue<string>();
    }

    private async Task<(string Name, string Secret, FakeAdaptor Adaptor)> CreateAsync()
    {
        var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        var name = Names.New("masked");
        await _server.AdminHttp().CreateRawAsync(RawApi.CreateBody(name, adaptor.Endpoint, Configuration(secret), "STANDALONE"));
        return (name, secret, adaptor);
    }

    private static void AssertMasked(RawResponse response, string secret, JsonObject connection)
    {
        Assert.True(response.Status == 200, response.Body);
        Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(MaskedConfiguration(), connection["configuration"]), $"not masked: {connection["configuration"]}");
    }

    [Theory]
    [InlineData(Get)]
    [InlineData(List)]
    public async Task A_key_with_only_one_read_permission_sees_no_configuration_value(string permission)
    {
        var (name, secret, adaptor) = await CreateAsync();
        await using var _ = adaptor;
        var http = _server.Http(await KeyAsync(permission));

        var response = permission == Get ? await http.GetRawAsync(RawApi.Path(name)) : await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");

        var connection = permission == Get
            ? response.Connection
            : response.Json["externalDatabaseConnections"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();
        AssertMasked(response, secret, connection);
        Assert.Equal(200, (await _server.AdminHttp().GetRawAsync(RawApi.Path(name))).Status);
    }

    [Fact]
    public async Task Create_update_and_probe_answers_are_masked_for_a_key_that_may_not_read_secrets()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.Http(await KeyAsync(Create, Update));
        var name = Names.New("writer");
        var secret = "w-" + Guid.NewGuid().ToString("N");
        var replaced = "r-" + Guid.NewGuid().ToString("N");

        var created = await http.PostJsonAsync(RawApi.Base, RawApi.CreateBody(name, adaptor.Endpoint, Configuration(secret), "STANDALONE"));
        AssertMasked(created, secret, created.Connection);
        var updated = await http.PutJsonAsync(RawApi.Path(name), RawApi.CreateBody(name, adaptor.Endpoint, Configuration(replaced)));
        AssertMasked(updated, replaced, updated.Connection);
        var probed = await http.PostJsonAsync(RawApi.Path(name) + "/probe", null);
        AssertMasked(probed, replaced, probed.Connection);

        // The update was stored whole, and the adaptor was given the new values.
        var stored = (await _server.AdminHttp().GetRawAsync(RawApi.Path(name))).Connection;
        Assert.True(JsonNode.DeepEquals(Configuration(replaced), stored["configuration"]), stored.ToJsonString());
        Assert.Equal(replaced, adaptor.Received[^1].Json["requestContext"]!["settings"]!["secretKey"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("ADMIN")]
    [InlineData(ReadSecrets)]
    public async Task Admin_and_the_secrets_permission_see_every_value_in_every_answer(string permission)
    {
        var (name, secret, adaptor) = await CreateAsync();
        await using var _ = adaptor;
        var http = _server.Http(await KeyAsync(permission, Get, List, Update));

        var get = await http.GetRawAsync(RawApi.Path(name));
        var list = await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");
        var probe = await http.PostJsonAsync(RawApi.Path(name) + "/probe", null);
        var update = await http.PutJsonAsync(RawApi.Path(name), RawApi.CreateBody(name, adaptor.Endpoint, Configuration(secret)));

        foreach (var response in new[] { get, probe, update })
        {
            Assert.True(response.Status == 200, response.Body);
            Assert.True(JsonNode.DeepEquals(Configuration(secret), response.Connection["configuration"]), response.Body);
        }
        var listed = list.Json["externalDatabaseConnections"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        Assert.True(JsonNode.DeepEquals(Configuration(secret), listed["configuration"]), list.Body);
    }

    [Fact]
    public async Task The_secrets_permission_alone_opens_no_method()
    {
        var (name, _, adaptor) = await CreateAsync();
        await using var __ = adaptor;
        var http = _server.Http(await KeyAsync(ReadSecrets));

        ErrorAssert.Application(await http.GetRawAsync(RawApi.Path(name)), 403, "PERMISSION_DENIED");
        ErrorAssert.Application(await http.GetRawAsync(RawApi.Base), 403, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task Grouped_grants_do_not_include_the_secrets_permission()
    {
        var (name, secret, adaptor) = await CreateAsync();
        await using var _ = adaptor;
        var http = _server.Http(await KeyAsync(Get, "DATA_READ", "DATA_WRITE", "COLLECTIONS_MANAGE"));

        var response = await http.GetRawAsync(RawApi.Path(name));

        AssertMasked(response, secret, response.Connection);
    }

    [Fact]
    public async Task A_masked_configuration_sent_back_is_refused_and_changes_nothing()
    {
        var (name, secret, adaptor) = await CreateAsync();
        await using var _ = adaptor;
        var http = _server.Http(await KeyAsync(Get, Update));
        var masked = (await http.GetRawAsync(RawApi.Path(name))).Connection;

        var response = await http.PutJsonAsync(RawApi.Path(name), new JsonObject { ["externalDatabaseConnection"] = masked.DeepClone() }.ToJsonString());

        ErrorAssert.Validation(response, "externalDatabaseConnection.configuration.secretKey");
        var stored = (await _server.AdminHttp().GetRawAsync(RawApi.Path(name))).Connection;
        Assert.True(JsonNode.DeepEquals(Configuration(secret), stored["configuration"]), stored.ToJsonString());
    }

    [Fact]
    public async Task The_sdk_tells_a_masked_configuration()
    {
        var (name, secret, adaptor) = await CreateAsync();
        await using var _ = adaptor;
        using var reader = _server.Client(await KeyAsync(Get));
        using var admin = _server.Client();

        var masked = await reader.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        var clear = await admin.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);

        Assert.True(masked.IsConfigurationMasked);
        Assert.True(ExternalDatabaseConnection.IsMasked(masked.Configuration!["secretKey"]));
        Assert.Equal(Marker, ExternalDatabaseConnection.MaskedValue);
        Assert.False(clear.IsConfigurationMasked);
        Assert.Equal(secret, clear.Configuration!["secretKey"]!.GetValue<string>());
    }
}
