using System.Text.Json.Nodes;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ExternalDb.TestSupport;

namespace ExternalDb.Server.Tests;

/// <summary>
/// Webhooks on either registry: every event of a scripted run reaches a real receiver that verifies each signature,
/// deliveries are retried while the receiver is down and dead-lettered after the last attempt, and the API validates,
/// guards and keeps secrets.
/// </summary>
public sealed class WebhookTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string DemoSecret = "demo-secret-for-webhook-tests";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> FastDeliveries = new()
    {
        ["DemoAdaptor:SecretKey"] = DemoSecret,
        ["Webhooks:RetryBaseDelay"] = "00:00:00.100",
        ["Webhooks:MaxRetryDelay"] = "00:00:00.300",
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Webhooks:Timeout"] = "00:00:02",
        ["Webhooks:LeaseDuration"] = "00:00:05",
        ["Webhooks:MaxAttempts"] = "100",
    };

    private async Task<ServerInstance> StartAsync(Registry registry, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(FastDeliveries);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return await ServerInstance.StartAsync(await RegistrySettings.ForAsync(registry, postgres, all));
    }

    private static async Task<JsonObject> SubscribeAsync(HttpClient http, WebhookReceiver receiver, string extra = "")
    {
        var response = await http.PostJsonAsync("v1/webhooks", $$"""{"url": "{{receiver.Url}}"{{extra}}}""");
        Assert.True(response.Status == 200, response.Body);
        var webhook = response.Json["webhook"]!.AsObject();
        receiver.Trust(webhook["secret"]!.GetValue<string>());
        return webhook;
    }

    private static async Task<JsonArray> DeliveriesAsync(HttpClient http, string webhookId)
    {
        var response = await http.GetRawAsync($"v1/webhooks/{webhookId}/deliveries?paging.limit=100");
        Assert.True(response.Status == 200, response.Body);
        return response.Json["deliveries"]!.AsArray();
    }

    private static async Task<JsonArray> WaitForDeliveriesAsync(HttpClient http, string webhookId, Func<JsonArray, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var deliveries = await DeliveriesAsync(http, webhookId);
            if (condition(deliveries))
            {
                return deliveries;
            }
            Assert.True(DateTime.UtcNow < deadline, $"No {what} within {Bound.TotalSeconds} s: {deliveries.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The events the server's registry holds.</summary>
    private static async Task<long> CountEventsAsync(ServerInstance server)
    {
        await using var connection = await server.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        await using var count = connection.Command("SELECT COUNT(*) FROM events");
        return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<JsonNode?> Attempts(JsonNode? delivery) => delivery!["attempts"]!.AsArray();

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_scripted_run_delivers_every_event_signed_and_a_delivery_keeps_its_webhook_id(Registry registry)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var fake = (await FakeAdaptor.StartAsync()).AsLegacy();
        await using var server = await StartAsync(registry);
        await server.SeedDemoAdaptorAsync();
        var http = server.AdminHttp();
        await SubscribeAsync(http, receiver);

        var demo = Names.New("demo");
        var demoEndpoint = new Uri(server.BaseAddress, "demo-adaptor").ToString();
        await http.CreateRawAsync(RawApi.CreateBody(demo, demoEndpoint, new JsonObject { ["secretKey"] = DemoSecret }, "STANDALONE"));
        var updated = await http.PutJsonAsync($"{RawApi.Base}/{demo}", RawApi.CreateBody(demo, demoEndpoint, new JsonObject { ["secretKey"] = DemoSecret }));
        Assert.True(updated.Status == 200, updated.Body);
        var flaky = Names.New("flaky");
        await http.CreateRawAsync(RawApi.CreateBody(flaky, fake.Endpoint, new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));
        fake.On("/provision", Answers.Status(503));
        Assert.Equal(200, (await http.PostJsonAsync($"{RawApi.Base}/{flaky}/probe", "{}")).Status);
        Assert.Equal(200, (await http.DeleteRawAsync($"{RawApi.Base}/{flaky}")).Status);

        var collection = demo + "/products";
        var inserted = await http.PostJsonAsync("wix-data/v2/items",
            $$$"""{"dataCollectionId": "{{{collection}}}", "dataItem": {"id": "w-1", "data": {"_id": "w-1", "title": "Lamp", "price": 3} } }""");
        Assert.True(inserted.Status == 200, inserted.Body);
        var replaced = await http.PostJsonAsync("wix-data/v2/items/update",
            $$$"""{"dataCollectionId": "{{{collection}}}", "dataItem": {"id": "w-1", "data": {"_id": "w-1", "title": "Brighter lamp", "price": 4} } }""");
        Assert.True(replaced.Status == 200, replaced.Body);
        var removed = await http.PostJsonAsync("wix-data/v2/items/remove", $$"""{"dataCollectionId": "{{collection}}", "dataItemId": "w-1"}""");
        Assert.True(removed.Status == 200, removed.Body);
        var bulkInserted = await http.PostJsonAsync("wix-data/v2/bulk/items/insert",
            $$$"""{"dataCollectionId": "{{{collection}}}", "dataItems": [{"id": "b-1", "data": {"_id": "b-1", "title": "One"} }, {"id": "b-2", "data": {"_id": "b-2", "title": "Two"} }]}""");
        Assert.True(bulkInserted.Status == 200, bulkInserted.Body);
        var patched = await http.PostJsonAsync("wix-data/v2/items/patch",
            $$"""{"dataCollectionId": "{{collection}}", "patch": {"dataItemId": "b-1", "fieldModifications": [{"fieldPath": "title", "action": "SET_FIELD", "setFieldOptions": {"value": "Patched"} }]} }""");
        Assert.True(patched.Status == 200, patched.Body);
        var bulkRemoved = await http.PostJsonAsync("wix-data/v2/bulk/items/remove", $$"""{"dataCollectionId": "{{collection}}", "dataItemIds": ["b-1", "b-2"]}""");
        Assert.True(bulkRemoved.Status == 200, bulkRemoved.Body);

        string[] expected =
        [
            "wix.data.v1.external_database_connection_created", "wix.data.v1.external_database_connection_updated",
            "wix.data.v1.external_database_connection_status_changed", "wix.data.v1.external_database_connection_deleted",
            "wix.data.v2.data_item_created", "wix.data.v2.data_item_updated", "wix.data.v2.data_item_deleted",
        ];
        // Connections: 2 created, 1 updated, 1 status changed, 1 deleted; items: 3 created, 2 updated, 3 deleted.
        var received = await receiver.WaitForAsync(r => r.Select(x => x.EventId).Distinct().Count() >= 13 && expected.All(t => r.Any(x => x.Type == t)),
            Bound, "every event of the run");
        Assert.Equal(13, received.Select(r => r.EventId).Distinct().Count());
        Assert.Empty(receiver.Rejected);
        // At least once: a repeat of a delivery carries its webhook-id; one delivery is one event.
        Assert.All(received.GroupBy(r => r.WebhookId), g => Assert.Single(g.Select(r => r.EventId).Distinct()));
        Assert.Equal(2, received.Where(r => r.Type == expected[0]).Select(r => r.EventId).Distinct().Count());

        var created = received.First(r => r.Type == expected[0] && r.Data["metadata"]!["entityId"]!.GetValue<string>() == demo);
        Assert.Equal(demo, created.Data["entity"]!["name"]!.GetValue<string>());
        Assert.Equal("********", created.Data["entity"]!["configuration"]!["secretKey"]!.GetValue<string>());
        Assert.Equal(created.EventId, created.Data["metadata"]!["id"]!.GetValue<string>());
        var statusChanged = received.First(r => r.Type == expected[2]).Data;
        Assert.False(statusChanged["entity"]!["connectionStatus"]!["successful"]!.GetValue<bool>());
        Assert.True(statusChanged["metadata"]!["previousConnectionStatus"]!["successful"]!.GetValue<bool>());
        var deleted = received.First(r => r.Type == expected[3]).Data;
        Assert.Null(deleted["entity"]);
        Assert.Equal(flaky, deleted["metadata"]!["entityId"]!.GetValue<string>());
        var itemUpdated = received.First(r => r.Type == expected[5]).Data;
        Assert.Equal(collection, itemUpdated["dataCollectionId"]!.GetValue<string>());
        Assert.Equal("Brighter lamp", itemUpdated["dataItem"]!["data"]!["title"]!.GetValue<string>());
        Assert.Equal("w-1", received.First(r => r.Type == expected[6]).Data["dataItemId"]!.GetValue<string>());
        string Distinct(string type) => string.Join(",", received.Where(r => r.Type == type).DistinctBy(r => r.EventId)
            .Select(r => r.Data["dataItemId"]?.GetValue<string>() ?? r.Data["dataItem"]!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("b-1,b-2,w-1", Distinct(expected[4]));
        Assert.Equal("b-1,w-1", Distinct(expected[5]));
        Assert.Equal("b-1,b-2,w-1", Distinct(expected[6]));
        Assert.Contains(received, r => r.Type == expected[5] && r.Data["dataItem"]!["data"]!["title"]!.GetValue<string>() == "Patched");
        Assert.DoesNotContain(received, r => r.Body.ToJsonString().Contains(DemoSecret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_webhook_gets_only_the_events_of_its_connection_and_types_and_a_write_no_webhook_takes_records_none(Registry registry)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(registry);
        await server.SeedDemoAdaptorAsync();
        var http = server.AdminHttp();
        var demoEndpoint = new Uri(server.BaseAddress, "demo-adaptor").ToString();
        var (one, two) = (Names.New("one"), Names.New("two"));
        foreach (var name in new[] { one, two })
        {
            await http.CreateRawAsync(RawApi.CreateBody(name, demoEndpoint, new JsonObject { ["secretKey"] = DemoSecret }, "STANDALONE"));
        }
        var createdOfOne = (await SubscribeAsync(http, receiver, $$""", "connectionName": "{{one}}", "eventTypes": ["wix.data.v2.data_item_created"]"""))["id"]!.GetValue<string>();
        var allOfTwo = (await SubscribeAsync(http, receiver, $$""", "connectionName": "{{two}}" """))["id"]!.GetValue<string>();

        async Task WriteAsync(string path, string body)
        {
            var answer = await http.PostJsonAsync(path, body);
            Assert.True(answer.Status == 200, answer.Body);
        }
        await WriteAsync("wix-data/v2/items", $$$"""{"dataCollectionId": "{{{one}}}/products", "dataItem": {"id": "f-1", "data": {"_id": "f-1", "title": "One"} } }""");
        await WriteAsync("wix-data/v2/items/remove", $$"""{"dataCollectionId": "{{one}}/products", "dataItemId": "f-1"}""");
        await WriteAsync("wix-data/v2/items", $$$"""{"dataCollectionId": "{{{two}}}/products", "dataItem": {"id": "f-2", "data": {"_id": "f-2", "title": "Two"} } }""");
        await WriteAsync("wix-data/v2/items/remove", $$"""{"dataCollectionId": "{{two}}/products", "dataItemId": "f-2"}""");

        // Item events are recorded before the write is answered, so the deliveries are all there now.
        var ofOne = await DeliveriesAsync(http, createdOfOne);
        var ofTwo = await DeliveriesAsync(http, allOfTwo);
        Assert.Equal(["wix.data.v2.data_item_created"], ofOne.Select(d => d!["eventType"]!.GetValue<string>()));
        Assert.Equal(["wix.data.v2.data_item_created", "wix.data.v2.data_item_deleted"],
            ofTwo.Select(d => d!["eventType"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var received = await receiver.WaitForAsync(r => r.Select(x => x.EventId).Distinct().Count() >= 3, Bound, "the three matching events");
        Assert.Equal("f-1", received.Single(r => r.WebhookId == ofOne[0]!["id"]!.GetValue<string>()).Data["dataItem"]!["id"]!.GetValue<string>());
        Assert.All(received.Where(r => r.WebhookId != ofOne[0]!["id"]!.GetValue<string>()),
            r => Assert.Equal(two + "/products", r.Data["dataCollectionId"]!.GetValue<string>()));

        // With both webhooks gone, writes record nothing: no event is kept that no delivery would ever read.
        Assert.Equal(200, (await http.DeleteRawAsync($"v1/webhooks/{createdOfOne}")).Status);
        Assert.Equal(200, (await http.DeleteRawAsync($"v1/webhooks/{allOfTwo}")).Status);
        var eventsBefore = await CountEventsAsync(server);
        await WriteAsync("wix-data/v2/items", $$$"""{"dataCollectionId": "{{{two}}}/products", "dataItem": {"id": "f-3", "data": {"_id": "f-3", "title": "Three"} } }""");
        Assert.Equal(eventsBefore, await CountEventsAsync(server));
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task While_the_receiver_refuses_then_fails_deliveries_are_retried_and_all_arrive_when_it_is_back(Registry registry)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(registry);
        var http = server.AdminHttp();
        var webhook = await SubscribeAsync(http, receiver);
        var id = webhook["id"]!.GetValue<string>();

        await receiver.StopAsync();
        var names = Enumerable.Range(0, 3).Select(_ => Names.New("down")).ToList();
        foreach (var name in names)
        {
            await http.CreateRawAsync(RawApi.CreateBody(name, Ports.ClosedEndpoint(), new JsonObject { ["secretKey"] = "s" }, "STANDALONE"));
        }
        await WaitForDeliveriesAsync(http, id, d => d.Count == 3 && d.All(x => Attempts(x).Count() >= 2),
            "retries while the receiver refuses connections");

        receiver.AnswerWith(500);
        await receiver.StartAgainAsync();
        await WaitForDeliveriesAsync(http, id, d => d.All(x => Attempts(x).Any(a => a!["statusCode"]?.GetValue<int>() == 500)),
            "attempts answered 500");

        receiver.AnswerWith(204);
        var received = await receiver.WaitForAsync(r => names.All(n => r.Any(x => x.Data["metadata"]!["entityId"]!.GetValue<string>() == n)),
            Bound, "the three created events");
        Assert.Empty(receiver.Rejected);
        var deliveries = await WaitForDeliveriesAsync(http, id, d => d.All(x => x!["state"]!.GetValue<string>() == "DELIVERED"), "all delivered");
        foreach (var delivery in deliveries)
        {
            var attempts = Attempts(delivery).ToList();
            Assert.Equal("unreachable", attempts[0]!["error"]!.GetValue<string>());
            Assert.Contains(attempts, a => a!["statusCode"]?.GetValue<int>() == 500);
            Assert.Equal(204, attempts[^1]!["statusCode"]!.GetValue<int>());
            Assert.Null(delivery!["nextAttemptDate"]);
            Assert.Contains(received, r => r.WebhookId == delivery["id"]!.GetValue<string>() && r.EventId == delivery["eventId"]!.GetValue<string>());
            Assert.StartsWith("msg_", delivery["id"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task A_delivery_is_dead_after_max_attempts_and_a_ping_reaches_its_webhook_only(Registry registry)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(registry, ("Webhooks:MaxAttempts", "3"));
        var http = server.AdminHttp();
        var failing = (await SubscribeAsync(http, receiver, """, "eventTypes": ["wix.data.v2.data_item_created"]"""))["id"]!.GetValue<string>();
        var other = (await SubscribeAsync(http, receiver, """, "eventTypes": ["wix.data.v2.data_item_created"]"""))["id"]!.GetValue<string>();

        receiver.AnswerWith(500);
        var ping = await http.PostJsonAsync($"v1/webhooks/{failing}/ping", "{}");
        Assert.True(ping.Status == 200, ping.Body);
        var dead = await WaitForDeliveriesAsync(http, failing, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "DEAD", "a dead delivery");
        Assert.Equal(3, Attempts(dead[0]).Count());
        Assert.All(Attempts(dead[0]), a => Assert.Equal(500, a!["statusCode"]!.GetValue<int>()));
        Assert.Equal(3, receiver.RequestsOf(dead[0]!["id"]!.GetValue<string>()));
        Assert.Equal("webhook.ping", dead[0]!["eventType"]!.GetValue<string>());
        Assert.Equal(ping.Json["eventId"]!.GetValue<string>(), dead[0]!["eventId"]!.GetValue<string>());

        receiver.AnswerWith(200);
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{other}/ping", "{}")).Status);
        var received = await receiver.WaitForAsync(r => r.Any(x => x.Type == "webhook.ping"), Bound, "the ping");
        Assert.Equal(other, Assert.Single(received).Data["webhookId"]!.GetValue<string>());
        Assert.Single(await DeliveriesAsync(http, failing));
        Assert.Empty(receiver.Rejected);
    }

    [Theory]
    [InlineData(Registry.Sqlite)]
    [InlineData(Registry.Postgres)]
    public async Task Done_deliveries_are_forgotten_after_the_retention_and_pending_ones_are_kept(Registry registry)
    {
        await using var answering = await WebhookReceiver.StartAsync();
        await using var failing = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(registry, ("Webhooks:Retention", "00:00:02"));
        var http = server.AdminHttp();
        var kept = (await SubscribeAsync(http, failing))["id"]!.GetValue<string>();
        var forgotten = (await SubscribeAsync(http, answering))["id"]!.GetValue<string>();
        failing.AnswerWith(500);

        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{kept}/ping", "{}")).Status);
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{forgotten}/ping", "{}")).Status);
        await WaitForDeliveriesAsync(http, forgotten, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "DELIVERED", "a delivery");

        // Two seconds on, the delivered one goes (with its attempts and event); the one still retried, older still, stays.
        await WaitForDeliveriesAsync(http, forgotten, d => d.Count == 0, "pruning");
        var pending = Assert.Single(await DeliveriesAsync(http, kept));
        Assert.Equal("PENDING", pending!["state"]!.GetValue<string>());
        Assert.True(Attempts(pending).Count() >= 2);
    }

    [Fact]
    public async Task Deleting_a_webhook_stops_its_pending_deliveries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(Registry.Sqlite);
        var http = server.AdminHttp();
        var doomed = (await SubscribeAsync(http, receiver))["id"]!.GetValue<string>();
        var witness = (await SubscribeAsync(http, receiver))["id"]!.GetValue<string>();

        receiver.AnswerWith(500);
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{doomed}/ping", "{}")).Status);
        var pending = await WaitForDeliveriesAsync(http, doomed, d => d.Count == 1 && Attempts(d[0]).Count() >= 2, "retries");
        var deliveryId = pending[0]!["id"]!.GetValue<string>();

        Assert.Equal(200, (await http.DeleteRawAsync($"v1/webhooks/{doomed}")).Status);
        var afterDelete = receiver.RequestsOf(deliveryId);
        Assert.Equal(404, (await http.GetRawAsync($"v1/webhooks/{doomed}/deliveries")).Status);
        Assert.Equal(404, (await http.DeleteRawAsync($"v1/webhooks/{doomed}")).Status);
        var list = (await http.GetRawAsync("v1/webhooks")).Json["webhooks"]!.AsArray();
        Assert.Equal(witness, Assert.Single(list)!["id"]!.GetValue<string>());

        // The witness's own retries show the worker kept running well past the doomed delivery's retry delays.
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{witness}/ping", "{}")).Status);
        await WaitForDeliveriesAsync(http, witness, d => d.Count == 1 && Attempts(d[0]).Count() >= 5, "the witness's retries");
        // At most the attempt that was in flight at the deletion.
        Assert.True(receiver.RequestsOf(deliveryId) <= afterDelete + 1, $"{receiver.RequestsOf(deliveryId)} attempts after {afterDelete}");
    }

    [Fact]
    public async Task Bad_subscriptions_are_refused_naming_the_field_and_change_nothing()
    {
        await using var server = await StartAsync(Registry.Sqlite);
        var http = server.AdminHttp();
        async Task RefusedAsync(string body, string field)
        {
            var response = await http.PostJsonAsync("v1/webhooks", body);
            Assert.True(response.Status == 400, $"{body}: {response.Status} {response.Body}");
            Assert.Contains($"\"{field}\"", response.Body, StringComparison.Ordinal);
        }

        await RefusedAsync("""{"url": "http://169.254.169.254/latest/meta-data"}""", "url");
        await RefusedAsync("""{"url": "http://[::ffff:169.254.169.254]/hook"}""", "url");
        await RefusedAsync("""{"url": "ftp://127.0.0.1/hook"}""", "url");
        await RefusedAsync("""{"url": "/relative"}""", "url");
        await RefusedAsync("""{}""", "url");
        await RefusedAsync("""{"url": "http://127.0.0.1:9/hook", "eventTypes": ["wix.data.v2.data_item_created", "wix.data.v9.nope"]}""", "eventTypes[1]");
        await RefusedAsync("""{"url": "http://127.0.0.1:9/hook", "eventTypes": []}""", "eventTypes");
        await RefusedAsync("""{"url": "http://127.0.0.1:9/hook", "connectionName": "no-such-connection"}""", "connectionName");
        await RefusedAsync("""[1]""", "body");
        Assert.Empty((await http.GetRawAsync("v1/webhooks")).Json["webhooks"]!.AsArray());
    }

    [Fact]
    public async Task Only_admin_keys_manage_webhooks_and_the_secret_is_shown_once_and_never_logged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(Registry.Sqlite);
        var http = server.AdminHttp();
        var key = await http.PostJsonAsync("v1/api-keys", """{"name": "reader", "permissions": ["WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS", "DATA_READ"]}""");
        Assert.Equal(200, key.Status);
        var reader = server.Http(key.Json["key"]!.GetValue<string>());
        foreach (var (method, path) in new[] { ("GET", "v1/webhooks"), ("POST", "v1/webhooks"), ("DELETE", "v1/webhooks/wh_x"), ("POST", "v1/webhooks/wh_x/ping"), ("GET", "v1/webhooks/wh_x/deliveries") })
        {
            var response = await reader.SendRawAsync(new HttpMethod(method), path, method == "POST" ? $$"""{"url": "{{receiver.Url}}"}""" : null);
            Assert.True(response.Status == 403, $"{method} {path}: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
        }
        Assert.Empty((await http.GetRawAsync("v1/webhooks")).Json["webhooks"]!.AsArray());

        var webhook = await SubscribeAsync(http, receiver);
        var secret = webhook["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24);
        Assert.Equal(receiver.Url, webhook["url"]!.GetValue<string>());
        Assert.StartsWith("wh_", webhook["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(webhook["createdDate"]);

        var id = webhook["id"]!.GetValue<string>();
        Assert.Equal(200, (await http.PostJsonAsync($"v1/webhooks/{id}/ping", "{}")).Status);
        await receiver.WaitForAsync(r => r.Count == 1, Bound, "the ping");
        var list = await http.GetRawAsync("v1/webhooks");
        var deliveries = await http.GetRawAsync($"v1/webhooks/{id}/deliveries");
        Assert.DoesNotContain("secret", list.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret, deliveries.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], server.Logs.AllText, StringComparison.Ordinal);
        Assert.Empty(receiver.Rejected);
    }

    [Fact]
    public async Task The_sdk_manages_webhooks_of_a_real_server_and_sees_a_ping_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(Registry.Sqlite);
        var client = server.Client().Webhooks;
        var all = await client.CreateWebhookAsync(new Uri(receiver.Url));
        Assert.Equal(Client.WebhookEventTypes.ConnectionCreated, all.EventTypes[0]);
        Assert.Equal(7, all.EventTypes.Count);
        receiver.Trust(all.Secret!);
        var some = await client.CreateWebhookAsync(new Uri(receiver.Url), [Client.WebhookEventTypes.DataItemDeleted]);
        Assert.Equal([Client.WebhookEventTypes.DataItemDeleted], some.EventTypes);

        var listed = await client.ListWebhooksAsync();
        Assert.Equal([all.Id, some.Id], listed.Select(w => w.Id));
        Assert.All(listed, w => Assert.Null(w.Secret));

        var pingId = await client.PingWebhookAsync(all.Id);
        await receiver.WaitForAsync(r => r.Count == 1, Bound, "the ping");
        var deadline = DateTime.UtcNow + Bound;
        Client.WebhookDelivery delivery;
        while ((delivery = Assert.Single((await client.ListDeliveriesAsync(all.Id)).Deliveries)).State != Client.WebhookDeliveryState.Delivered)
        {
            Assert.True(DateTime.UtcNow < deadline, "The ping is not recorded as delivered");
            await Task.Delay(50);
        }
        Assert.Equal("webhook.ping", delivery.EventType);
        Assert.Equal(pingId, delivery.EventId);
        Assert.Equal(200, Assert.Single(delivery.Attempts).StatusCode);
        Assert.Equal(receiver.Accepted[0].WebhookId, delivery.Id);

        await client.DeleteWebhookAsync(some.Id);
        Assert.Equal([all.Id], (await client.ListWebhooksAsync()).Select(w => w.Id));
    }
}
