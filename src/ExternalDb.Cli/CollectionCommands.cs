using System.CommandLine;
using System.Globalization;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary><c>extdb collections list|get|create|delete</c> and <c>extdb collections fields add|update|remove</c>.</summary>
internal static class CollectionCommands
{
    public static Command Build(CommandTree tree)
    {
        var collections = new Command("collections", "Manage the collections of the data gateway (connectionName/collectionId).");
        collections.Subcommands.Add(List(tree));
        collections.Subcommands.Add(Get(tree));
        collections.Subcommands.Add(Create(tree));
        collections.Subcommands.Add(Delete(tree));
        collections.Subcommands.Add(Fields(tree));
        return collections;
    }

    private static Command Fields(CommandTree tree)
    {
        var fields = new Command("fields", "Add, change or remove one field of a collection.");
        fields.Subcommands.Add(FieldChange(tree, "add", "Add a field to a collection.",
            (client, id, field, ct) => client.Collections.CreateDataCollectionFieldAsync(id, field, ct)));
        fields.Subcommands.Add(FieldChange(tree, "update", "Replace a field (a new type is the adaptor's to allow).",
            (client, id, field, ct) => client.Collections.UpdateDataCollectionFieldAsync(id, field, ct)));

        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var key = new Argument<string>("key") { Description = "The field to remove (its values go with it)." };
        var remove = new Command("remove", "Remove a field and its values from a collection.") { id, key };
        tree.SetAction(remove, async (session, parse, ct) =>
        {
            var changed = await session.Client.Collections.DeleteDataCollectionFieldAsync(parse.GetValue(id)!, parse.GetValue(key)!, ct).ConfigureAwait(false);
            return await ShowAsync(session, changed).ConfigureAwait(false);
        });
        fields.Subcommands.Add(remove);
        return fields;
    }

    private static Command FieldChange(CommandTree tree, string name, string description,
        Func<ExternalDbClient, string, DataCollectionField, CancellationToken, Task<DataCollection>> change)
    {
        var id = new Argument<string>("id") { Description = "The collection, e.g. myDb/products." };
        var field = new Argument<string>("field") { Description = "The field as key:TYPE (TEXT, NUMBER, BOOLEAN, DATE, DATETIME, REFERENCE, ...)." };
        var displayName = new Option<string?>("--display-name") { Description = "The name shown to people." };
        var references = new Option<string?>("--references") { Description = "For a REFERENCE or MULTI_REFERENCE field: the collection it references (connectionName/collectionId)." };
        var command = new Command(name, description) { id, field, displayName, references };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var parsed = ParseField(parse.GetValue(field)!) with { DisplayName = parse.GetValue(displayName) };
            if (parse.GetValue(references) is { } referenced)
            {
                var member = parsed.Type switch
                {
                    "REFERENCE" => "reference",
                    "MULTI_REFERENCE" => "multiReference",
                    _ => throw new UsageException($"--references is for REFERENCE and MULTI_REFERENCE fields, not {parsed.Type}."),
                };
                parsed = parsed with { TypeMetadata = new System.Text.Json.Nodes.JsonObject { [member] = new System.Text.Json.Nodes.JsonObject { ["referencedCollectionId"] = referenced } } };
            }
            var changed = await change(session.Client, parse.GetValue(id)!, parsed, ct).ConfigureAwait(false);
            return await ShowAsync(session, changed).ConfigureAwait(false);
        });
        return command;
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
            return await session.ReportAsync(new { deleted = collectionId }, $"Deleted collection {collectionId}.").ConfigureAwait(false);
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
