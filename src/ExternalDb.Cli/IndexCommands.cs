using System.CommandLine;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary><c>extdb indexes list|create|drop</c>.</summary>
internal static class IndexCommands
{
    public static Command Build(CommandTree tree)
    {
        var indexes = new Command("indexes", "Manage the indexes of a collection (connectionName/collectionId).");
        indexes.Subcommands.Add(List(tree));
        indexes.Subcommands.Add(Create(tree));
        indexes.Subcommands.Add(Drop(tree));
        return indexes;
    }

    private static Command List(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var command = new Command("list", "List a collection's indexes with their status.") { id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var page = await session.Client.Collections.ListIndexesAsync(parse.GetValue(id)!, new Paging(1000, 0), ct).ConfigureAwait(false);
            return await ShowAsync(session, page.Indexes, page.Indexes).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Create(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var name = new Argument<string>("name") { Description = "The index's name, unique in the collection." };
        var fields = new Option<string[]>("--field")
        {
            Description = "A field (or a dotted path into an object field) as path or path:ASC|DESC; repeat for each, in order.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var unique = new Option<bool>("--unique") { Description = "Two items may not hold the same values." };
        var caseInsensitive = new Option<bool>("--case-insensitive") { Description = "Index text without case." };
        var command = new Command("create", "Create an index (ACTIVE, BUILDING while the database builds it, or FAILED with the reason).")
        {
            id, name, fields, unique, caseInsensitive,
        };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var index = new DataIndex
            {
                Name = parse.GetValue(name),
                Fields = [.. (parse.GetValue(fields) ?? []).Select(ParseField)],
                Unique = parse.GetValue(unique),
                CaseInsensitive = parse.GetValue(caseInsensitive),
            };
            var created = await session.Client.Collections.CreateIndexAsync(parse.GetValue(id)!, index, ct).ConfigureAwait(false);
            return await ShowAsync(session, created, [created]).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Drop(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var name = new Argument<string>("name") { Description = "The index to drop." };
        var command = new Command("drop", "Drop an index.") { id, name };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var collectionId = parse.GetValue(id)!;
            var indexName = parse.GetValue(name)!;
            await session.Client.Collections.DropIndexAsync(collectionId, indexName, ct).ConfigureAwait(false);
            return await session.ReportAsync(new { dropped = indexName, collection = collectionId }, $"Dropped index {indexName} of {collectionId}.").ConfigureAwait(false);
        });
        return command;
    }

    private static DataIndexField ParseField(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return new DataIndexField(text);
        }
        var order = text[(colon + 1)..].ToUpperInvariant();
        if (colon == 0 || order is not ("ASC" or "DESC"))
        {
            throw new UsageException($"--field '{text}' must read path or path:ASC|DESC, e.g. price:DESC.");
        }
        return new DataIndexField(text[..colon], order);
    }

    /// <summary>The indexes as a table, or <paramref name="json"/> as JSON with <c>-o json</c>.</summary>
    private static async Task<int> ShowAsync(Session session, object json, IEnumerable<DataIndex> indexes)
    {
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(json).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        var table = CliConsole.Table("Name", "Fields", "Unique", "Case", "Status", "Failure");
        foreach (var index in indexes)
        {
            CliConsole.AddRow(table, index.Name, string.Join(", ", index.Fields.Select(f => f.Path + " " + (f.Order ?? "ASC"))),
                index.Unique == true ? "yes" : "", index.CaseInsensitive == true ? "ignored" : "", index.Status,
                index.Failure is { } failure ? $"{failure.Code}: {failure.Description}" : "");
        }
        session.Console.Render(table);
        return ExitCodes.Ok;
    }
}
