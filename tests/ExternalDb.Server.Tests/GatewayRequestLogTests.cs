using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>Every data call leaves one Information line with its method, path, status and time — never its query string.</summary>
public sealed class GatewayRequestLogTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private readonly ServerInstance _server = fixture.Server;

    [Fact]
    public async Task A_data_call_is_logged_with_its_status_but_not_its_query_string()
    {
        var marker = $"m{Guid.NewGuid():N}";
        var response = await _server.AdminHttp().GetRawAsync($"wix-data/v2/items/{marker}?.r=secret-looking-{marker}");

        Assert.Equal(400, response.Status);
        var line = Assert.Single(_server.Logs.Lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.StartsWith("Information ExternalDb.Server.Gateway.GatewayRequestLog: ", line, StringComparison.Ordinal);
        Assert.Contains($"Data call GET /wix-data/v2/items/{marker} answered 400 in ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-looking", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_through_the_site_host_prefix_is_logged_as_the_path_it_is_served_as()
    {
        var marker = $"m{Guid.NewGuid():N}";
        var response = await _server.AdminHttp().SendRawAsync(HttpMethod.Post, $"_api/cloud-data/v2/items/query?x={marker}", "{}");

        Assert.Equal(400, response.Status);
        Assert.Contains(_server.Logs.Lines, l => l.Contains("Data call POST /wix-data/v2/items/query answered 400 in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Calls_outside_the_data_api_are_not_logged_by_it()
    {
        var marker = $"m{Guid.NewGuid():N}";
        Assert.Equal(404, (await _server.AdminHttp().GetRawAsync(RawApi.Path(marker))).Status);

        Assert.DoesNotContain(_server.Logs.Lines, l => l.Contains("GatewayRequestLog", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal));
    }
}
