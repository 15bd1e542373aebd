using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

public sealed class WebhookCommandTests : CliTestBase
{
    [Fact]
    public async Task Create_sends_every_event_type_given_and_shows_the_secret_once_with_a_warning()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"webhook": {"id": "wh_1", "url": "http://127.0.0.1:9/hook", "eventTypes": ["wix.data.v2.data_item_created", "wix.data.v2.data_item_deleted"],
             "connectionName": "shop", "secret": "whsec_c2VjcmV0c2VjcmV0", "createdDate": "2026-12-02T08:00:00.000Z"}}
            """);

        var outcome = await RunAsync(["webhooks", "create", "--url", "http://127.0.0.1:9/hook",
            "--event-type", "wix.data.v2.data_item_created", "--event-type", "wix.data.v2.data_item_deleted", "--connection", "shop"]);

        Assert.Equal(0, outcome.Exit);
        var body = Assert.Single(Server.Requests).Json;
        Assert.Equal(["wix.data.v2.data_item_created", "wix.data.v2.data_item_deleted"], body["eventTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("shop", body["connectionName"]!.GetValue<string>());
        Assert.Contains("whsec_c2VjcmV0c2VjcmV0", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("not shown again", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_refuses_a_url_that_is_not_http_before_calling_the_server()
    {
        var outcome = await RunAsync(["webhooks", "create", "--url", "ftp://127.0.0.1/hook"]);

        Assert.NotEqual(0, outcome.Exit);
        Assert.Contains("--url", outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Deliveries_show_state_attempts_and_the_last_answer()
    {
        Server.Handler = _ => FakeResponse.Ok("""
            {"deliveries": [
              {"id": "msg_2", "eventId": "ev_2", "eventType": "wix.data.v2.data_item_deleted", "state": "PENDING",
               "attempts": [{"attemptedDate": "2026-12-02T08:00:01.000Z", "error": "connection refused", "durationMs": 3},
                            {"attemptedDate": "2026-12-02T08:00:03.000Z", "statusCode": 503, "durationMs": 4}],
               "nextAttemptDate": "2026-12-02T08:00:09.000Z", "createdDate": "2026-12-02T08:00:00.000Z"}],
             "pagingMetadata": {"count": 1, "offset": 0, "total": 4, "hasNext": true}}
            """);

        var table = await RunAsync(["webhooks", "deliveries", "wh_1", "--limit", "1"]);
        var json = await RunAsync(["webhooks", "deliveries", "wh_1", "-o", "json"]);

        Assert.Equal(0, table.Exit);
        Assert.Equal("/v1/webhooks/wh_1/deliveries?paging.limit=1", Server.Requests.First().RawTarget);
        var row = Assert.Single(table.Stdout.Split('\n'), l => l.Contains("msg_2", StringComparison.Ordinal));
        Assert.Contains("PENDING", row, StringComparison.Ordinal);
        Assert.Contains("503", row, StringComparison.Ordinal);
        Assert.Contains("use --offset 1", table.Stdout, StringComparison.Ordinal);
        Assert.Equal("PENDING", JsonNode.Parse(json.Stdout)!.AsArray()[0]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_ping_and_delete_call_their_routes()
    {
        Server.Handler = r => r.Method switch
        {
            "GET" => FakeResponse.Ok("""{"webhooks": [{"id": "wh_1", "url": "http://127.0.0.1:9/hook", "eventTypes": ["webhook.ping"], "createdDate": "2026-12-02T08:00:00.000Z"}]}"""),
            "POST" => FakeResponse.Ok("""{"eventId": "evt_9"}"""),
            _ => FakeResponse.Ok("{}"),
        };

        var list = await RunAsync(["webhooks", "list"]);
        var ping = await RunAsync(["webhooks", "ping", "wh_1"]);
        var delete = await RunAsync(["webhooks", "delete", "wh_1"]);

        Assert.Equal([0, 0, 0], [list.Exit, ping.Exit, delete.Exit]);
        Assert.Contains("http://127.0.0.1:9/hook", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("(all)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("event evt_9", ping.Stdout, StringComparison.Ordinal);
        Assert.Equal(["GET /v1/webhooks", "POST /v1/webhooks/wh_1/ping", "DELETE /v1/webhooks/wh_1"], Server.Requests.Select(r => r.Method + " " + r.RawTarget));
    }
}
