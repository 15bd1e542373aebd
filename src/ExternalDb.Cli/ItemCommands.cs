using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary><c>extdb items query|get|insert|update|patch|remove|count</c>.</summary>
internal static class ItemCommands
{
    private static readonly HashSet<string> HiddenSystemFields = new(StringComparer.Ordinal) { "_owner", "_createdDate", "_updatedDate" };

    public static Command Build(CommandTree tree)
    {
        var items = new Command("items", "Read and write the items of a collection.");
        items.Subcommands.Add(Query(tree));
        items.Subcommands.Add(Get(tree));
        items.Subcommands.Add(Insert(tree));
        items.Subcommands.Add(Update(tree));
        items.Subcommands.Add(Patch(tree));
        items.Subcommands.Add(Remove(tree));
        items.Subcommands.Add(Count(tree));
        return items;
    }

    internal static Option<string> CollectionOption() =>
        new("--collection", "-c") { Description = "The collection, e.g. myDb/products.", Required = true };

    internal static Option<string?> FilterOption() =>
        new("--filter") { Description = "A filter in the Wix query language, e.g. '{\"price\": {\"$gt\": 10}}'." };

    private static Command Query(CommandTree tree)
    {
        var collection = CollectionOption();
        var filter = FilterOption();
        var sort = new Option<string[]>("--sort") { Description = "field:asc or field:desc; repeat for more keys." };
        var limit = new Option<int?>("--limit") { Description = "At most this many items (server default 50)." };
        var skip = new Option<int?>("--skip") { Description = "Skip this many items." };
        var fields = new Option<string?>("--fields") { Description = "Only these fields, comma-separated." };
        var total = new Option<bool>("--total") { Description = "Also ask for the total number of matches." };
        var command = new Command("query", "Query items.") { collection, filter, sort, limit, skip, fields, total };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var query = session.Client.Items.Query(parse.GetValue(collection)!);
            if (Args.JsonObjectOrNull(parse.GetValue(filter), "--filter") is { } where)
            {
                query.Where(where);
            }
            foreach (var key in parse.GetValue(sort) ?? [])
            {
                var (field, descending) = ParseSort(key);
                _ = descending ? query.Descending(field) : query.Ascending(field);
            }
            if (parse.GetValue(limit) is { } n)
            {
                query.Limit(n > 0 ? n : throw new UsageException("--limit must be positive."));
            }
            if (parse.GetValue(skip) is { } s)
            {
                query.Skip(s >= 0 ? s : throw new UsageException("--skip must not be negative."));
            }
            if (parse.GetValue(fields) is { Length: > 0 } projection)
            {
                query.Fields(projection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            if (parse.GetValue(total))
            {
                query.WithTotalCount();
            }
            var page = await query.FindAsync(ct).ConfigureAwait(false);
            if (session.Json)
            {
                await session.Console.WriteJsonAsync(page.Items).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            session.Console.Render(ItemsTable(page.Items));
            var summary = $"{page.Items.Count} item(s)";
            if (page.TotalCount is { } count)
            {
                summary += $" of {count}";
            }
            if (page.HasNext)
            {
                summary += $"; more follow (use --skip {page.Skip + page.Items.Count})";
            }
            session.Console.Line(summary + ".");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get(CommandTree tree)
    {
        var collection = CollectionOption();
        var id = new Argument<string>("id") { Description = "The item's ID." };
        var command = new Command("get", "Show an item.") { collection, id };
        tree.SetAction(command, async (session, parse, ct) =>
            await ShowAsync(session, await session.Client.Items.GetDataItemAsync(parse.GetValue(collection)!, parse.GetValue(id)!, null, ct).ConfigureAwait(false)).ConfigureAwait(false));
        return command;
    }

    private static Command Insert(CommandTree tree)
    {
        var collection = CollectionOption();
        var data = new Option<string>("--data") { Description = "The item's fields, a JSON object.", Required = true };
        var id = new Option<string?>("--id") { Description = "The item's ID (else the server makes one)." };
        var command = new Command("insert", "Insert an item.") { collection, data, id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var item = new DataItem { Id = parse.GetValue(id), Data = Args.JsonObject(parse.GetValue(data), "--data") };
            return await ShowAsync(session, await session.Client.Items.InsertDataItemAsync(parse.GetValue(collection)!, item, ct).ConfigureAwait(false)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Update(CommandTree tree)
    {
        var collection = CollectionOption();
        var id = new Argument<string>("id") { Description = "The item's ID." };
        var data = new Option<string>("--data") { Description = "The item's new fields, a JSON object (a full replacement).", Required = true };
        var command = new Command("update", "Replace an item (fields not given are lost).") { collection, id, data };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var item = new DataItem { Id = parse.GetValue(id), Data = Args.JsonObject(parse.GetValue(data), "--data") };
            return await ShowAsync(session, await session.Client.Items.UpdateDataItemAsync(parse.GetValue(collection)!, item, ct).ConfigureAwait(false)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Patch(CommandTree tree)
    {
        var collection = CollectionOption();
        var id = new Argument<string>("id") { Description = "The item's ID." };
        var set = new Option<string[]>("--set") { Description = "field=value: set a field (the value is JSON when it parses as JSON, else text); repeat for more." };
        var increment = new Option<string[]>("--increment") { Description = "field=number: add to a number (negative subtracts)." };
        var remove = new Option<string[]>("--remove") { Description = "field: remove a field." };
        var append = new Option<string[]>("--append") { Description = "field=value: add an element to an array field." };
        var removeFrom = new Option<string[]>("--remove-from") { Description = "field=value: remove every equal element from an array field." };
        var command = new Command("patch", "Change fields of an item in place (--set, --increment, --remove, --append, --remove-from; fields may be dotted paths into OBJECT fields).")
        {
            collection, id, set, increment, remove, append, removeFrom,
        };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var modifications = new FieldModifications();
            foreach (var text in parse.GetValue(set) ?? [])
            {
                var (field, value) = ParseAssignment(text, "--set");
                modifications.SetField(field, value);
            }
            foreach (var text in parse.GetValue(increment) ?? [])
            {
                var (field, value) = ParseAssignment(text, "--increment");
                modifications.IncrementField(field, value is System.Text.Json.Nodes.JsonValue n && n.TryGetValue<double>(out var by)
                    ? by : throw new UsageException($"--increment '{text}' must read field=number."));
            }
            foreach (var field in parse.GetValue(remove) ?? [])
            {
                modifications.RemoveField(field.Length > 0 ? field : throw new UsageException("--remove needs a field name."));
            }
            foreach (var text in parse.GetValue(append) ?? [])
            {
                var (field, value) = ParseAssignment(text, "--append");
                modifications.AppendToArray(field, value);
            }
            foreach (var text in parse.GetValue(removeFrom) ?? [])
            {
                var (field, value) = ParseAssignment(text, "--remove-from");
                modifications.RemoveFromArray(field, value);
            }
            if (modifications.Count == 0)
            {
                throw new UsageException("Give at least one of --set, --increment, --remove, --append, --remove-from.");
            }
            var patched = await session.Client.Items.PatchDataItemAsync(parse.GetValue(collection)!, parse.GetValue(id)!, modifications, ct).ConfigureAwait(false);
            return await ShowAsync(session, patched).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary><c>field=value</c>: the value as JSON when it parses as JSON (<c>5</c>, <c>true</c>, <c>"5"</c>, <c>[1,2]</c>), else as text.</summary>
    private static (string Field, System.Text.Json.Nodes.JsonNode? Value) ParseAssignment(string text, string option)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new UsageException($"{option} '{text}' must read field=value.");
        }
        var raw = text[(equals + 1)..];
        System.Text.Json.Nodes.JsonNode? value;
        try
        {
            value = System.Text.Json.Nodes.JsonNode.Parse(raw);
        }
        catch (System.Text.Json.JsonException)
        {
            value = System.Text.Json.Nodes.JsonValue.Create(raw);
        }
        return (text[..equals], value);
    }

    private static Command Remove(CommandTree tree)
    {
        var collection = CollectionOption();
        var id = new Argument<string>("id") { Description = "The item's ID." };
        var command = new Command("remove", "Remove an item.") { collection, id };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var removed = await session.Client.Items.RemoveDataItemAsync(parse.GetValue(collection)!, parse.GetValue(id)!, ct).ConfigureAwait(false);
            return await session.ReportAsync(removed, $"Removed item {removed.Id ?? parse.GetValue(id)}.").ConfigureAwait(false);
        });
        return command;
    }

    private static Command Count(CommandTree tree)
    {
        var collection = CollectionOption();
        var filter = FilterOption();
        var command = new Command("count", "Count items, all or those matching --filter.") { collection, filter };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var count = await session.Client.Items.CountDataItemsAsync(
                parse.GetValue(collection)!, Args.JsonObjectOrNull(parse.GetValue(filter), "--filter"), ct).ConfigureAwait(false);
            return await session.ReportAsync(new { totalCount = count }, count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        });
        return command;
    }

    private static (string Field, bool Descending) ParseSort(string text)
    {
        var colon = text.LastIndexOf(':');
        var field = colon < 0 ? text : text[..colon];
        var direction = colon < 0 ? "ASC" : text[(colon + 1)..].ToUpperInvariant();
        if (field.Length == 0)
        {
            throw new UsageException($"--sort '{text}' must read field:asc or field:desc.");
        }
        return direction switch
        {
            "ASC" => (field, false),
            "DESC" => (field, true),
            _ => throw new UsageException($"--sort '{text}' must read field:asc or field:desc."),
        };
    }

    private static async Task<int> ShowAsync(Session session, DataItem item)
    {
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(item).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        session.Console.Render(CliConsole.Properties(item.Data.Select(p => (p.Key, (string?)CliConsole.Cell(p.Value)))));
        return ExitCodes.Ok;
    }

    /// <summary>One row per item; the columns are <c>_id</c> then every other field in order of first appearance.</summary>
    private static Spectre.Console.Table ItemsTable(IReadOnlyList<DataItem> items)
    {
        var columns = new List<string> { "_id" };
        foreach (var key in items.SelectMany(i => i.Data.Select(p => p.Key)))
        {
            if (!columns.Contains(key) && !HiddenSystemFields.Contains(key))
            {
                columns.Add(key);
            }
        }
        var table = CliConsole.Table([.. columns]);
        foreach (var item in items)
        {
            CliConsole.AddRow(table, [.. columns.Select(c => c == "_id" ? item.Id ?? CliConsole.Cell(item.Data["_id"]) : CliConsole.Cell(item.Data[c]))]);
        }
        return table;
    }
}
