using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Names, Update as a full replacement, Delete, and re-checking with /probe.</summary>
public sealed class LifecycleTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private static readonly CreateExternalDatabaseConnectionOptions ServicePlugin = new() { ConnectionType = ConnectionType.WixServicePlugin };
    private readonly ServerInstance _server = fixture.Server;

    private static string UpdateBody(string? name, string? endpoint = null, JsonNode? configuration = null)
    {
        var connection = new JsonObject();
        if (name is not null)
        {
            connection["name"] = name;
        }
        if (endpoint is not null)
        {
            connection["endpoint"] = endpoint;
        }
        if (configuration is not null)
        {
            connection["configuration"] = configuration;
        }
        return new JsonObject { ["externalDatabaseConnection"] = connection }.ToJsonString();
    }

    private async Task<(FakeAdaptor Adaptor, string Name)> CreateStandaloneAsync(JsonObject? configuration = null)
    {
        var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var name = Names.New("life");
        using var client = _server.Client();
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection
        {
            Name = name,
            Endpoint = adaptor.Endpoint,
            Configuration = configuration ?? new JsonObject { ["secretKey"] = "k1" },
        });
        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.Yes);
        return (adaptor, name);
    }

    [Theory]
    [InlineData("Shop-Records", "shop-records")]
    [InlineData("shop-records", "SHOP-RECORDS")]
    [InlineData("Shop-Records", "Shop-Records")]
    [InlineData("Straße-Daten", "STRASSE-DATEN")]
    [InlineData("Ünïcode-Dätä", "ünïcode-dätä")]
    public async Task A_name_taken_in_any_letter_case_is_already_exists(string first, string second)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        first += suffix;
        second += suffix.ToUpperInvariant();
        var http = _server.AdminHttp();
        var original = await http.CreateRawAsync($$"""{"externalDatabaseConnection": {"name": "{{first}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");

        var duplicate = await http.PostJsonAsync(RawApi.Base, $$"""{"externalDatabaseConnection": {"name": "{{second}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");

        if (string.Equals(first, second, StringComparison.OrdinalIgnoreCase) || first.Normalize().ToUpperInvariant() == second.Normalize().ToUpperInvariant())
        {
            ErrorAssert.Application(duplicate, 409, "ALREADY_EXISTS");
            var stored = (await http.GetRawAsync(RawApi.Path(first))).Connection;
            Assert.Equal(first, stored["name"]!.GetValue<string>());
            Assert.Equal(original["publicKey"]!.GetValue<string>(), stored["publicKey"]!.GetValue<string>());
        }
        else
        {
            // "ß" upper-cases to itself under invariant simple case mapping: a distinct name, and that is fine.
            Assert.Equal(200, duplicate.Status);
        }
    }

    [Fact]
    public async Task A_refused_create_does_not_call_the_adaptor()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();

        var duplicate = await http.PostJsonAsync(RawApi.Base,
            RawApi.CreateBody(name.ToUpperInvariant(), adaptor.Endpoint, new JsonObject { ["secretKey"] = "k" }));
        var invalid = await http.PostJsonAsync(RawApi.Base,
            RawApi.CreateBody(name + "/x", adaptor.Endpoint, new JsonObject { ["secretKey"] = "k" }));
        var sdkError = await Assert.ThrowsAsync<ExternalDbException>(() => _server.Client().ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint, Configuration = new JsonObject { ["secretKey"] = "k" } }));

        ErrorAssert.Application(duplicate, 409, "ALREADY_EXISTS");
        ErrorAssert.Validation(invalid, "externalDatabaseConnection.name");
        Assert.Equal(409, sdkError.StatusCode);
        Assert.Equal("ALREADY_EXISTS", sdkError.Code);
        Assert.Equal(2, adaptor.Received.Count);
    }

    [Fact]
    public async Task Names_are_returned_as_given()
    {
        var http = _server.AdminHttp();
        var name = "MixedCase-" + Guid.NewGuid().ToString("N")[..8];
        await http.CreateRawAsync($$"""{"externalDatabaseConnection": {"name": "{{name}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");

        var list = await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");

        Assert.Contains(list.Json["externalDatabaseConnections"]!.AsArray(), c => c!["name"]!.GetValue<string>() == name);
    }

    [Fact]
    public async Task An_unknown_name_is_not_found_for_get_update_delete_and_probe()
    {
        var http = _server.AdminHttp();
        var name = Names.New("ghost");

        ErrorAssert.Application(await http.GetRawAsync(RawApi.Path(name)), 404, "NOT_FOUND");
        ErrorAssert.Application(await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name, configuration: new JsonObject())), 404, "NOT_FOUND");
        ErrorAssert.Application(await http.DeleteRawAsync(RawApi.Path(name)), 404, "NOT_FOUND");
        ErrorAssert.Application(await http.PostJsonAsync(RawApi.Path(name) + "/probe", null), 404, "NOT_FOUND");
        using var client = _server.Client();
        var error = await Assert.ThrowsAsync<ExternalDbException>(() => client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name));
        Assert.Equal(404, error.StatusCode);
        Assert.Equal("NOT_FOUND", error.Code);
    }

    [Fact]
    public async Task Update_never_creates_a_connection()
    {
        var http = _server.AdminHttp();
        var name = Names.New("upsert");
        var before = await http.TotalAsync();

        var response = await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name, "http://127.0.0.1:9", new JsonObject { ["secretKey"] = "k" }));

        Assert.Equal(404, response.Status);
        Assert.Equal(before, await http.TotalAsync());
    }

    [Fact]
    public async Task Update_with_another_name_in_the_body_is_rejected_and_changes_nothing()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();

        var response = await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name + "-renamed", adaptor.Endpoint, new JsonObject { ["secretKey"] = "k2" }));

        ErrorAssert.Validation(response, "externalDatabaseConnection.name");
        var stored = (await http.GetRawAsync(RawApi.Path(name))).Connection;
        Assert.Equal("k1", stored["configuration"]!["secretKey"]!.GetValue<string>());
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path(name + "-renamed"))).Status);
    }

    [Fact]
    public async Task Update_without_a_name_in_the_body_uses_the_path()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;

        var response = await _server.AdminHttp().PutJsonAsync(RawApi.Path(name), UpdateBody(null, adaptor.Endpoint, new JsonObject { ["secretKey"] = "k2" }));

        Assert.Equal(200, response.Status);
        Assert.Equal(name, response.Connection["name"]!.GetValue<string>());
        Assert.Equal("k2", response.Connection["configuration"]!["secretKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_replaces_endpoint_and_configuration_and_checks_the_new_adaptor()
    {
        var (oldAdaptor, name) = await CreateStandaloneAsync();
        await using var _ = oldAdaptor;
        await using var newAdaptor = (await FakeAdaptor.StartAsync()).AsLegacy(provisionAnswer: """{"protocolVersion": 2}""", schemas: "[]");
        using var client = _server.Client();
        var configuration = new JsonObject { ["secretKey"] = "k2", ["database"] = "other" };
        var before = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name,
            new ExternalDatabaseConnection { Name = name, Endpoint = newAdaptor.Endpoint, Configuration = configuration });

        StatusAssert.Succeeded(updated, ProtocolVersion.V2, CollectionsFound.No);
        Assert.Equal(newAdaptor.Endpoint, updated.Endpoint);
        Assert.True(JsonNode.DeepEquals(configuration, updated.Configuration));
        Assert.Equal(before.CreatedDate, updated.CreatedDate);
        Assert.True(updated.UpdatedDate >= before.UpdatedDate);
        Assert.Equal(2, oldAdaptor.Received.Count);
        Assert.Equal(2, newAdaptor.Received.Count);
        Assert.True(JsonNode.DeepEquals(configuration, newAdaptor.Received[0].Json["requestContext"]!["settings"]));
        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        Assert.Equal(newAdaptor.Endpoint, stored.Endpoint);
        Assert.True(JsonNode.DeepEquals(configuration, stored.Configuration));
    }

    [Fact]
    public async Task Update_of_a_standalone_connection_without_configuration_is_rejected()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();

        var response = await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name, adaptor.Endpoint));

        ErrorAssert.Validation(response, "externalDatabaseConnection.configuration");
        Assert.Equal("k1", (await http.GetRawAsync(RawApi.Path(name))).Connection["configuration"]!["secretKey"]!.GetValue<string>());
        Assert.Equal(2, adaptor.Received.Count);
    }

    [Fact]
    public async Task Update_of_a_standalone_connection_without_endpoint_is_rejected()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();

        var response = await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name, configuration: new JsonObject { ["secretKey"] = "k2" }));

        ErrorAssert.Validation(response, "externalDatabaseConnection.endpoint");
        Assert.Equal(adaptor.Endpoint, (await http.GetRawAsync(RawApi.Path(name))).Connection["endpoint"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("ftp://adaptor.example.com")]
    [InlineData("https://user:pw@adaptor.example.com")]
    [InlineData("https://adaptor.example.com/#x")]
    public async Task Update_with_an_invalid_endpoint_is_rejected_and_changes_nothing(string endpoint)
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();

        var response = await http.PutJsonAsync(RawApi.Path(name), UpdateBody(name, endpoint, new JsonObject { ["secretKey"] = "k2" }));

        ErrorAssert.Validation(response, "externalDatabaseConnection.endpoint");
        var stored = (await http.GetRawAsync(RawApi.Path(name))).Connection;
        Assert.Equal(adaptor.Endpoint, stored["endpoint"]!.GetValue<string>());
        Assert.Equal("k1", stored["configuration"]!["secretKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_of_a_service_plugin_connection_without_configuration_clears_it()
    {
        using var client = _server.Client();
        var name = Names.New("clear");
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Configuration = new JsonObject { ["tenant"] = "t1" } }, ServicePlugin);
        Assert.NotNull(created.Configuration);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name });

        Assert.Null(updated.Configuration);
        Assert.Null((await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name)).Configuration);
        Assert.Equal(created.PublicKey, updated.PublicKey);
        Assert.Equal(created.ApplicationId, updated.ApplicationId);
    }

    [Fact]
    public async Task Update_of_a_service_plugin_connection_without_endpoint_clears_it()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier: null);
        using var client = _server.Client();
        var name = Names.New("clearep");
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint }, ServicePlugin);
        StatusAssert.Succeeded(created, ProtocolVersion.V3, CollectionsFound.Yes);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name });

        Assert.Null(updated.Endpoint);
        Assert.Equal(CauseOfFailure.DestinationEndpointNotDefined, updated.ConnectionStatus!.CauseOfFailure);
        Assert.Equal(CollectionsFound.Unknown, updated.ConnectionStatus.HasCollections);
        Assert.Equal(2, adaptor.Received.Count);
    }

    [Fact]
    public async Task Read_only_fields_sent_on_create_are_ignored()
    {
        var http = _server.AdminHttp();
        var name = Names.New("forged");
        var closed = Ports.ClosedEndpoint();

        var connection = await http.CreateRawAsync($$"""
            {"externalDatabaseConnection": {
                "name": "{{name}}", "endpoint": "{{closed}}", "configuration": {"secretKey": "k"},
                "connectionStatus": {"successful": true, "causeOfFailure": "NONE", "hasCollections": "YES"},
                "capabilities": {"collectionModificationsSupported": true, "fieldTypes": ["TEXT"]},
                "protocolVersion": "V2", "publicKey": "Zm9yZ2Vk", "applicationId": "00000000-0000-0000-0000-000000000001",
                "connectionType": "WIX_SERVICE_PLUGIN", "createdDate": "2001-01-01T00:00:00.000Z"},
             "connectionType": "STANDALONE"}
            """);

        foreach (var stored in new[] { connection, (await http.GetRawAsync(RawApi.Path(name))).Connection })
        {
            Assert.False(stored["connectionStatus"]!["successful"]!.GetValue<bool>());
            Assert.Equal("DESTINATION_HOST_UNREACHABLE", stored["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
            Assert.Equal("UNKNOWN", stored["connectionStatus"]!["hasCollections"]!.GetValue<string>());
            Assert.False(stored["capabilities"]!["collectionModificationsSupported"]!.GetValue<bool>());
            Assert.Empty(stored["capabilities"]!["fieldTypes"]!.AsArray());
            Assert.Equal("UNKNOWN", stored["protocolVersion"]!.GetValue<string>());
            Assert.Null(stored["publicKey"]);
            Assert.Null(stored["applicationId"]);
            Assert.Equal("STANDALONE", stored["connectionType"]!.GetValue<string>());
            Assert.StartsWith(DateTimeOffset.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), stored["createdDate"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Read_only_fields_sent_on_update_are_ignored()
    {
        var http = _server.AdminHttp();
        var name = Names.New("forgedup");
        var created = await http.CreateRawAsync($$"""{"externalDatabaseConnection": {"name": "{{name}}"}, "connectionType": "WIX_SERVICE_PLUGIN"}""");

        var response = await http.PutJsonAsync(RawApi.Path(name), $$$"""
            {"externalDatabaseConnection": {
                "name": "{{{name}}}",
                "connectionStatus": {"successful": true, "causeOfFailure": "NONE", "hasCollections": "YES"},
                "capabilities": {"collectionModificationsSupported": true, "fieldTypes": ["TEXT"]},
                "protocolVersion": "V3", "publicKey": "Zm9yZ2Vk", "applicationId": "00000000-0000-0000-0000-000000000001",
                "connectionType": "STANDALONE"}}
            """);

        Assert.Equal(200, response.Status);
        foreach (var stored in new[] { response.Connection, (await http.GetRawAsync(RawApi.Path(name))).Connection })
        {
            Assert.Equal(created["publicKey"]!.GetValue<string>(), stored["publicKey"]!.GetValue<string>());
            Assert.Equal(created["applicationId"]!.GetValue<string>(), stored["applicationId"]!.GetValue<string>());
            Assert.Equal("WIX_SERVICE_PLUGIN", stored["connectionType"]!.GetValue<string>());
            Assert.Equal("DESTINATION_ENDPOINT_NOT_DEFINED", stored["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
            Assert.Equal("UNKNOWN", stored["protocolVersion"]!.GetValue<string>());
            Assert.False(stored["capabilities"]!["collectionModificationsSupported"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task Delete_answers_an_empty_object_and_the_connection_is_gone()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();

        var response = await http.DeleteRawAsync(RawApi.Path(name));

        Assert.Equal(200, response.Status);
        Assert.Equal("{}", response.Body.Trim());
        ErrorAssert.Application(await http.GetRawAsync(RawApi.Path(name)), 404, "NOT_FOUND");
        ErrorAssert.Application(await http.DeleteRawAsync(RawApi.Path(name)), 404, "NOT_FOUND");
        Assert.Equal(before - 1, await http.TotalAsync());
        var list = await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");
        Assert.DoesNotContain(list.Json["externalDatabaseConnections"]!.AsArray(), c => c!["name"]!.GetValue<string>() == name);
    }

    [Fact]
    public async Task Delete_through_the_sdk_then_get_is_not_found_and_the_name_is_free_again()
    {
        using var client = _server.Client();
        var name = Names.New("reuse");
        var first = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name }, ServicePlugin);

        await client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(name.ToUpperInvariant());

        var error = await Assert.ThrowsAsync<ExternalDbException>(() => client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name));
        Assert.Equal(404, error.StatusCode);
        var second = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name }, ServicePlugin);
        Assert.NotEqual(first.PublicKey, second.PublicKey);
    }

    [Fact]
    public async Task Probe_checks_the_adaptor_again_and_stores_what_it_finds()
    {
        var (adaptor, name) = await CreateStandaloneAsync();
        await using var _ = adaptor;
        using var client = _server.Client();
        var first = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);

        adaptor.OnJson("/provision", """{"message": "You are not authorized"}""", 401);
        var refused = await client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);
        var refusedStored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);

        adaptor.AsLegacy(provisionAnswer: """{"protocolVersion": 2}""", schemas: "[]");
        var recovered = await client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);

        StatusAssert.Failed(refused, CauseOfFailure.Unauthorized);
        StatusAssert.Failed(refusedStored, CauseOfFailure.Unauthorized);
        StatusAssert.Succeeded(recovered, ProtocolVersion.V2, CollectionsFound.No);
        StatusAssert.Succeeded(await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name), ProtocolVersion.V2, CollectionsFound.No);
        Assert.Equal(5, adaptor.Received.Count);
        Assert.True(recovered.ConnectionStatus!.CheckedDate >= first.ConnectionStatus!.CheckedDate);
        Assert.Equal(first.Configuration!.ToJsonString(), recovered.Configuration!.ToJsonString());
    }

    [Fact]
    public async Task Probe_of_a_service_plugin_connection_signs_with_the_stored_key()
    {
        using var client = _server.Client();
        var name = Names.New("probev3");
        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name }, ServicePlugin);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, created.ApplicationId!);
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier, collections: """{"collections": []}""");
        await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        adaptor.AsV3(verifier);
        var probed = await client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(name);

        StatusAssert.Succeeded(probed, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.Equal(4, verifier.VerifiedPayloads.Count);
    }
}
