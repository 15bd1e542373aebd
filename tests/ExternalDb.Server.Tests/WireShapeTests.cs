using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The exact JSON on the wire, checked with a raw HttpClient.</summary>
public sealed class WireShapeTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string IsoUtc = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$";
    private readonly ServerInstance _server = fixture.Server;

    private static string Body(string name, string? endpoint = null, string? type = null, bool optionsForm = false, string configuration = """{"secretKey": "k"}""")
    {
        var connection = new JsonObject { ["name"] = name, ["configuration"] = JsonNode.Parse(configuration) };
        if (endpoint is not null)
        {
            connection["endpoint"] = endpoint;
        }
        var body = new JsonObject { ["externalDatabaseConnection"] = connection };
        if (type is not null)
        {
            if (optionsForm)
            {
                body["options"] = new JsonObject { ["connectionType"] = type };
            }
            else
            {
                body["connectionType"] = type;
            }
        }
        return body.ToJsonString();
    }

    [Fact]
    public async Task Create_accepts_connection_type_at_the_top_level()
    {
        var http = _server.AdminHttp();
        var connection = await http.CreateRawAsync(Body(Names.New("top"), type: "WIX_SERVICE_PLUGIN"));

        Assert.Equal("WIX_SERVICE_PLUGIN", connection["connectionType"]?.GetValue<string>());
        Assert.NotNull(connection["publicKey"]);
    }

    [Fact]
    public async Task Create_accepts_the_seed_form_with_connection_type_in_options()
    {
        var http = _server.AdminHttp();
        var connection = await http.CreateRawAsync(Body(Names.New("opts"), type: "WIX_SERVICE_PLUGIN", optionsForm: true));

        Assert.Equal("WIX_SERVICE_PLUGIN", connection["connectionType"]?.GetValue<string>());
        Assert.Equal("DESTINATION_ENDPOINT_NOT_DEFINED", connection["connectionStatus"]?["causeOfFailure"]?.GetValue<string>());
        Assert.NotNull(connection["publicKey"]);
    }

    [Fact]
    public async Task Create_accepts_the_seed_form_with_standalone_in_options()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.AdminHttp();
        var connection = await http.CreateRawAsync(Body(Names.New("optsa"), adaptor.Endpoint, type: "STANDALONE", optionsForm: true));

        Assert.Equal("STANDALONE", connection["connectionType"]?.GetValue<string>());
        Assert.Equal("NONE", connection["connectionStatus"]?["causeOfFailure"]?.GetValue<string>());
    }

    [Fact]
    public async Task Create_accepts_the_options_object_sent_as_the_connection_type()
    {
        // Wix's SDK called with the seed's options object as its type argument nests it under connectionType.
        var body = JsonNode.Parse(Body(Names.New("nested")))!.AsObject();
        body["connectionType"] = new JsonObject { ["connectionType"] = "WIX_SERVICE_PLUGIN" };
        var connection = await _server.AdminHttp().CreateRawAsync(body.ToJsonString());

        Assert.Equal("WIX_SERVICE_PLUGIN", connection["connectionType"]?.GetValue<string>());
        Assert.NotNull(connection["publicKey"]);
    }

    [Fact]
    public async Task Create_without_a_connection_type_makes_a_standalone_connection()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.AdminHttp();

        var connection = await http.CreateRawAsync(Body(Names.New("notype"), adaptor.Endpoint));
        var withoutEndpoint = await http.PostJsonAsync(RawApi.Base, Body(Names.New("notype")));

        Assert.Equal("STANDALONE", connection["connectionType"]?.GetValue<string>());
        Assert.Null(connection["publicKey"]);
        Assert.Equal(2, adaptor.Received.Count);
        ErrorAssert.Validation(withoutEndpoint, "externalDatabaseConnection.endpoint");
    }

    [Fact]
    public async Task A_working_connection_carries_the_exact_enum_strings_and_every_wix_field()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.AdminHttp();
        var name = Names.New("enums");

        var response = await http.PostJsonAsync(RawApi.Base, Body(name, adaptor.Endpoint, type: "STANDALONE"));

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(["externalDatabaseConnection"], response.Json.Select(p => p.Key));
        var connection = response.Connection;
        Assert.Equal(name, connection["name"]?.GetValue<string>());
        Assert.Equal(adaptor.Endpoint, connection["endpoint"]?.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"secretKey": "k"}"""), connection["configuration"]));
        var status = connection["connectionStatus"]!;
        Assert.True(status["successful"]!.GetValue<bool>());
        Assert.Equal("NONE", status["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("YES", status["hasCollections"]!.GetValue<string>());
        Assert.Equal("V1", connection["protocolVersion"]!.GetValue<string>());
        Assert.False(connection["capabilities"]!["collectionModificationsSupported"]!.GetValue<bool>());
        Assert.Empty(connection["capabilities"]!["fieldTypes"]!.AsArray());
        Assert.Equal("STANDALONE", connection["connectionType"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_connection_without_endpoint_carries_the_exact_failure_strings()
    {
        var http = _server.AdminHttp();

        var connection = await http.CreateRawAsync(Body(Names.New("enumf"), type: "WIX_SERVICE_PLUGIN"));

        var status = connection["connectionStatus"]!;
        Assert.False(status["successful"]!.GetValue<bool>());
        Assert.Equal("DESTINATION_ENDPOINT_NOT_DEFINED", status["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("UNKNOWN", status["hasCollections"]!.GetValue<string>());
        Assert.Equal("UNKNOWN", connection["protocolVersion"]!.GetValue<string>());
        StatusAssert.Sentence(status["message"]?.GetValue<string>());
    }

    [Fact]
    public async Task Dates_are_iso_8601_in_utc_with_a_z()
    {
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.AdminHttp();
        var name = Names.New("dates");
        await http.CreateRawAsync(Body(name, adaptor.Endpoint));

        var connection = (await http.GetRawAsync(RawApi.Path(name))).Connection;

        foreach (var date in new[] { connection["createdDate"], connection["updatedDate"], connection["connectionStatus"]!["checkedDate"] })
        {
            Assert.NotNull(date);
            Assert.Matches(IsoUtc, date.GetValue<string>());
        }
    }

    [Fact]
    public async Task Both_base_paths_serve_the_same_connections()
    {
        var http = _server.AdminHttp();
        var viaAlias = Names.New("alias");
        var viaWix = Names.New("wix");

        var createdAlias = await http.PostJsonAsync(RawApi.AliasBase, Body(viaAlias, type: "WIX_SERVICE_PLUGIN"));
        await http.CreateRawAsync(Body(viaWix, type: "WIX_SERVICE_PLUGIN"));

        Assert.Equal(200, createdAlias.Status);
        Assert.Equal(200, (await http.GetRawAsync(RawApi.Base + "/" + viaAlias)).Status);
        Assert.Equal(200, (await http.GetRawAsync(RawApi.AliasBase + "/" + viaWix)).Status);
        var listWix = await http.GetRawAsync(RawApi.Base + "?paging.limit=1000");
        var listAlias = await http.GetRawAsync(RawApi.AliasBase + "?paging.limit=1000");
        Assert.Equal(200, listAlias.Status);
        Assert.Equal(listWix.Json["pagingMetadata"]!["total"]!.GetValue<int>(), listAlias.Json["pagingMetadata"]!["total"]!.GetValue<int>());
        Assert.Contains(listAlias.Json["externalDatabaseConnections"]!.AsArray(), c => c!["name"]!.GetValue<string>() == viaWix);
        var update = await http.PutJsonAsync(RawApi.AliasBase + "/" + viaWix, new JsonObject { ["externalDatabaseConnection"] = new JsonObject { ["name"] = viaWix, ["configuration"] = new JsonObject { ["a"] = 1 } } }.ToJsonString());
        Assert.Equal(200, update.Status);
        Assert.Equal(1, update.Connection["configuration"]!["a"]!.GetValue<int>());
        Assert.Equal(200, (await http.DeleteRawAsync(RawApi.AliasBase + "/" + viaAlias)).Status);
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Base + "/" + viaAlias)).Status);
    }

    [Fact]
    public async Task Get_ignores_a_duplicate_name_in_the_query()
    {
        var http = _server.AdminHttp();
        var name = Names.New("dup");
        await http.CreateRawAsync(Body(name, type: "WIX_SERVICE_PLUGIN"));

        var same = await http.GetRawAsync($"{RawApi.Base}/{name}?name={name}");
        var other = await http.GetRawAsync($"{RawApi.Base}/{name}?name=someone-else");

        Assert.Equal(200, same.Status);
        Assert.Equal(name, same.Connection["name"]!.GetValue<string>());
        Assert.Equal(200, other.Status);
        Assert.Equal(name, other.Connection["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_answers_exactly_an_empty_object()
    {
        var http = _server.AdminHttp();
        var name = Names.New("del");
        await http.CreateRawAsync(Body(name, type: "WIX_SERVICE_PLUGIN"));

        var response = await http.DeleteRawAsync(RawApi.Path(name));

        Assert.Equal(200, response.Status);
        Assert.Equal("{}", response.Body.Trim());
    }

    [Fact]
    public async Task List_answers_the_connections_and_full_paging_metadata()
    {
        var http = _server.AdminHttp();
        await http.CreateRawAsync(Body(Names.New("list"), type: "WIX_SERVICE_PLUGIN"));

        var response = await http.GetRawAsync(RawApi.Base);

        Assert.Equal(200, response.Status);
        Assert.IsType<JsonArray>(response.Json["externalDatabaseConnections"]);
        var paging = response.Json["pagingMetadata"] as JsonObject;
        Assert.NotNull(paging);
        foreach (var field in new[] { "count", "offset", "total", "tooManyToCount", "hasNext" })
        {
            Assert.True(paging.ContainsKey(field), $"pagingMetadata lacks {field}: {response.Body}");
        }
        Assert.Equal(0, paging["offset"]!.GetValue<int>());
        Assert.False(paging["tooManyToCount"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_name_with_spaces_and_non_ascii_letters_round_trips_through_the_path()
    {
        var http = _server.AdminHttp();
        var name = "Café Données " + Guid.NewGuid().ToString("N")[..6];
        await http.CreateRawAsync(Body(name, type: "WIX_SERVICE_PLUGIN"));

        var response = await http.GetRawAsync(RawApi.Path(name));

        Assert.Equal(200, response.Status);
        Assert.Equal(name, response.Connection["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_configuration_round_trips_exactly_through_create_get_list_and_the_adaptor()
    {
        const string configuration = """
            {"secretKey": "ünï <>&'\" \u0001 😀", "n": 1.5e300, "big": 12345678901234567890, "neg": -0.000001,
             "t": true, "f": false, "nul": null, "arr": [1, "two", null, {"x": [true]}], "emptyObject": {}, "emptyArray": [],
             "nested": {"deeper": {"deepest": "value"}}}
            """;
        await using var adaptor = (await FakeAdaptor.StartAsync()).AsLegacy();
        var http = _server.AdminHttp();
        var name = Names.New("roundtrip");
        var expected = JsonNode.Parse(configuration);

        var created = await http.CreateRawAsync(Body(name, adaptor.Endpoint, configuration: configuration));
        var fetched = (await http.GetRawAsync(RawApi.Path(name))).Connection;
        var listed = (await http.GetRawAsync(RawApi.Base + "?paging.limit=1000")).Json["externalDatabaseConnections"]!.AsArray()
            .Single(c => c!["name"]!.GetValue<string>() == name)!;

        Assert.True(JsonNode.DeepEquals(expected, created["configuration"]), $"create: {created["configuration"]}");
        Assert.True(JsonNode.DeepEquals(expected, fetched["configuration"]), $"get: {fetched["configuration"]}");
        Assert.True(JsonNode.DeepEquals(expected, listed["configuration"]), $"list: {listed["configuration"]}");
        Assert.True(JsonNode.DeepEquals(expected, adaptor.Received[0].Json["requestContext"]!["settings"]), $"adaptor: {adaptor.Received[0].Body}");
    }

    [Fact]
    public async Task A_method_a_path_is_not_served_with_answers_404_in_the_error_shape()
    {
        // Wix answers 404 for a route it does not have, whatever the method; its SDK treats only a 404 as "not found".
        var response = await _server.AdminHttp().SendRawAsync(HttpMethod.Patch, RawApi.Path("anything"), "{}");

        ErrorAssert.Application(response, 404, "NOT_FOUND");
        Assert.False(response.Headers.ContainsKey("Allow"), "a 404 lists no allowed methods");
    }

    [Theory]
    [InlineData("GET", "wix-data/v1/no-such-thing")]
    [InlineData("POST", "no-such-thing/at-all")] // not a 405 from the console's static assets (GET only)
    public async Task An_unknown_route_answers_404_in_the_error_shape(string method, string path)
    {
        var response = await _server.AdminHttp().SendRawAsync(new HttpMethod(method), path, method == "POST" ? "{}" : null);

        ErrorAssert.Application(response, 404, "NOT_FOUND");
    }
}
