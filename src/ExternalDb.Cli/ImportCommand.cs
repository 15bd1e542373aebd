using System.CommandLine;
using System.Globalization;
using ExternalDb.Client;

namespace ExternalDb.Cli;

/// <summary>
/// <c>extdb import FILE --collection C</c>: streams a CSV, JSON-lines or JSON-array file into a collection with bulk
/// calls of up to 1000 items, a few in flight at once. CSV cells take the types of the collection's fields.
/// </summary>
internal static class ImportCommand
{
    public const int MaxBatchSize = 1000;
    private const int FailuresShown = 10;

    public static Command Build(CommandTree tree)
    {
        var file = new Argument<FileInfo>("file") { Description = "A CSV file with a header row, a JSON-lines file (one object per line) or a JSON array of objects." };
        var collection = ItemCommands.CollectionOption();
        var format = new Option<string?>("--format") { Description = "csv, jsonl or json (default: by the file's extension; a .json file holding an array is read as one)." };
        format.AcceptOnlyFromAmong("csv", "jsonl", "json");
        var mode = new Option<string>("--mode") { Description = "insert (an existing ID fails its line) or save (insert, or replace the item with that ID).", DefaultValueFactory = _ => "insert" };
        mode.AcceptOnlyFromAmong("insert", "save");
        var onError = new Option<string>("--on-error") { Description = "skip (report a bad line and go on) or stop (stop at the first bad line).", DefaultValueFactory = _ => "skip" };
        onError.AcceptOnlyFromAmong("skip", "stop");
        var delimiter = new Option<string?>("--delimiter") { Description = "CSV: the cell separator, one character or 'tab' (default ',')." };
        var allowShortRows = new Option<bool>("--allow-short-rows") { Description = "CSV: a row with fewer cells than the header leaves the missing ones empty (by default it is an error)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Items per bulk call (at most 1000).", DefaultValueFactory = _ => MaxBatchSize };
        var parallel = new Option<int>("--parallel") { Description = "Bulk calls in flight at once (1 to 8).", DefaultValueFactory = _ => 3 };
        var noInference = new Option<bool>("--no-type-inference") { Description = "CSV: cells of columns the collection does not type stay strings (by default true/false become booleans and plain numbers numbers)." };
        var command = new Command("import", "Import a CSV, JSON-lines or JSON-array file into a collection.")
        {
            file, collection, format, mode, onError, delimiter, allowShortRows, batchSize, parallel, noInference,
        };
        tree.SetAction(command, async (session, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"The file '{path.FullName}' does not exist.");
            }
            var size = parse.GetValue(batchSize);
            if (size is < 1 or > MaxBatchSize)
            {
                throw new UsageException($"--batch-size must be between 1 and {MaxBatchSize}.");
            }
            var inFlight = parse.GetValue(parallel);
            if (inFlight is < 1 or > 8)
            {
                throw new UsageException("--parallel must be between 1 and 8.");
            }
            var separator = CsvDelimiter.Parse(parse.GetValue(delimiter));
            var kind = FormatOf(path, parse.GetValue(format));
            var collectionId = parse.GetValue(collection)!;
            var fieldTypes = await FieldTypesAsync(session, collectionId, ct).ConfigureAwait(false);
            ImportSource source = kind switch
            {
                ImportFormat.Csv => new CsvSource(separator, fieldTypes, !parse.GetValue(noInference), parse.GetValue(allowShortRows)),
                ImportFormat.JsonArray => new JsonArraySource(),
                _ => new JsonLinesSource(),
            };
            var settings = new ImportSettings(collectionId, parse.GetValue(mode) == "save" ? ImportMode.Save : ImportMode.Insert,
                parse.GetValue(onError) == "stop", size, inFlight);
            using var importer = new Importer(session, settings, source);
            var result = await importer.RunAsync(path, ct).ConfigureAwait(false);
            await WriteSummaryAsync(session, path, settings, source.PositionName, result).ConfigureAwait(false);
            return result.Failed == 0 && result.StoppedBy is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>The file's format: the option, else the extension; a <c>.json</c> file is an array when it starts with '['.</summary>
    private static ImportFormat FormatOf(FileInfo file, string? option)
    {
        var name = option ?? Path.GetExtension(file.Name).ToUpperInvariant() switch
        {
            ".CSV" or ".TSV" => "csv",
            ".JSONL" or ".NDJSON" => "jsonl",
            ".JSON" => "json",
            _ => throw new UsageException($"Cannot tell the format of '{file.Name}' from its extension; pass --format csv, jsonl or json."),
        };
        return name switch
        {
            "csv" => ImportFormat.Csv,
            "jsonl" => ImportFormat.JsonLines,
            _ => StartsWithBracket(file) ? ImportFormat.JsonArray : ImportFormat.JsonLines,
        };
    }

    private static bool StartsWithBracket(FileInfo file)
    {
        using var reader = new StreamReader(file.FullName, detectEncodingFromByteOrderMarks: true);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c))
        {
        }
        return c == '[';
    }

