using System.Text.Json.Nodes;
using ExternalDb.Server.Tests.Infrastructure;
using ExternalDb.TestSupport;
using Npgsql;

namespace ExternalDb.Server.Tests;

/// <summary>Webhooks delivered by three servers: a server SIGKILLed while it holds deliveries loses none of them.</summary>
public sealed partial class SeveralServersTests
{
    private static readonly Dictionary<string, string> FastWebhooks = new()
    {
        ["Webhooks__Timeout"] = "00:00:01",
        ["Webhooks__LeaseDuration"] = "00:00:03",
        ["Webhooks__PollInterval"] = "00:00:00.200",
        ["Webhooks__RetryBaseDelay"] = "00:00:00.100",
        ["Webhooks__MaxRetryDelay"] = "00:00:00.300",
        ["Webhooks__MaxAttempts"] = "100",
    };

    private static async Task<List<string>> LeasedByAsync(string registry, ServerProcess server)
    {
        await using var connection = new NpgsqlConnection(registry);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM deliveries WHERE state = 'PENDING' AND lease_holder LIKE @holder", connection);
        command.Parameters.AddWithValue("holder", $"%:{server.ProcessId}:%");
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    [Fact]
    public async Task Every_event_arrives_when_a_server_holding_deliveries_is_SIGKILLed_and_each_is_attempted_by_one_server_at_a_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var group = await fixture.StartServersAsync("00:00:00", FastWebhooks);
        var http = group.Http;
        var created = await http[0].PostJsonAsync("v1/webhooks", $$"""{"url": "{{receiver.Url}}"}""");
        Assert.True(created.Status == 200, created.Body);
        receiver.Trust(created.Json["webhook"]!["secret"]!.GetValue<string>());
        var webhookId = created.Json["webhook"]!["id"]!.GetValue<string>();

        // Every attempt hangs past Webhooks:Timeout, so deliveries stay leased while they are attempted.
        receiver.HoldAnswers(TimeSpan.FromSeconds(30));
        var names = Enumerable.Range(0, 12).Select(i => Names.New($"killed-{i}")).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            await http[i % 3].CreateRawAsync(ConnectionBody(names[i], Ports.ClosedEndpoint(), "s"));
        }

        var victim = group.Servers[0];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<string> leased;
        while ((leased = await LeasedByAsync(group.Registry, victim)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The first server never held a delivery's lease");
            await Task.Delay(20);
        }
        await victim.KillAsync();

        receiver.HoldAnswers(TimeSpan.Zero);
        receiver.AnswerWith(200);
        var received = await receiver.WaitForAsync(
            r => names.All(n => r.Any(x => x.Type == "wix.data.v1.external_database_connection_created" && x.Data["metadata"]!["entityId"]!.GetValue<string>() == n)),
            TimeSpan.FromSeconds(60), "every created event after the SIGKILL");

        Assert.Empty(receiver.Rejected);
        Assert.Equal(0, receiver.Overlaps);
        // What the killed server held was delivered by another, under the same webhook-id.
        Assert.All(leased, id => Assert.Contains(received, r => r.WebhookId == id));
        Assert.All(received.GroupBy(r => r.WebhookId), g => Assert.Single(g.Select(r => r.EventId).Distinct()));
        var deliveries = await http[1].GetRawAsync($"v1/webhooks/{webhookId}/deliveries?paging.limit=100");
        Assert.True(deliveries.Status == 200, deliveries.Body);
        var created12 = deliveries.Json["deliveries"]!.AsArray()
            .Where(d => d!["eventType"]!.GetValue<string>() == "wix.data.v1.external_database_connection_created").ToList();
        Assert.Equal(names.Count, created12.Count);
        var settle = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var states = (await http[2].GetRawAsync($"v1/webhooks/{webhookId}/deliveries?paging.limit=100")).Json["deliveries"]!.AsArray()
                .Select(d => d!["state"]!.GetValue<string>()).ToList();
            if (states.All(s => s == "DELIVERED"))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < settle, "Not every delivery is recorded as DELIVERED: " + string.Join(", ", states));
            await Task.Delay(100);
        }
    }
}
