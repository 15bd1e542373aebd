using System.CommandLine;
using System.Globalization;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary><c>extdb collections list|get|create|delete</c>.</summary>
internal static class CollectionCommands
{
    public static Command Build(CommandTree tree)
    {
        var collections = new Command("collections", "Manage the collections of the data gateway (connectionName/collectionId).");
        collections.Subcommands.Add(List(tree));
        collections.Subcommands.Add(Get(tree));
        collections.Subcommands.Add(Create(tree));
        collections.Subcommands.Add(Delete(tree));
        return collections;
    }

    private static Command List(CommandTree tree)
    {
        var limit = new Option<int?>("--limit") { Description = "At most this many." };
        var offset = new Option<int?>("--offset") { Description = "Skip this many." };
        var command = new Command("list", "List collections by ID.") { limit, offset };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var page = await session.Client.Collections.ListDataCollectionsAsync(new Paging(parse.GetValue(limit), parse.GetValue(offset)), ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(page.Collections).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = CliConsole.Table("ID", "Type", "Fields", "Max page", "Paging", "Operations");
            foreach (var c in page.Collections)
            {
                CliConsole.AddRow(table, c.Id, c.CollectionType, (c.Fields?.Count ?? 0).ToString(CultureInfo.InvariantCulture),
                    c.MaxPageSize?.ToString(CultureInfo.InvariantCulture), string.Join(", ", c.PagingModes ?? []),
                    string.Join(", ", c.Capabilities?.DataOperations ?? []));
            }
            session.Console.Render(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var command = new Command("get", "Show a collection and its fields.") { id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var c = await session.Client.Collections.GetDataCollectionAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            return await ShowAsync(session, c).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Create(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The new collection, e.g. myDb/products." };
        var fields = new Option<string[]>("--field")
        {
            Description = "A field as key:TYPE (TEXT, NUMBER, BOOLEAN, DATE, DATETIME, ...); repeat for each field.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var displayName = new Option<string?>("--display-name") { Description = "The name shown to people." };
        var command = new Command("create", "Create a collection (permissions: ADMIN for every action).") { id, fields, displayName };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var collection = new DataCollection
            {
                Id = parse.GetValue(id),
                DisplayName = parse.GetValue(displayName),
                Fields = [.. (parse.GetValue(fields) ?? []).Select(ParseField)],
                Permissions = DataCollectionPermissions.AdminOnly,
            };
            var created = await session.Client.Collections.CreateDataCollectionAsync(collection, ct).ConfigureAwait(false);
            return await ShowAsync(session, created).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Delete(CommandTree tree)
    {
        var id = new Argument<string>("id") { Description = "The collection to delete." };
        var command = new Command("delete", "Delete a collection.") { id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var collectionId = parse.GetValue(id)!;
            await session.Client.Collections.DeleteDataCollectionAsync(collectionId, ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(new { deleted = collectionId }).ConfigureAwait(false);
            }
            else
            {
                session.Console.Line($"Deleted collection {collectionId}.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static DataCollectionField ParseField(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new UsageException($"--field '{text}' must read key:TYPE, e.g. title:TEXT.");
        }
        return new DataCollectionField { Key = text[..colon], Type = text[(colon + 1)..].ToUpperInvariant() };
    }

    private static async Task<int> ShowAsync(Session session, DataCollection c)
    {
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(c).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        session.Console.Render(CliConsole.Properties(new (string, string?)[]
        {
            ("ID", c.Id),
            ("Type", c.CollectionType),
            ("Display name", c.DisplayName),
            ("Max page size", c.MaxPageSize?.ToString(CultureInfo.InvariantCulture)),
            ("Paging", string.Join(", ", c.PagingModes ?? [])),
            ("Operations", string.Join(", ", c.Capabilities?.DataOperations ?? [])),
            ("Permissions", c.Permissions is { } p ? $"insert {p.Insert}, update {p.Update}, remove {p.Remove}, read {p.Read}" : null),
            ("Revision", c.Revision),
        }.Where(r => !string.IsNullOrEmpty(r.Item2))));
        var table = CliConsole.Table("Key", "Type", "Display name", "System", "Sortable", "Operators");
        foreach (var f in c.Fields ?? [])
        {
            CliConsole.AddRow(table, f.Key, f.Type, f.DisplayName, f.SystemField == true ? "yes" : "",
                f.Capabilities?.Sortable == true ? "yes" : "", string.Join(", ", f.Capabilities?.QueryOperators ?? []));
        }
        session.Console.Render(table);
        return ExitCodes.Ok;
    }
}
