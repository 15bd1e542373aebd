using System.CommandLine;
using System.Globalization;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary><c>extdb webhooks list|create|delete|ping|deliveries</c> (ADMIN keys).</summary>
internal static class WebhookCommands
{
    public static Command Build(CommandTree tree)
    {
        var webhooks = new Command("webhooks", "Manage webhook subscriptions: where the server POSTs its events, signed per Standard Webhooks.");
        webhooks.Subcommands.Add(List(tree));
        webhooks.Subcommands.Add(Create(tree));
        webhooks.Subcommands.Add(Delete(tree));
        webhooks.Subcommands.Add(Ping(tree));
        webhooks.Subcommands.Add(Deliveries(tree));
        return webhooks;
    }

    private static Command List(CommandTree tree)
    {
        var command = new Command("list", "List the webhook subscriptions (never their secrets).");
        tree.SetAction(command, async (session, _, ct) =>
        {
            var webhooks = await session.Client.Webhooks.ListWebhooksAsync(ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(webhooks).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = CliConsole.Table("Id", "URL", "Events", "Connection", "Created");
            foreach (var w in webhooks)
            {
                CliConsole.AddRow(table, w.Id, w.Url, string.Join(", ", w.EventTypes), w.ConnectionName ?? "(all)", CliConsole.Date(w.CreatedDate));
            }
            session.Console.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Create(CommandTree tree)
    {
        var url = new Option<string>("--url") { Description = "Where to POST the events (http or https).", Required = true };
        var eventTypes = new Option<string[]>("--event-type")
        {
            Description = "An event type to deliver (repeat the option for several; all types when absent), e.g. wix.data.v2.data_item_created.",
            AllowMultipleArgumentsPerToken = true,
        };
        var connection = new Option<string?>("--connection") { Description = "Only the events of this connection (all connections when absent)." };
        var command = new Command("create", "Subscribe a URL to events; the answer shows the signing secret, only this once.") { url, eventTypes, connection };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var text = parse.GetValue(url)!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--url: '{text}' is not an absolute http or https URL.");
            }
            var types = parse.GetValue(eventTypes) is { Length: > 0 } given ? given : null;
            var created = await session.Client.Webhooks.CreateWebhookAsync(uri, types, parse.GetValue(connection), ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(created).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            session.Console.Render(CliConsole.Properties(
            [
                ("Id", created.Id),
                ("URL", created.Url),
                ("Events", string.Join(", ", created.EventTypes)),
                ("Connection", created.ConnectionName ?? "(all)"),
                ("Created", CliConsole.Date(created.CreatedDate)),
                ("Secret", created.Secret),
            ]));
            session.Console.Line("Keep the secret now: it verifies the webhook-signature header of every delivery and is not shown again.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The subscription's id." };
        var command = new Command("delete", "Delete a subscription; its pending deliveries stop.") { id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var webhookId = parse.GetValue(id)!;
            await session.Client.Webhooks.DeleteWebhookAsync(webhookId, ct).ConfigureAwait(false);
            return await session.ReportAsync(new { deleted = webhookId }, $"Deleted webhook {webhookId}.").ConfigureAwait(false);
        });
        return command;
    }

    private static Command Ping(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The subscription's id." };
        var command = new Command("ping", "Send a webhook.ping event to this subscription only (see it arrive with 'deliveries').") { id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var webhookId = parse.GetValue(id)!;
            var eventId = await session.Client.Webhooks.PingWebhookAsync(webhookId, ct).ConfigureAwait(false);
            return await session.ReportAsync(new { pinged = webhookId, eventId }, $"Queued a ping for webhook {webhookId} (event {eventId}).").ConfigureAwait(false);
        });
        return command;
    }

    private static Command Deliveries(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The subscription's id." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (server default 50)." };
        var offset = new Option<int?>("--offset") { Description = "Skip this many." };
        var command = new Command("deliveries", "Show a subscription's deliveries with their attempts, newest first.") { id, limit, offset };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var page = await session.Client.Webhooks.ListDeliveriesAsync(
                parse.GetValue(id)!, new Paging(parse.GetValue(limit), parse.GetValue(offset)), ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(page.Deliveries).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = CliConsole.Table("Id", "Event", "State", "Attempts", "Last answer", "Next attempt", "Created");
            foreach (var d in page.Deliveries)
            {
                var last = d.Attempts.Count == 0 ? null : d.Attempts[^1];
                var answer = last switch
                {
                    null => null,
                    { StatusCode: { } code } => code.ToString(CultureInfo.InvariantCulture),
                    _ => last.Error,
                };
                CliConsole.AddRow(table, d.Id, d.EventType, d.State.ToString().ToUpperInvariant(), d.Attempts.Count.ToString(CultureInfo.InvariantCulture),
                    answer, d.State == WebhookDeliveryState.Pending ? CliConsole.Date(d.NextAttemptDate) : null, CliConsole.Date(d.CreatedDate));
            }
            session.Console.Render(table);
            var shown = page.Deliveries.Count;
            if (page.PagingMetadata.HasNext)
            {
                session.Console.Line($"{shown} shown; older ones follow (use --offset {page.PagingMetadata.Offset + shown}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
