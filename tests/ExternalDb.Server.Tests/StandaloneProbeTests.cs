using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Creating STANDALONE connections against healthy legacy (V1/V2) adaptors.</summary>
public sealed class StandaloneProbeTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    /// <summary>The public FieldType values of Wix's connections API.</summary>
    private static readonly HashSet<string> WixFieldTypes =
    [
        "TEXT", "NUMBER", "DATE", "DATETIME", "IMAGE", "BOOLEAN", "DOCUMENT", "URL", "RICH_TEXT", "VIDEO", "ANY", "ARRAY_STRING",
        "ARRAY_DOCUMENT", "AUDIO", "TIME", "LANGUAGE", "RICH_CONTENT", "MEDIA_GALLERY", "ADDRESS", "PAGE_LINK", "REFERENCE",
        "MULTI_REFERENCE", "OBJECT", "ARRAY",
    ];

    private readonly ServerInstance _server = fixture.Server;

    private async Task<ExternalDatabaseConnection> CreateAsync(string name, string endpoint, JsonObject configuration)
    {
        using var client = _server.Client();
        return await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
            new ExternalDatabaseConnection { Name = name, Endpoint = endpoint, Configuration = configuration },
            new CreateExternalDatabaseConnectionOptions { ConnectionType = ConnectionType.Standalone });
    }

    [Fact]
    public async Task Create_of_the_seed_sample_against_a_V1_adaptor_reports_a_working_connection()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy(provisionAnswer: "{}");
        var configuration = new JsonObject { ["secretKey"] = "seed-secret-7d1f" };
        var name = Names.New("seed");

        var created = await CreateAsync(name, adaptor.Endpoint, configuration);

        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.Yes);
        Assert.Equal(name, created.Name);
        Assert.Equal(adaptor.Endpoint, created.Endpoint);
        Assert.True(JsonNode.DeepEquals(configuration, created.Configuration), $"configuration not echoed: {created.Configuration}");
        Assert.NotNull(created.Capabilities);
        Assert.False(created.Capabilities.CollectionModificationsSupported);
        Assert.Empty(created.Capabilities.FieldTypes);
        Assert.Equal(ConnectionType.Standalone, created.ConnectionType);
        Assert.Null(created.PublicKey);
        Assert.Null(created.ApplicationId);
        Assert.Contains(_server.Logs.Lines, l => l.Contains($"Checked the adaptor of connection {name}: working, protocol V1, in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_calls_provision_then_schemas_list_with_the_configuration_as_settings_and_the_owner_role()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var configuration = new JsonObject { ["secretKey"] = "settings-secret-2b9e", ["schema"] = "public", ["nested"] = new JsonObject { ["n"] = 1 } };

        await CreateAsync(Names.New("ctx"), adaptor.Endpoint, configuration);

        var calls = adaptor.Received;
        Assert.Equal(["/provision", "/schemas/list"], calls.Select(c => c.Path));
        foreach (var call in calls)
        {
            Assert.Equal("POST", call.Method);
            Assert.StartsWith("application/json", call.ContentType, StringComparison.OrdinalIgnoreCase);
            var context = call.Json["requestContext"] as JsonObject;
            Assert.NotNull(context);
            Assert.True(JsonNode.DeepEquals(configuration, context["settings"]), $"{call.Path} settings: {context["settings"]}");
            Assert.Equal("OWNER", context["role"]?.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(context["instanceId"]?.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(context["installationId"]?.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Create_against_an_adaptor_under_a_path_calls_below_that_path()
    {
        await using var adaptor = await FakeAdaptor.StartAsync();
        adaptor.OnJson("/api/adaptor/provision", "{}").OnJson("/api/adaptor/schemas/list", $$"""{"schemas": {{Answers.OneSchema}}}""");

        var created = await CreateAsync(Names.New("subpath"), adaptor.Endpoint + "/api/adaptor/", new JsonObject { ["secretKey"] = "x" });

        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.Yes);
        Assert.Equal(["/api/adaptor/provision", "/api/adaptor/schemas/list"], adaptor.Received.Select(c => c.Path));
    }

    [Theory]
    [InlineData("\"createCollection\"")]
    [InlineData("\"addColumn\"")]
    [InlineData("\"list\", \"listHeaders\", \"find\", \"createCollection\", \"addColumn\", \"removeColumn\"")]
    public async Task Provision_answering_protocol_version_2_with_schema_changes_allowed_makes_a_V2_connection_with_modifications(string operations)
    {
        var schemas = Answers.OneModifiableSchema.Replace(
            "\"list\", \"listHeaders\", \"find\", \"createCollection\", \"addColumn\", \"removeColumn\"", operations, StringComparison.Ordinal);
        await using var adaptor = (await FakeAdaptor.StartAsync())
            .AsLegacy(provisionAnswer: """{"type": "fake", "vendor": "tests", "protocolVersion": 2}""", schemas: schemas);

        var created = await CreateAsync(Names.New("v2mods"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "x" });

        StatusAssert.Succeeded(created, ProtocolVersion.V2, CollectionsFound.Yes);
        Assert.True(created.Capabilities!.CollectionModificationsSupported);
        Assert.Superset(new HashSet<string> { "TEXT", "NUMBER", "BOOLEAN", "DATETIME", "URL", "IMAGE" }, created.Capabilities.FieldTypes.ToHashSet());
        Assert.Subset(WixFieldTypes, created.Capabilities.FieldTypes.ToHashSet());
        Assert.Equal(created.Capabilities.FieldTypes.Count, created.Capabilities.FieldTypes.Distinct().Count());
    }

    [Fact]
    public async Task Provision_answering_protocol_version_2_without_schema_operations_makes_a_V2_connection_without_modifications()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync())
            .AsLegacy(provisionAnswer: """{"protocolVersion": 2}""", schemas: Answers.OneReadOnlySchemaV2);

        var created = await CreateAsync(Names.New("v2ro"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "x" });

        StatusAssert.Succeeded(created, ProtocolVersion.V2, CollectionsFound.Yes);
        Assert.False(created.Capabilities!.CollectionModificationsSupported);
        Assert.Empty(created.Capabilities.FieldTypes);
    }

    [Fact]
    public async Task A_V1_adaptor_never_gets_modification_capabilities_even_if_its_schemas_list_schema_operations()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy(provisionAnswer: "{}", schemas: Answers.OneModifiableSchema);

        var created = await CreateAsync(Names.New("v1mods"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "x" });

        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.Yes);
        Assert.False(created.Capabilities!.CollectionModificationsSupported);
        Assert.Empty(created.Capabilities.FieldTypes);
    }

    [Fact]
    public async Task An_adaptor_without_schemas_has_no_collections()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy(schemas: "[]");

        var created = await CreateAsync(Names.New("empty"), adaptor.Endpoint, new JsonObject { ["secretKey"] = "x" });

        StatusAssert.Succeeded(created, ProtocolVersion.V1, CollectionsFound.No);
    }

    [Fact]
    public async Task A_successful_check_is_stored_with_its_date_and_latency()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var name = Names.New("stored");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await CreateAsync(name, adaptor.Endpoint, new JsonObject { ["secretKey"] = "x" });
        using var client = _server.Client();
        var fetched = await client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(name);

        StatusAssert.Succeeded(fetched, ProtocolVersion.V1, CollectionsFound.Yes);
        Assert.NotNull(fetched.ConnectionStatus!.CheckedDate);
        Assert.InRange(fetched.ConnectionStatus.CheckedDate.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.NotNull(fetched.ConnectionStatus.LatencyMs);
        Assert.True(fetched.ConnectionStatus.LatencyMs >= 0);
        Assert.Equal(2, adaptor.Received.Count);
    }
}