    /// <summary>
    /// The collection's field types, so that CSV cells take them. It also makes sure the collection exists before the
    /// file is read; a key that may write but not read collections gets inference with a warning.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>> FieldTypesAsync(Session session, string collectionId, CancellationToken ct)
    {
        try
        {
            var definition = await session.Client.Collections.GetDataCollectionAsync(collectionId, ct).ConfigureAwait(false);
            return (definition.Fields ?? []).Where(f => f.Key is not null && f.Type is not null)
                .GroupBy(f => f.Key!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Type!, StringComparer.Ordinal);
        }
        catch (ExternalDbException e) when (e.StatusCode == 403)
        {
            await session.Console.Err.WriteLineAsync(
                $"warning: cannot read the fields of {collectionId} ({e.Message}); CSV cell types are inferred.").ConfigureAwait(false);
            return new Dictionary<string, string>();
        }
    }

    private static async Task WriteSummaryAsync(Session session, FileInfo file, ImportSettings settings, string positionName, ImportResult result)
    {
        var verb = settings.Mode == ImportMode.Save ? "saved" : "inserted";
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(new
            {
                file = file.FullName,
                collection = settings.Collection,
                mode = settings.Mode == ImportMode.Save ? "save" : "insert",
                records = result.Records,
                written = result.Written,
                inserted = settings.Mode == ImportMode.Insert ? result.Written : (long?)null,
                saved = settings.Mode == ImportMode.Save ? result.Written : (long?)null,
                failed = result.Failed,
                notSent = result.NotSent,
                seconds = Math.Round(result.Elapsed.TotalSeconds, 3),
                failures = result.Failures.Select(f => new Dictionary<string, object?>
                {
                    [positionName] = f.Position,
                    ["field"] = f.Field,
                    ["code"] = f.Code,
                    ["description"] = f.Description,
                }),
                stoppedBy = result.StoppedBy,
            }).ConfigureAwait(false);
            return;
        }
        var output = session.Console.Out;
        var counts = string.Create(CultureInfo.InvariantCulture, $"{result.Written} {verb}, {result.Failed} failed");
        if (result.NotSent > 0)
        {
            counts += string.Create(CultureInfo.InvariantCulture, $", {result.NotSent} not sent");
        }
        var read = result.ReadToEnd ? "" : ", stopped before the end of the file";
        var headline = result.StoppedBy is null ? "Imported" : "Import stopped:";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{headline} {file.Name} into {settings.Collection}: {counts} ({result.Records} records{read}, {result.Elapsed.TotalSeconds:0.0} s).")).ConfigureAwait(false);
        var first = result.Failures.Take(FailuresShown).ToList();
        if (first.Count > 0)
        {
            await output.WriteLineAsync(result.Failures.Count > first.Count || result.Failed > result.Failures.Count
                ? $"First {first.Count} failures:" : "Failures:").ConfigureAwait(false);
            foreach (var f in first)
            {
                var field = f.Field is null ? "" : $", field {f.Field}";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {positionName} {f.Position}{field}: {f.Code} {f.Description}")).ConfigureAwait(false);
            }
        }
        if (result.StoppedBy is not null)
        {
            await output.WriteLineAsync("Stopped: " + result.StoppedBy).ConfigureAwait(false);
        }
        await output.FlushAsync().ConfigureAwait(false);
    }
}

/// <summary>The <c>--delimiter</c> option of import and export.</summary>
internal static class CsvDelimiter
{
    /// <summary>One character, or <c>tab</c> / <c>\t</c> for a tab.</summary>
    /// <exception cref="UsageException">For anything else, or for a quote or a line break.</exception>
    public static char Parse(string? text) => text switch
    {
        null or "," => ',',
        "tab" or "\\t" or "\t" => '\t',
        { Length: 1 } when text[0] is not ('"' or '\r' or '\n') => text[0],
        _ => throw new UsageException($"--delimiter '{text}' must be one character (e.g. ';' or '|'), or 'tab'."),
    };
}
