using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Client.Tests;

public sealed class WebhooksClientTests : IAsyncLifetime
{
    private FakeServer _server = null!;
    private ExternalDbClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeServer.StartAsync();
        _client = new ExternalDbClient(_server.BaseAddress, "k");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Create_sends_url_types_and_connection_and_reads_the_secret()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"webhook": {"id": "wh_1", "url": "http://127.0.0.1:9/hook", "eventTypes": ["wix.data.v2.data_item_created"],
             "connectionName": "shop", "secret": "whsec_c2VjcmV0", "createdDate": "2026-12-02T08:00:00.000Z"}}
            """);

        var webhook = await _client.Webhooks.CreateWebhookAsync(
            new Uri("http://127.0.0.1:9/hook"), [WebhookEventTypes.DataItemCreated], "shop");

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/webhooks", request.RawTarget);
        Assert.Equal("http://127.0.0.1:9/hook", request.Json["url"]!.GetValue<string>());
        Assert.Equal(["wix.data.v2.data_item_created"], request.Json["eventTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("shop", request.Json["connectionName"]!.GetValue<string>());
        Assert.Equal("wh_1", webhook.Id);
        Assert.Equal("whsec_c2VjcmV0", webhook.Secret);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero), webhook.CreatedDate);
    }

    [Fact]
    public async Task Create_without_types_or_connection_leaves_them_out()
    {
        _server.Handler = _ => FakeResponse.Ok("""{"webhook": {"id": "wh_2", "url": "http://127.0.0.1:9/", "eventTypes": [], "secret": "whsec_x"}}""");

        await _client.Webhooks.CreateWebhookAsync(new Uri("http://127.0.0.1:9/"));

        var body = Assert.Single(_server.Requests).Json;
        Assert.False(body.ContainsKey("eventTypes"));
        Assert.False(body.ContainsKey("connectionName"));
    }

    [Fact]
    public async Task List_delete_and_ping_use_the_id_escaped()
    {
        _server.Handler = r => (r.Method, r.Path) switch
        {
            ("GET", _) => FakeResponse.Ok("""{"webhooks": [{"id": "wh 1", "url": "http://127.0.0.1:9/", "eventTypes": ["webhook.ping"]}]}"""),
            ("POST", _) => FakeResponse.Ok("""{"eventId": "evt_9"}"""),
            _ => FakeResponse.Ok("{}"),
        };

        var list = await _client.Webhooks.ListWebhooksAsync();
        var eventId = await _client.Webhooks.PingWebhookAsync("wh 1");
        await _client.Webhooks.DeleteWebhookAsync("wh 1");

        Assert.Null(Assert.Single(list).Secret);
        Assert.Equal("evt_9", eventId);
        Assert.Equal(
            ["GET /v1/webhooks", "POST /v1/webhooks/wh%201/ping", "DELETE /v1/webhooks/wh%201"],
            _server.Requests.Select(r => r.Method + " " + r.RawTarget));
    }

    [Fact]
    public async Task Deliveries_send_paging_and_read_states_and_attempts()
    {
        _server.Handler = _ => FakeResponse.Ok("""
            {"deliveries": [
              {"id": "msg_2", "eventId": "ev_2", "eventType": "wix.data.v2.data_item_deleted", "state": "PENDING",
               "attempts": [{"attemptedDate": "2026-12-02T08:00:01.000Z", "statusCode": null, "error": "connection refused", "durationMs": 3}],
               "nextAttemptDate": "2026-12-02T08:00:05.000Z", "createdDate": "2026-12-02T08:00:00.000Z"},
              {"id": "msg_1", "eventId": "ev_1", "eventType": "webhook.ping", "state": "DELIVERED",
               "attempts": [{"attemptedDate": "2026-12-02T07:59:00.000Z", "statusCode": 204, "durationMs": 12}], "createdDate": "2026-12-02T07:59:00.000Z"},
              {"id": "msg_0", "state": "DEAD", "attempts": [], "createdDate": "2026-12-02T07:00:00.000Z"}],
             "pagingMetadata": {"count": 3, "offset": 2, "total": 9, "hasNext": true}}
            """);

        var page = await _client.Webhooks.ListDeliveriesAsync("wh_1", new Paging(3, 2));

        Assert.Equal("/v1/webhooks/wh_1/deliveries?paging.limit=3&paging.offset=2", Assert.Single(_server.Requests).RawTarget);
        Assert.Equal([WebhookDeliveryState.Pending, WebhookDeliveryState.Delivered, WebhookDeliveryState.Dead], page.Deliveries.Select(d => d.State));
        Assert.Null(page.Deliveries[0].Attempts[0].StatusCode);
        Assert.Equal("connection refused", page.Deliveries[0].Attempts[0].Error);
        Assert.Equal(204, page.Deliveries[1].Attempts[0].StatusCode);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 8, 0, 5, TimeSpan.Zero), page.Deliveries[0].NextAttemptDate);
        Assert.True(page.PagingMetadata.HasNext);
    }

    [Fact]
    public async Task A_refused_url_is_an_exception_naming_the_field()
    {
        _server.Handler = _ => new FakeResponse(400, new JsonObject
        {
            ["message"] = "url: the address is not allowed",
            ["details"] = new JsonObject
            {
                ["validationError"] = new JsonObject
                {
                    ["fieldViolations"] = new JsonArray(new JsonObject { ["field"] = "url", ["description"] = "the address is not allowed" }),
                },
            },
        }.ToJsonString());

        var e = await Assert.ThrowsAsync<ExternalDbException>(() => _client.Webhooks.CreateWebhookAsync(new Uri("http://169.254.169.254/")));

        Assert.Equal(400, e.StatusCode);
        Assert.Equal("url", Assert.Single(e.FieldViolations).Field);
    }
}
