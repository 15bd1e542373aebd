using System.CommandLine;
using System.Globalization;
using ExternalDb.Client;
using Spectre.Console;

namespace ExternalDb.Cli;

/// <summary><c>extdb connections create|get|list|update|delete|probe|history</c>.</summary>
internal static class ConnectionCommands
{
    public static Command Build(CommandTree tree)
    {
        var connections = new Command("connections", "Manage external database connections.");
        connections.Subcommands.Add(Create(tree));
        connections.Subcommands.Add(Get(tree));
        connections.Subcommands.Add(List(tree));
        connections.Subcommands.Add(Update(tree));
        connections.Subcommands.Add(Delete(tree));
        connections.Subcommands.Add(Probe(tree));
        connections.Subcommands.Add(History(tree));
        return connections;
    }

    private static Command Create(CommandTree tree)
    {
        var name = new Option<string>("--name") { Description = "The connection's name (no '/').", Required = true };
        var endpoint = new Option<string?>("--endpoint") { Description = "The adaptor's base URL." };
        var configuration = new Option<string?>("--configuration") { Description = "Settings for the adaptor, a JSON object, e.g. '{\"secretKey\": \"...\"}'." };
        var type = new Option<string>("--type") { Description = "STANDALONE (protocol V1/V2) or WIX_SERVICE_PLUGIN (V3).", DefaultValueFactory = _ => "STANDALONE" };
        type.AcceptOnlyFromAmong("STANDALONE", "WIX_SERVICE_PLUGIN");
        var requireHealthy = RequireHealthyOption();
        var command = new Command("create", "Create a connection; the server checks its adaptor at once.") { name, endpoint, configuration, type, requireHealthy };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var connection = new ExternalDatabaseConnection
            {
                Name = parse.GetValue(name),
                Endpoint = parse.GetValue(endpoint),
                Configuration = Args.JsonObjectOrNull(parse.GetValue(configuration), "--configuration"),
            };
            var connectionType = parse.GetValue(type) == "WIX_SERVICE_PLUGIN" ? ConnectionType.WixServicePlugin : ConnectionType.Standalone;
            var created = await session.Client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
                connection, new CreateExternalDatabaseConnectionOptions { ConnectionType = connectionType }, ct).ConfigureAwait(false);
            return await ShowAsync(session, created, parse.GetValue(requireHealthy)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Get(CommandTree tree)
    {
        var name = new Argument<string>("name") { Description = "The connection's name." };
        var command = new Command("get", "Show a connection.") { name };
        tree.SetAction(command, async (session, parse, ct) =>
            await ShowAsync(session, await session.Client.ExternalDatabaseConnections.GetExternalDatabaseConnectionAsync(parse.GetValue(name)!, ct).ConfigureAwait(false)).ConfigureAwait(false));
        return command;
    }

    private static Command List(CommandTree tree)
    {
        var limit = new Option<int?>("--limit") { Description = "At most this many (server default 50, at most 1000)." };
        var offset = new Option<int?>("--offset") { Description = "Skip this many." };
        var command = new Command("list", "List connections, oldest first.") { limit, offset };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var page = await session.Client.ExternalDatabaseConnections.ListExternalDatabaseConnectionsAsync(
                new Paging(parse.GetValue(limit), parse.GetValue(offset)), ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(page.ExternalDatabaseConnections).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = CliConsole.Table("Name", "Type", "Protocol", "Status", "Collections", "Endpoint", "Checked");
            foreach (var c in page.ExternalDatabaseConnections)
            {
                CliConsole.AddRow(table, c.Name, Type(c.ConnectionType), Protocol(c.ProtocolVersion), Status(c.ConnectionStatus),
                    c.ConnectionStatus?.HasCollections.ToString().ToUpperInvariant(), c.Endpoint, CliConsole.Date(c.ConnectionStatus?.CheckedDate));
            }
            session.Console.Render(table);
            var shown = page.ExternalDatabaseConnections.Count;
            if (page.PagingMetadata.HasNext)
            {
                session.Console.Line($"{shown} shown; more follow (use --offset {page.PagingMetadata.Offset + shown}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Update(CommandTree tree)
    {
        var name = new Argument<string>("name") { Description = "The connection to update." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The adaptor's base URL." };
        var configuration = new Option<string?>("--configuration") { Description = "Settings for the adaptor, a JSON object." };
        var requireHealthy = RequireHealthyOption();
        var command = new Command("update", "Replace a connection's endpoint and configuration (a full replacement) and check the adaptor again.") { name, endpoint, configuration, requireHealthy };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var connection = new ExternalDatabaseConnection
            {
                Endpoint = parse.GetValue(endpoint),
                Configuration = Args.JsonObjectOrNull(parse.GetValue(configuration), "--configuration"),
            };
            var updated = await session.Client.ExternalDatabaseConnections.UpdateExternalDatabaseConnectionAsync(parse.GetValue(name)!, connection, ct).ConfigureAwait(false);
            return await ShowAsync(session, updated, parse.GetValue(requireHealthy)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Delete(CommandTree tree)
    {
        var name = new Argument<string>("name") { Description = "The connection to delete." };
        var command = new Command("delete", "Delete a connection.") { name };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var connectionName = parse.GetValue(name)!;
            await session.Client.ExternalDatabaseConnections.DeleteExternalDatabaseConnectionAsync(connectionName, ct).ConfigureAwait(false);
            return await session.ReportAsync(new { deleted = connectionName }, $"Deleted connection {connectionName}.").ConfigureAwait(false);
        });
        return command;
    }

    private static Command Probe(CommandTree tree)
    {
        var name = new Argument<string>("name") { Description = "The connection to check." };
        var requireHealthy = RequireHealthyOption();
        var command = new Command("probe", "Check a connection's adaptor again now.") { name, requireHealthy };
        tree.SetAction(command, async (session, parse, ct) =>
            await ShowAsync(session, await session.Client.ExternalDatabaseConnections.ProbeExternalDatabaseConnectionAsync(parse.GetValue(name)!, ct).ConfigureAwait(false),
                parse.GetValue(requireHealthy)).ConfigureAwait(false));
        return command;
    }

    private static Command History(CommandTree tree)
    {
        var name = new Argument<string>("name") { Description = "The connection." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (server default 50, at most 1000)." };
        var offset = new Option<int?>("--offset") { Description = "Skip this many." };
        var command = new Command("history", "Show the checks of a connection's adaptor, newest first.") { name, limit, offset };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var page = await session.Client.ExternalDatabaseConnections.GetStatusHistoryAsync(
                parse.GetValue(name)!, new Paging(parse.GetValue(limit), parse.GetValue(offset)), ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(page.Checks).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = CliConsole.Table("Checked", "Status", "Protocol", "Latency", "Message");
            foreach (var check in page.Checks)
            {
                CliConsole.AddRow(table, CliConsole.Date(check.CheckedDate), Status(new ConnectionStatus { Successful = check.Successful, CauseOfFailure = check.CauseOfFailure }),
                    Protocol(check.ProtocolVersion), check.LatencyMs.ToString(CultureInfo.InvariantCulture) + " ms", check.Message);
            }
            session.Console.Render(table);
            var shown = page.Checks.Count;
            if (page.PagingMetadata.HasNext)
            {
                session.Console.Line($"{shown} of {page.PagingMetadata.Total} shown; older ones follow (use --offset {page.PagingMetadata.Offset + shown}).");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>For scripts: a connection saved but failing its check is exit code 1 instead of 0.</summary>
    private static Option<bool> RequireHealthyOption() => new("--require-healthy")
    {
        Description = "Exit with code 1 when the adaptor check fails (the connection is saved all the same).",
    };

    /// <summary>One connection: JSON, or a property sheet. The configuration's values are never shown in a table (they are usually secrets).</summary>
    private static async Task<int> ShowAsync(Session session, ExternalDatabaseConnection c, bool requireHealthy = false)
    {
        var exitCode = ExitCodes.Ok;
        if (requireHealthy && c.ConnectionStatus is not { Successful: true })
        {
            exitCode = ExitCodes.Failed;
            await session.Console.Err.WriteLineAsync(
                $"error: connection {c.Name} failed its check ({Status(c.ConnectionStatus)}): {c.ConnectionStatus?.Message}").ConfigureAwait(false);
        }
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(c).ConfigureAwait(false);
            return exitCode;
        }
        var status = c.ConnectionStatus;
        var rows = new List<(string, string?)>
        {
            ("Name", c.Name),
            ("Type", Type(c.ConnectionType)),
            ("Endpoint", c.Endpoint),
            ("Configuration", Configuration(c)),
            ("Protocol", Protocol(c.ProtocolVersion)),
            ("Status", Status(status)),
            ("Message", status?.Message),
            ("Collections", status?.HasCollections.ToString().ToUpperInvariant()),
            ("Checked", CliConsole.Date(status?.CheckedDate)),
            ("Latency", status?.LatencyMs is { } ms ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : null),
            ("Modifications", c.Capabilities is null ? null : c.Capabilities.CollectionModificationsSupported ? "supported" : "not supported"),
            ("Field types", c.Capabilities is null ? null : string.Join(", ", c.Capabilities.FieldTypes)),
            ("Created", CliConsole.Date(c.CreatedDate)),
            ("Updated", CliConsole.Date(c.UpdatedDate)),
        };
        if (c.ApplicationId is not null)
        {
            rows.Add(("Application ID", c.ApplicationId));
            rows.Add(("Public key", c.PublicKey));
        }
        session.Console.Render(CliConsole.Properties(rows.Where(r => !string.IsNullOrEmpty(r.Item2))));
        return exitCode;
    }

    /// <summary>The configuration's keys; its values stay out of tables, and masked ones are said to be hidden.</summary>
    private static string? Configuration(ExternalDatabaseConnection c) => c.Configuration is null ? null
        : "keys: " + string.Join(", ", c.Configuration.Select(p => p.Key))
            + (c.IsConfigurationMasked ? " (values hidden: this API key may not read secrets)" : "");

    private static string Type(ConnectionType type) => type == ConnectionType.WixServicePlugin ? "WIX_SERVICE_PLUGIN" : "STANDALONE";

    private static string Protocol(ProtocolVersion version) => version == ProtocolVersion.Unknown ? "UNKNOWN" : version.ToString();

    private static string Status(ConnectionStatus? status) => status switch
    {
        null => "",
        { Successful: true } => "OK",
        _ => status.CauseOfFailure switch
        {
            CauseOfFailure.CommunicationFailure => "COMMUNICATION_FAILURE",
            CauseOfFailure.DestinationHostUnreachable => "DESTINATION_HOST_UNREACHABLE",
            CauseOfFailure.Unauthorized => "UNAUTHORIZED",
            CauseOfFailure.DestinationEndpointNotDefined => "DESTINATION_ENDPOINT_NOT_DEFINED",
            _ => "FAILED",
        },
    };
}
