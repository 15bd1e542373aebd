using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>WIX_SERVICE_PLUGIN (V3) connections: the two-call flow, the key pair, and signed requests.</summary>
public sealed class ServicePluginTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private static readonly CreateExternalDatabaseConnectionOptions ServicePlugin = new() { ConnectionType = ConnectionType.WixServicePlugin };
    private readonly ServerInstance _server = fixture.Server;

    private static Task<ExternalDatabaseConnection> CreateWithoutEndpointAsync(ExternalDbClient client, string name) =>
        client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(new ExternalDatabaseConnection { Name = name }, ServicePlugin);

    [Fact]
    public async Task Create_without_endpoint_answers_a_public_key_and_application_id_and_no_endpoint_defined()
    {
        using var client = _server.Client();

        var created = await CreateWithoutEndpointAsync(client, Names.New("v3first"));

        var status = created.ConnectionStatus!;
        Assert.False(status.Successful);
        Assert.Equal(CauseOfFailure.DestinationEndpointNotDefined, status.CauseOfFailure);
        Assert.Equal(CollectionsFound.Unknown, status.HasCollections);
        StatusAssert.Sentence(status.Message);
        Assert.Equal(ProtocolVersion.Unknown, created.ProtocolVersion);
        Assert.Equal(ConnectionType.WixServicePlugin, created.ConnectionType);
        Assert.Null(created.Endpoint);

        Assert.NotNull(created.PublicKey);
        Assert.InRange(created.PublicKey.Length, 1, 128);
        Assert.DoesNotContain("BEGIN", created.PublicKey, StringComparison.Ordinal);
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(created.PublicKey), out var read);
        Assert.Equal(Convert.FromBase64String(created.PublicKey).Length, read);
        Assert.Equal(256, key.KeySize);
        Assert.True(Guid.TryParse(created.ApplicationId, out _), $"applicationId '{created.ApplicationId}' is not a GUID");
    }

    [Fact]
    public async Task Each_connection_gets_its_own_key_pair_and_application_id()
    {
        using var client = _server.Client();

        var first = await CreateWithoutEndpointAsync(client, Names.New("v3a"));
        var second = await CreateWithoutEndpointAsync(client, Names.New("v3b"));

        Assert.NotEqual(first.PublicKey, second.PublicKey);
        Assert.NotEqual(first.ApplicationId, second.ApplicationId);
    }

    [Fact]
    public async Task Update_with_the_endpoint_of_a_verifying_adaptor_connects_it_as_V3()
    {
        using var client = _server.Client();
        var name = Names.New("v3flow");
        var created = await CreateWithoutEndpointAsync(client, name);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, created.ApplicationId!);
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name,
            new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        StatusAssert.Succeeded(updated, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.True(updated.Capabilities!.CollectionModificationsSupported);
        Assert.Equal(["TEXT", "NUMBER"], updated.Capabilities.FieldTypes);
        Assert.Equal(created.PublicKey, updated.PublicKey);
        Assert.Equal(created.ApplicationId, updated.ApplicationId);
        Assert.Equal(adaptor.Endpoint, updated.Endpoint);
        Assert.Equal(["/v3/capabilities/get", "/v3/collections/get"], adaptor.Received.Select(r => r.Path));
        Assert.Equal(2, verifier.VerifiedPayloads.Count);

        var stored = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);
        StatusAssert.Succeeded(stored, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.Equal(created.PublicKey, stored.PublicKey);
        Assert.Equal(created.ApplicationId, stored.ApplicationId);
    }

    [Fact]
    public async Task Signed_requests_are_plain_text_ES256_tokens_with_the_agreed_claims()
    {
        using var client = _server.Client();
        var name = Names.New("v3claims");
        var created = await CreateWithoutEndpointAsync(client, name);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, created.ApplicationId!);
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);

        await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        foreach (var request in adaptor.Received)
        {
            Assert.Equal("POST", request.Method);
            Assert.StartsWith("text/plain", request.ContentType, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("ES256", Jwt.Header(request.Body)["alg"]?.GetValue<string>());
            var claims = Jwt.Payload(request.Body);
            Assert.Equal("wix.com", claims["iss"]?.GetValue<string>());
            Assert.Equal(created.ApplicationId, claims["aud"]?.GetValue<string>());
            var iat = claims["iat"]!.GetValue<long>();
            Assert.Equal(iat + 60, claims["exp"]!.GetValue<long>());
            Assert.InRange(iat, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddSeconds(5).ToUnixTimeSeconds());
            var data = claims["data"] as JsonObject;
            Assert.NotNull(data);
            Assert.IsType<JsonObject>(data["request"]);
            Assert.Equal("APP", data["metadata"]?["identity"]?["identityType"]?.GetValue<string>());
            Assert.Equal(created.ApplicationId, data["metadata"]?["identity"]?["appId"]?.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(data["metadata"]?["requestId"]?.GetValue<string>()));
        }
        var listRequest = Jwt.Payload(adaptor.ReceivedAt("/v3/collections/get").Single().Body)["data"]!["request"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"collectionIds": []}"""), listRequest), $"collections/get request: {listRequest}");
    }

    [Fact]
    public async Task Create_with_an_endpoint_signs_its_calls_with_the_key_it_answers()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier: null);
        using var client = _server.Client();

        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = Names.New("v3direct"), Endpoint = adaptor.Endpoint }, ServicePlugin);

        StatusAssert.Succeeded(created, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.Equal(2, adaptor.Received.Count);
        foreach (var request in adaptor.Received)
        {
            Assert.True(await SignedRequestVerifier.IsValidAsync(request.Body, created.PublicKey!, created.ApplicationId!),
                $"{request.Path} was not signed with the connection's key for its application id");
        }
    }

    [Fact]
    public async Task A_service_plugin_connection_can_be_checked_again_with_the_same_key()
    {
        using var client = _server.Client();
        var name = Names.New("v3again");
        var created = await CreateWithoutEndpointAsync(client, name);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, created.ApplicationId!);
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);
        var update = new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint };

        var first = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, update);
        var second = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, update);

        StatusAssert.Succeeded(first, ProtocolVersion.V3, CollectionsFound.Yes);
        StatusAssert.Succeeded(second, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.Equal(4, verifier.VerifiedPayloads.Count);
    }

    [Fact]
    public async Task An_adaptor_that_rejects_the_signature_makes_the_connection_unauthorized()
    {
        using var client = _server.Client();
        var name = Names.New("v3bad");
        var created = await CreateWithoutEndpointAsync(client, name);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new SignedRequestVerifier().Trust(Convert.ToBase64String(otherKey.ExportSubjectPublicKeyInfo()), created.ApplicationId!);
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        StatusAssert.Failed(updated, CauseOfFailure.Unauthorized);
        Assert.Empty(verifier.VerifiedPayloads);
        StatusAssert.Failed(await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name), CauseOfFailure.Unauthorized);
    }

    [Fact]
    public async Task An_adaptor_expecting_another_audience_makes_the_connection_unauthorized()
    {
        using var client = _server.Client();
        var name = Names.New("v3aud");
        var created = await CreateWithoutEndpointAsync(client, name);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, Guid.NewGuid().ToString());
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        StatusAssert.Failed(updated, CauseOfFailure.Unauthorized);
    }

    [Fact]
    public async Task A_V3_adaptor_without_collections_or_modifications_is_reported_as_such()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync())
            .AsV3(verifier: null, capabilities: """{"supportsCollectionModifications": false, "supportedFieldTypes": []}""", collections: """{"collections": []}""");
        using var client = _server.Client();

        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = Names.New("v3none"), Endpoint = adaptor.Endpoint }, ServicePlugin);

        StatusAssert.Succeeded(created, ProtocolVersion.V3, CollectionsFound.No);
        Assert.False(created.Capabilities!.CollectionModificationsSupported);
        Assert.Empty(created.Capabilities.FieldTypes);
    }

    [Theory]
    [InlineData("/v3/capabilities/get", 500, CauseOfFailure.CommunicationFailure)]
    [InlineData("/v3/collections/get", 500, CauseOfFailure.CommunicationFailure)]
    [InlineData("/v3/collections/get", 403, CauseOfFailure.Unauthorized)]
    public async Task V3_adaptor_errors_map_to_the_cause_of_failure(string path, int status, CauseOfFailure cause)
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier: null);
        adaptor.OnJson(path, """{"errorCode": "SOMETHING"}""", status);
        using var client = _server.Client();

        var created = await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = Names.New("v3err"), Endpoint = adaptor.Endpoint }, ServicePlugin);

        StatusAssert.Failed(created, cause);
    }

    [Fact]
    public async Task A_configured_jwt_issuer_is_the_iss_of_signed_requests()
    {
        await using var server = await ServerInstance.StartAsync(new Dictionary<string, string?> { ["Adaptors:JwtIssuer"] = "externaldb.tests" });
        using var client = server.Client();
        var name = Names.New("v3iss");
        var created = await CreateWithoutEndpointAsync(client, name);
        var verifier = new SignedRequestVerifier().Trust(created.PublicKey!, created.ApplicationId!, issuer: "externaldb.tests");
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsV3(verifier);

        var updated = await client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(name, new ExternalDatabaseConnection { Name = name, Endpoint = adaptor.Endpoint });

        StatusAssert.Succeeded(updated, ProtocolVersion.V3, CollectionsFound.Yes);
        Assert.All(adaptor.Received, r => Assert.Equal("externaldb.tests", Jwt.Payload(r.Body)["iss"]?.GetValue<string>()));
    }
}
