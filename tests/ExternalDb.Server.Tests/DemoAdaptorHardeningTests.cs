using System.Text;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>
/// The demo adaptor is the reference adaptor library mapped into the server: a legacy body whose secret cannot be
/// read is refused with 401 before the body is interpreted, and logged without a stack trace.
/// </summary>
public sealed class DemoAdaptorHardeningTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private readonly ServerInstance _server = fixture.Server;

    [Theory]
    [InlineData("""{"requestContext": 5}""")]
    [InlineData("""{"requestContext": {"settings": "x"}}""")]
    [InlineData("""{"requestContext": {"settings": {"secretKey": "guess"}}, "requestContext": {}}""")]
    [InlineData("""{"requestContext": {"settings": {"secretKey": "guess", "secretKey": "guess"}}}""")]
    [InlineData("""{"requestContext": {"settings": {"secretKey": "\ud800"}}}""")]
    [InlineData("""{"requestContext": {"settings": {"secretKey": 5}}}""")]
    public async Task A_legacy_body_without_a_readable_secret_is_401_and_logs_no_error(string body)
    {
        var http = _server.Http();
        var before = _server.Logs.Lines.Count;
        foreach (var path in new[] { "demo-adaptor/provision", "demo-adaptor/schemas/list", "demo-adaptor/data/find" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(path, content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 401, $"{path}: HTTP {(int)response.StatusCode} {text}");
            Assert.Contains("\"message\"", text, StringComparison.Ordinal);
        }
        var logged = _server.Logs.Lines.Skip(before).ToList();
        Assert.DoesNotContain(logged, line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)
            || line.Contains("Exception", StringComparison.Ordinal));
    }
}
