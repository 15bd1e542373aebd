using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The OpenAPI document (what Scalar shows at /scalar/v1) describes what the server really does.</summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    private ServerInstance _server = default!;
    private JsonObject _document = default!;

    public async Task InitializeAsync()
    {
        _server = await ServerInstance.StartAsync();
        _document = JsonNode.Parse(await _server.Http().GetStringAsync("openapi/v1.json"))!.AsObject();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IEnumerable<(string Path, string Method, JsonObject Operation)> Operations() =>
        _document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (p.Key, o.Key.ToUpperInvariant(), o.Value!.AsObject())));

    [Fact]
    public async Task Every_documented_request_example_is_accepted_by_the_server()
    {
        var http = _server.AdminHttp();
        var sent = 0;
        // Creates first, deletions last, as someone trying the examples in order would.
        // The data operations' examples have their own test, which runs them in their story's order.
        var ordered = Operations().Where(o => !o.Path.StartsWith(DataPrefix, StringComparison.Ordinal))
            .OrderBy(o => o.Method == "DELETE" ? 2 : o.Method == "POST" && !o.Path.Contains('{', StringComparison.Ordinal) ? 0 : 1);
        foreach (var (path, method, operation) in ordered)
        {
            if (await SendExampleAsync(http, path, method, operation) is not var (status, body))
            {
                continue;
            }
            Assert.True(status is not (400 or 401 or 403 or 415 or 422) && status < 500, $"{method} {path} with its documented example answered {status}: {body}");
            sent++;
        }
        Assert.True(sent >= 8, $"only {sent} operations have examples");
    }

    [Fact]
    public async Task Every_data_operation_has_an_example_that_succeeds_on_the_demo_adaptor()
    {
        await _server.SeedDemoAdaptorAsync();
        var http = _server.AdminHttp();
        // The connection of the connections' examples (Create, then Update with its endpoint), on this server's port.
        var create = _document["paths"]!["/wix-data/v1/external-database-connections"]!["post"]!;
        Assert.Equal(200, (int)(await http.PostAsync("wix-data/v1/external-database-connections", Json(create["requestBody"]!["content"]!["application/json"]!["example"]!))).StatusCode);
        var update = _document["paths"]!["/wix-data/v1/external-database-connections/{name}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["example"]!.DeepClone();
        update["externalDatabaseConnection"]!["endpoint"] = new Uri(_server.BaseAddress, "demo-adaptor").ToString();
        var updated = await http.PutAsync("wix-data/v1/external-database-connections/shop", Json(update));
        Assert.Contains("\"successful\":true", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var data = Operations().Where(o => o.Path.StartsWith(DataPrefix, StringComparison.Ordinal)).ToDictionary(o => o.Method + " " + o.Path, o => o.Operation);
        Assert.Equal(data.Keys.Order(), Hosting.WixDataDocumentation.Operations.Select(o => o.Method + " " + o.Path).Order());
        foreach (var documented in Hosting.WixDataDocumentation.Operations)
        {
            var operation = data[documented.Method + " " + documented.Path];
            var (status, body) = await SendExampleAsync(http, documented.Path, documented.Method, operation)
                ?? throw new Xunit.Sdk.XunitException($"{documented.Method} {documented.Path} has no example");
            Assert.True(status == 200, $"{documented.Method} {documented.Path} with its documented example answered {status}: {body}");
            Assert.DoesNotContain("\"success\":false", body, StringComparison.Ordinal);
            var responses = operation["responses"]!.AsObject();
            foreach (var error in new[] { "400", "404", "428", "502", "503", "504" })
            {
                Assert.True(responses.ContainsKey(error), $"{documented.Method} {documented.Path} does not document {error}");
            }
        }
    }

    private const string DataPrefix = "/wix-data/v2/";

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>Sends an operation's documented example (body, path and query parameters); null when it has none.</summary>
    private static async Task<(int Status, string Body)?> SendExampleAsync(HttpClient http, string path, string method, JsonObject operation)
    {
        var example = operation["requestBody"]?["content"]?["application/json"]?["example"];
        var parameters = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (example is null && !parameters.Any(p => p["example"] is not null))
        {
            return null;
        }
        var url = path.TrimStart('/');
        var query = new List<string>();
        foreach (var parameter in parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            var value = parameter["example"]?.ToString();
            Assert.True(value is not null || parameter["required"]?.GetValue<bool>() != true, $"{method} {path}: required parameter {name} has no example");
            if (value is null)
            {
                continue;
            }
            if (parameter["in"]!.GetValue<string>() == "path")
            {
                url = url.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
            }
            else
            {
                query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
            }
        }
        using var request = new HttpRequestMessage(new HttpMethod(method), url + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        if (example is not null)
        {
            request.Content = Json(example);
        }
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Every_operation_names_the_key_scheme_and_its_401_and_403()
    {
        var scheme = _document["components"]!["securitySchemes"]!["ApiKey"]!;
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
        foreach (var (path, method, operation) in Operations())
        {
            Assert.True(operation["security"] is JsonArray { Count: > 0 }, $"{method} {path} has no security requirement");
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("401") && responses.ContainsKey("403"), $"{method} {path} does not document 401 and 403");
            Assert.Equal("PERMISSION_DENIED", responses["403"]!["content"]!["application/problem+json"]!["example"]!["details"]!["applicationError"]!["code"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Connection_operations_document_their_bodies_and_errors()
    {
        var create = _document["paths"]!["/wix-data/v1/external-database-connections"]!["post"]!;
        // Request bodies are named components: follow the reference.
        var reference = create["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        var schema = _document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!;
        Assert.Equal(["externalDatabaseConnection"], schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["name"], schema["properties"]!["externalDatabaseConnection"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.NotNull(create["responses"]!["409"]);
        Assert.NotNull(create["responses"]!["400"]);
        Assert.NotNull(_document["paths"]!["/wix-data/v1/external-database-connections/{name}"]!["get"]!["responses"]!["404"]);
    }

    [Fact]
    public void Dates_are_date_time_strings_and_numbers_are_numbers()
    {
        var status = _document["components"]!["schemas"]!["ConnectionStatus"]!["properties"]!;
        Assert.Contains("string", status["checkedDate"]!["type"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("date-time", status["checkedDate"]!["format"]!.GetValue<string>());
        Assert.DoesNotContain("string", status["latencyMs"]!["type"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"pattern\":\"^-?(?:0|[1-9]", _document.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_page_loads_nothing_from_other_hosts()
    {
        var html = await _server.Http().GetStringAsync("scalar/v1");
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        // Self-hosted: no fonts from Scalar's CDN, no telemetry, no agent; "Test Request" uses the key scheme.
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"agent\":{\"disabled\":true}", html, StringComparison.Ordinal);
        Assert.Contains("\"preferredSecurityScheme\":[\"ApiKey\"]", html, StringComparison.Ordinal);
    }
}
