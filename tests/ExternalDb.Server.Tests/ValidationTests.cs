using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Create bodies that break a rule: 400 naming the field, in both error shapes, and nothing stored.</summary>
public sealed class ValidationTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string Endpoint = "http://127.0.0.1:9/adaptor";
    private const string NameField = "externalDatabaseConnection.name";
    private const string EndpointField = "externalDatabaseConnection.endpoint";
    private const string ConfigurationField = "externalDatabaseConnection.configuration";
    private readonly ServerInstance _server = fixture.Server;

    private static string Standalone(JsonNode? name, JsonNode? endpoint = null, JsonNode? configuration = null, bool withEndpoint = true, bool withConfiguration = true)
    {
        var connection = new JsonObject { ["name"] = name };
        if (withEndpoint)
        {
            connection["endpoint"] = endpoint ?? Endpoint;
        }
        if (withConfiguration)
        {
            connection["configuration"] = configuration ?? new JsonObject { ["secretKey"] = "k" };
        }
        return new JsonObject { ["externalDatabaseConnection"] = connection, ["connectionType"] = "STANDALONE" }.ToJsonString();
    }

    private static string WithoutName() =>
        new JsonObject { ["externalDatabaseConnection"] = new JsonObject { ["endpoint"] = Endpoint, ["configuration"] = new JsonObject() } }.ToJsonString();

    public static TheoryData<string, string, string> InvalidBodies() => new()
    {
        { "missing name", WithoutName(), NameField },
        { "null name", Standalone(null), NameField },
        { "empty name", Standalone(""), NameField },
        { "name of 256 characters", Standalone(new string('n', 256)), NameField },
        { "name with a slash", Standalone("shop/products"), NameField },
        { "name with a control character", Standalone("shop\u0001db"), NameField },
        { "name with a new line", Standalone("shop\ndb"), NameField },
        { "name with DEL", Standalone("shop\u007fdb"), NameField },
        { "name with a leading space", Standalone(" shop"), NameField },
        { "name with a trailing space", Standalone("shop "), NameField },
        { "name with a leading tab", Standalone("\tshop"), NameField },
        { "name as a number", Standalone(42), NameField },
        { "standalone without endpoint", Standalone("no-endpoint", withEndpoint: false), EndpointField },
        { "standalone without configuration", Standalone("no-configuration", withConfiguration: false), ConfigurationField },
        { "standalone with null configuration", Standalone("null-configuration", configuration: null, withConfiguration: true).Replace("{\"secretKey\":\"k\"}", "null", StringComparison.Ordinal), ConfigurationField },
        { "endpoint not absolute", Standalone("rel", "adaptor.example.com/path"), EndpointField },
        { "endpoint as a path", Standalone("path", "/adaptor"), EndpointField },
        { "endpoint empty", Standalone("empty-endpoint", ""), EndpointField },
        { "endpoint ftp", Standalone("ftp", "ftp://adaptor.example.com/"), EndpointField },
        { "endpoint file", Standalone("file", "file:///etc/passwd"), EndpointField },
        { "endpoint mailto", Standalone("mailto", "mailto:someone@example.com"), EndpointField },
        { "endpoint with user-info", Standalone("userinfo", "https://user:password@adaptor.example.com/"), EndpointField },
        { "endpoint with a fragment", Standalone("fragment", "https://adaptor.example.com/path#part"), EndpointField },
        { "endpoint with white space", Standalone("space", "https://adaptor.example.com/a path"), EndpointField },
        { "endpoint over 2048 characters", Standalone("long", "https://adaptor.example.com/" + new string('a', 2048)), EndpointField },
        { "endpoint as a number", Standalone("numeric", 80), EndpointField },
        { "configuration as an array", Standalone("array", configuration: new JsonArray(1, 2)), ConfigurationField },
        { "configuration as a string", Standalone("string", configuration: "secretKey=k"), ConfigurationField },
        { "configuration as a number", Standalone("number", configuration: 12), ConfigurationField },
        { "configuration as a boolean", Standalone("boolean", configuration: true), ConfigurationField },
        { "configuration over 64 KiB", Standalone("big", configuration: new JsonObject { ["secretKey"] = new string('a', 65521) }), ConfigurationField },
        { "unknown connection type", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {}}, "connectionType": "BANANA"}""", "connectionType" },
        { "proto default connection type", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {}}, "connectionType": "UNKNOWN_CONNECTION_TYPE"}""", "connectionType" },
        { "numeric connection type", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {}}, "connectionType": 1}""", "connectionType" },
        { "unknown connection type in the nested options form", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {}}, "connectionType": {"connectionType": "BANANA"}}""", "connectionType.connectionType" },
        { "unknown connection type in options", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {}}, "options": {"connectionType": "BANANA"}}""", "options.connectionType" },
        { "service plugin with an ftp endpoint", """{"externalDatabaseConnection": {"name": "t", "endpoint": "ftp://adaptor.example.com"}, "connectionType": "WIX_SERVICE_PLUGIN"}""", EndpointField },
        { "service plugin with a configuration array", """{"externalDatabaseConnection": {"name": "t", "configuration": []}, "connectionType": "WIX_SERVICE_PLUGIN"}""", ConfigurationField },
        { "non-JSON body", "name=shop&endpoint=http://x", "body" },
        { "truncated JSON body", "{\"externalDatabaseConnection\": {\"name\": \"t", "body" },
        { "empty body", "", "body" },
        { "JSON array body", "[]", "body" },
        { "JSON string body", "\"shop\"", "body" },
        { "JSON null body", "null", "body" },
        { "externalDatabaseConnection missing", """{"connectionType": "STANDALONE"}""", "externalDatabaseConnection" },
        { "externalDatabaseConnection null", """{"externalDatabaseConnection": null}""", "externalDatabaseConnection" },
        { "externalDatabaseConnection as a string", """{"externalDatabaseConnection": "shop"}""", "externalDatabaseConnection" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Create_with_an_invalid_body_is_rejected_naming_the_field_and_stores_nothing(string rule, string body, string field)
    {
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();

        var response = await http.PostJsonAsync(RawApi.Base, body);

        var violations = ErrorAssert.Validation(response, field);
        Assert.True(violations.Count > 0, rule);
        Assert.Equal(before, await http.TotalAsync());
    }

    [Fact]
    public async Task Create_without_endpoint_for_standalone_is_rejected()
    {
        using var client = _server.Client();
        var before = await _server.AdminHttp().TotalAsync();

        var error = await Assert.ThrowsAsync<ExternalDb.Client.ExternalDbException>(() =>
            client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDb.Client.ExternalDatabaseConnection
            {
                Name = Names.New("noendpoint"),
                Configuration = new JsonObject { ["secretKey"] = "k" },
            }));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", error.Code);
        Assert.Contains(error.FieldViolations, v => v.Field == EndpointField);
        Assert.Equal(before, await _server.AdminHttp().TotalAsync());
    }

    [Fact]
    public async Task A_rejected_name_is_not_stored()
    {
        var http = _server.AdminHttp();

        var response = await http.PostJsonAsync(RawApi.Base, Standalone("trailing "));

        Assert.Equal(400, response.Status);
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path("trailing "))).Status);
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path("trailing"))).Status);
    }

    [Fact]
    public async Task Several_offending_fields_are_all_named()
    {
        var response = await _server.AdminHttp().PostJsonAsync(RawApi.Base,
            """{"externalDatabaseConnection": {"name": "a/b", "endpoint": "ftp://x", "configuration": []}}""");

        ErrorAssert.Validation(response, NameField);
        ErrorAssert.Validation(response, EndpointField);
        ErrorAssert.Validation(response, ConfigurationField);
    }

    [Fact]
    public async Task The_largest_valid_name_endpoint_and_configuration_are_accepted()
    {
        var http = _server.AdminHttp();
        var name = Guid.NewGuid().ToString("N") + new string('x', 255 - 32);
        var closed = Ports.ClosedEndpoint() + "/";
        var endpoint = closed + new string('a', 2048 - closed.Length);
        var configuration = new JsonObject { ["secretKey"] = new string('a', (64 * 1024) - """{"secretKey":""}""".Length) };
        Assert.Equal(64 * 1024, configuration.ToJsonString().Length);

        var response = await http.PostJsonAsync(RawApi.Base, Standalone(name, endpoint, configuration));

        Assert.True(response.Status == 200, response.Body);
        Assert.Equal(name, response.Connection["name"]!.GetValue<string>());
        Assert.Equal(endpoint, response.Connection["endpoint"]!.GetValue<string>());
        Assert.Equal("DESTINATION_HOST_UNREACHABLE", response.Connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_rejected_configuration_is_not_echoed_in_the_error_or_the_logs()
    {
        const string secret = "validation-secret-3f9a0c";
        var configuration = new JsonObject { ["secretKey"] = secret, ["padding"] = new string('p', 70 * 1024) };

        var tooLarge = await _server.AdminHttp().PostJsonAsync(RawApi.Base, Standalone("secret-echo", configuration: configuration));
        var badName = await _server.AdminHttp().PostJsonAsync(RawApi.Base, Standalone("bad/name", configuration: new JsonObject { ["secretKey"] = secret }));
        var badJson = await _server.AdminHttp().PostJsonAsync(RawApi.Base, $$"""{"externalDatabaseConnection": {"name": "x", "configuration": {"secretKey": "{{secret}}" """);

        foreach (var response in new[] { tooLarge, badName, badJson })
        {
            Assert.Equal(400, response.Status);
            Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(secret, _server.Logs.AllText, StringComparison.Ordinal);
    }
}
