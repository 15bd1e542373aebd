using System.Net.Http.Headers;
using System.Text;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>
/// Invalid UTF-8, escaped lone surrogates and numbers beyond a double in connection and API-key bodies: a 400 naming
/// the field, nothing stored, no error logged. (The JSON parser accepts all three; they used to fail later, as 500s.)
/// </summary>
public sealed class InvalidTextTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private readonly ServerInstance _server = fixture.Server;

    private static Task<RawResponse> SendBytesAsync(HttpClient http, HttpMethod method, string path, byte[] body) =>
        http.SendRawAsync(method, path, null, configure: request =>
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        });

    /// <summary>Bodies as Latin-1 text, so that <c>\u00ff</c> is the single byte FF (never valid in UTF-8).</summary>
    public static TheoryData<string, string, string> CreateBodies() => new()
    {
        { "escaped lone high surrogate in the name", """{"externalDatabaseConnection": {"name": "x\ud800"}, "connectionType": "WIX_SERVICE_PLUGIN"}""", "externalDatabaseConnection.name" },
        { "escaped lone low surrogate in the name", """{"externalDatabaseConnection": {"name": "\udc00x"}, "connectionType": "WIX_SERVICE_PLUGIN"}""", "externalDatabaseConnection.name" },
        { "reversed surrogate pair in the name", """{"externalDatabaseConnection": {"name": "\udc00\ud800"}, "connectionType": "WIX_SERVICE_PLUGIN"}""", "externalDatabaseConnection.name" },
        { "invalid UTF-8 in the name", "{\"externalDatabaseConnection\": {\"name\": \"x\u00ff\u00fe\"}, \"connectionType\": \"WIX_SERVICE_PLUGIN\"}", "externalDatabaseConnection.name" },
        { "UTF-8 of a surrogate in the name", "{\"externalDatabaseConnection\": {\"name\": \"x\u00ed\u00a0\u0080\"}, \"connectionType\": \"WIX_SERVICE_PLUGIN\"}", "externalDatabaseConnection.name" },
        { "lone surrogate in the endpoint", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9/\ud800", "configuration": {"secretKey": "k"}}}""", "externalDatabaseConnection.endpoint" },
        { "lone surrogate in a configuration value", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {"secretKey": "k\ud800"}}}""", "externalDatabaseConnection.configuration.secretKey" },
        { "lone surrogate in a configuration key", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {"a": [{"\ud800": 1}]}}}""", "externalDatabaseConnection.configuration.a[0]" },
        { "invalid UTF-8 in the connection type", "{\"externalDatabaseConnection\": {\"name\": \"t\"}, \"connectionType\": \"\u00ff\"}", "connectionType" },
        { "1e400 in the configuration", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {"secretKey": "k", "port": 1e400}}}""", "externalDatabaseConnection.configuration.port" },
        { "-1e400 in the configuration", """{"externalDatabaseConnection": {"name": "t", "endpoint": "http://127.0.0.1:9", "configuration": {"secretKey": "k", "n": [-1e400]}}}""", "externalDatabaseConnection.configuration.n[0]" },
    };

    [Theory]
    [MemberData(nameof(CreateBodies))]
    public async Task Create_with_invalid_text_or_a_non_finite_number_is_a_400_naming_the_field_and_stores_nothing(string rule, string body, string field)
    {
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();

        var response = await SendBytesAsync(http, HttpMethod.Post, RawApi.Base, Encoding.Latin1.GetBytes(body));

        Assert.True(response.Status == 400, $"{rule}: HTTP {response.Status} {response.Body}");
        ErrorAssert.Validation(response, field);
        Assert.Equal(before, await http.TotalAsync());
        Assert.DoesNotContain(_server.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Update_with_a_lone_surrogate_is_a_400_and_changes_nothing()
    {
        var http = _server.AdminHttp();
        var name = Names.New("surrogate-update");
        var created = await http.CreateRawAsync(RawApi.CreateBody(name, type: "WIX_SERVICE_PLUGIN"));

        var response = await http.PutJsonAsync(RawApi.Path(name), "{\"externalDatabaseConnection\": {\"name\": \"" + name + "\", \"endpoint\": \"http://127.0.0.1:9/\\udfff\"}}");

        ErrorAssert.Validation(response, "externalDatabaseConnection.endpoint");
        Assert.Equal(created.ToJsonString(), (await http.GetRawAsync(RawApi.Path(name))).Connection.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name": "k\ud800", "permissions": ["ADMIN"]}""", "name")]
    [InlineData("{\"name\": \"k\u00ff\", \"permissions\": [\"ADMIN\"]}", "name")]
    [InlineData("""{"name": "k", "permissions": ["ADMIN\udc00"]}""", "permissions[0]")]
    [InlineData("""{"name": "k", "permissions": ["ADMIN"], "extra": 1e999}""", "extra")]
    public async Task An_api_key_body_with_invalid_text_or_a_non_finite_number_is_a_400_naming_the_field(string body, string field)
    {
        var http = _server.AdminHttp();
        var before = (await http.GetRawAsync("v1/api-keys")).Json["apiKeys"]!.AsArray().Count;

        var response = await SendBytesAsync(http, HttpMethod.Post, "v1/api-keys", Encoding.Latin1.GetBytes(body));

        ErrorAssert.Validation(response, field);
        Assert.Equal(before, (await http.GetRawAsync("v1/api-keys")).Json["apiKeys"]!.AsArray().Count);
        Assert.DoesNotContain(_server.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_that_breaks_off_is_answered_and_logged_without_a_stack_trace()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(_server.BaseAddress.Host, _server.BaseAddress.Port);
        var stream = client.GetStream();
        var head = $"POST /{RawApi.Base} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ServerInstance.AdminKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"externalDatabaseConnection\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.FlushAsync();
        client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        string answer;
        try
        {
            answer = await new StreamReader(stream).ReadToEndAsync();
        }
        catch (IOException)
        {
            answer = ""; // the server may also just drop a request that broke off
        }

        Assert.DoesNotContain(" 500 ", answer.Split('\n')[0], StringComparison.Ordinal);
        await Task.Delay(200); // the server logs after the connection ends
        Assert.DoesNotContain(_server.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
    }
}
