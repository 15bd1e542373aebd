using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Client;
using Spectre.Console;

namespace ExternalDb.Cli;

/// <summary><c>extdb export --collection C</c>: every item, page after page, as a JSON array, JSON lines or CSV.</summary>
internal static class ExportCommand
{
    public static Command Build(CommandTree tree)
    {
        var collection = ItemCommands.CollectionOption();
        var outputFile = new Option<FileInfo?>("--output-file", "-f") { Description = "Write here instead of to standard output." };
        var format = new Option<string?>("--format")
        {
            Description = "json (one JSON array), jsonl (one object per line) or csv (default: by --output-file's extension; else json with -o json, else jsonl).",
        };
        format.AcceptOnlyFromAmong("json", "jsonl", "csv");
        var delimiter = new Option<string?>("--delimiter") { Description = "CSV: the cell separator, one character or 'tab' (default ',')." };
        var filter = ItemCommands.FilterOption();
        var pageSize = new Option<int?>("--page-size") { Description = "Items per request (default: the collection's maximum page size, at most 1000)." };
        var command = new Command("export", "Export the items of a collection as a JSON array, JSON lines or CSV.") { collection, outputFile, format, delimiter, filter, pageSize };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var collectionId = parse.GetValue(collection)!;
            var file = parse.GetValue(outputFile);
            if (session.OutputGiven && session.Output == OutputMode.Table)
            {
                throw new UsageException("export writes data, not a table: choose it with --format json, jsonl or csv (-o json is the same as --format json).");
            }
            var kind = parse.GetValue(format) ?? FormatOf(file) ?? (session.Json ? "json" : "jsonl");
            var separator = CsvDelimiter.Parse(parse.GetValue(delimiter));
            var where = Args.JsonObjectOrNull(parse.GetValue(filter), "--filter");
            var size = parse.GetValue(pageSize);
            if (size is < 1 or > 1000)
            {
                throw new UsageException("--page-size must be between 1 and 1000.");
            }

            var definition = await session.Client.Collections.GetDataCollectionAsync(collectionId, ct).ConfigureAwait(false);
            var query = session.Client.Items.Query(collectionId).Limit(size ?? Math.Clamp(definition.MaxPageSize ?? 50, 1, 1000));
            if (where is not null)
            {
                query.Where(where);
            }
            // Cursor paging unless the collection says it only pages by offset.
            var pagingModes = definition.PagingModes ?? [];
            if (pagingModes.Count == 0 || pagingModes.Contains("CURSOR"))
            {
                query.UsingCursor();
            }
            var total = await query.CountAsync(ct).ConfigureAwait(false);

            long exported;
            if (file is null)
            {
                exported = await ExportAsync(session, query, definition, kind, separator, session.Console.Out, total, ct).ConfigureAwait(false);
            }
            else
            {
                await using var stream = new FileStream(file.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                exported = await ExportAsync(session, query, definition, kind, separator, writer, total, ct).ConfigureAwait(false);
            }

            var destination = file?.FullName ?? "standard output";
            if (session.Json && file is not null)
            {
                await session.Console.WriteJsonAsync(new { collection = collectionId, file = file.FullName, format = kind, exported }).ConfigureAwait(false);
            }
            else
            {
                await session.Console.Err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Exported {exported} items of {collectionId} to {destination} ({kind}).")).ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string? FormatOf(FileInfo? file) => file is null ? null : Path.GetExtension(file.Name).ToUpperInvariant() switch
    {
        ".CSV" or ".TSV" => "csv",
        ".JSON" => "json",
        ".JSONL" or ".NDJSON" => "jsonl",
        _ => null,
    };

    private static async Task<long> ExportAsync(Session session, DataItemsQuery query, DataCollection definition, string kind, char delimiter, TextWriter writer, int total, CancellationToken ct)
    {
        long count = 0;
        async Task WriteAllAsync(Action<long> progress)
        {
            switch (kind)
            {
                case "csv":
                    count = await WriteCsvAsync(query, definition, delimiter, writer, progress, ct).ConfigureAwait(false);
                    break;
                case "json":
                    // One item per line inside the array: valid JSON that still reads (and diffs) line by line.
                    await writer.WriteAsync('[').ConfigureAwait(false);
                    await foreach (var item in query.EnumerateAllAsync(ct).ConfigureAwait(false))
                    {
                        await writer.WriteAsync(count == 0 ? "\n" : ",\n").ConfigureAwait(false);
                        await writer.WriteAsync(item.Data.ToJsonString(CliConsole.CompactJson)).ConfigureAwait(false);
                        progress(++count);
                    }
                    await writer.WriteLineAsync(count == 0 ? "]" : "\n]").ConfigureAwait(false);
                    break;
                default:
                    await foreach (var item in query.EnumerateAllAsync(ct).ConfigureAwait(false))
                    {
                        await writer.WriteLineAsync(item.Data.ToJsonString(CliConsole.CompactJson)).ConfigureAwait(false);
                        progress(++count);
                    }
                    break;
            }
            await writer.FlushAsync(ct).ConfigureAwait(false);
        }

        // A live bar when standard error is a terminal and the items do not go to it; else no progress lines.
        if (session.Console.ErrIsTerminal && !ReferenceEquals(writer, session.Console.Err))
        {
            await session.Console.Stderr.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Exporting", maxValue: Math.Max(1, total));
                    await WriteAllAsync(n => task.Value = Math.Min(task.MaxValue, n)).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                }).ConfigureAwait(false);
        }
        else
        {
            await WriteAllAsync(_ => { }).ConfigureAwait(false);
        }
        return count;
    }

    /// <summary>
    /// CSV with a header: the collection's field keys (<c>_id</c> first); when the collection declares no fields,
    /// the keys of the first page.
    /// </summary>
    private static async Task<long> WriteCsvAsync(DataItemsQuery query, DataCollection definition, char delimiter, TextWriter writer, Action<long> progress, CancellationToken ct)
    {
        var columns = new List<string> { "_id" };
        columns.AddRange((definition.Fields ?? []).Select(f => f.Key).OfType<string>().Where(k => k != "_id"));
        var fromFirstPage = columns.Count == 1;
        long count = 0;
        var page = await query.FindAsync(ct).ConfigureAwait(false);
        if (fromFirstPage)
        {
            foreach (var key in page.Items.SelectMany(i => i.Data.Select(p => p.Key)))
            {
                if (!columns.Contains(key))
                {
                    columns.Add(key);
                }
            }
        }
        var separator = delimiter.ToString();
        await writer.WriteLineAsync(string.Join(separator, columns.Select(c => CsvValues.Quote(c, delimiter)))).ConfigureAwait(false);
        while (true)
        {
            foreach (var item in page.Items)
            {
                var data = item.Data;
                await writer.WriteLineAsync(string.Join(separator, columns.Select(c =>
                    CsvValues.Format(c == "_id" && data[c] is null ? JsonValue.Create(item.Id) : data[c], delimiter)))).ConfigureAwait(false);
                progress(++count);
            }
            if (!page.HasNext || page.Items.Count == 0)
            {
                return count;
            }
            page = await page.NextAsync(ct).ConfigureAwait(false);
        }
    }
}
