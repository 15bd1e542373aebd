using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ExternalDb.Client;
using Spectre.Console;

namespace ExternalDb.Cli;

/// <summary>
/// <c>extdb import FILE --collection C</c>: streams a CSV or JSON-lines file into a collection with
/// <c>BulkInsertDataItems</c> calls of up to 1000 items, a few in flight at once.
/// </summary>
internal static class ImportCommand
{
    public const int MaxBatchSize = 1000;

    public static Command Build(CommandTree tree)
    {
        var file = new Argument<FileInfo>("file") { Description = "A CSV file with a header row, or a JSON-lines file (one object per line)." };
        var collection = ItemCommands.CollectionOption();
        var format = new Option<string?>("--format") { Description = "csv or jsonl (default: by the file's extension)." };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var batchSize = new Option<int>("--batch-size") { Description = "Items per bulk call (at most 1000).", DefaultValueFactory = _ => MaxBatchSize };
        var parallel = new Option<int>("--parallel") { Description = "Bulk calls in flight at once (1 to 8).", DefaultValueFactory = _ => 3 };
        var noInference = new Option<bool>("--no-type-inference") { Description = "CSV: keep every cell a string (by default true/false become booleans and plain numbers become numbers)." };
        var command = new Command("import", "Import a CSV or JSON-lines file into a collection.") { file, collection, format, batchSize, parallel, noInference };
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
            var kind = parse.GetValue(format) ?? FormatOf(path.Name)
                ?? throw new UsageException($"Cannot tell the format of '{path.Name}' from its extension; pass --format csv or --format jsonl.");
            var importer = new Importer(session, parse.GetValue(collection)!, size, inFlight, kind == "csv", !parse.GetValue(noInference));
            var result = await importer.RunAsync(path, ct).ConfigureAwait(false);
            await WriteSummaryAsync(session, path, parse.GetValue(collection)!, result).ConfigureAwait(false);
            return result.Failed == 0 && result.StoppedBy is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static string? FormatOf(string name) => Path.GetExtension(name).ToUpperInvariant() switch
    {
        ".CSV" => "csv",
        ".JSONL" or ".NDJSON" or ".JSON" => "jsonl",
        _ => null,
    };

    private const int FailuresShown = 10;

    private static async Task WriteSummaryAsync(Session session, FileInfo file, string collection, ImportResult result)
    {
        var first = result.Failures.OrderBy(f => f.Line).Take(FailuresShown).ToList();
        if (session.Json)
        {
            await session.Console.WriteJsonAsync(new
            {
                file = file.FullName,
                collection,
                lines = result.Records,
                inserted = result.Inserted,
                failed = result.Failed,
                seconds = Math.Round(result.Elapsed.TotalSeconds, 3),
                failures = first.Select(f => new { line = f.Line, code = f.Code, description = f.Description }),
                stoppedBy = result.StoppedBy,
            }).ConfigureAwait(false);
            return;
        }
        var output = session.Console.Out;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Imported {file.Name} into {collection}: {result.Inserted} inserted, {result.Failed} failed ({result.Records} records in {result.Elapsed.TotalSeconds:0.0} s).")).ConfigureAwait(false);
        if (first.Count > 0)
        {
            await output.WriteLineAsync(result.Failed > first.Count ? $"First {first.Count} failures:" : "Failures:").ConfigureAwait(false);
            foreach (var f in first)
            {
                await output.WriteLineAsync($"  line {f.Line}: {f.Code} {f.Description}").ConfigureAwait(false);
            }
        }
        if (result.StoppedBy is not null)
        {
            await output.WriteLineAsync("Stopped: " + result.StoppedBy).ConfigureAwait(false);
        }
        await output.FlushAsync().ConfigureAwait(false);
    }
}

/// <summary>A line that could not be imported.</summary>
internal sealed record ImportFailure(long Line, string Code, string Description);

/// <summary>The outcome of an import.</summary>
internal sealed record ImportResult(long Records, long Inserted, long Failed, IReadOnlyList<ImportFailure> Failures, string? StoppedBy, TimeSpan Elapsed);

/// <summary>A record read from the file: an item to send, or a line that could not be read.</summary>
internal sealed record ImportRecord(long Line, long Bytes, DataItem? Item, ImportFailure? Failure);

internal sealed record ImportBatch(List<DataItem> Items, List<long> Lines, long Bytes);

/// <summary>
/// Reads the file on one task and hands batches to <c>parallel</c> senders through a bounded channel, so at most
/// a few batches are in memory. A per-item failure is counted and the import goes on; a failed call (bad
/// collection, no permission, server down) stops it.
/// </summary>
internal sealed class Importer(Session session, string collection, int batchSize, int parallel, bool csv, bool inferTypes)
{
    private const int MaxFailuresKept = 10_000;
    private readonly Lock _lock = new();
    private readonly List<ImportFailure> _failures = [];
    private long _records;
    private long _inserted;
    private long _failed;
    private long _bytesDone;
    private string? _stoppedBy;

    public async Task<ImportResult> RunAsync(FileInfo file, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var total = Math.Max(1, file.Length);
        if (session.Console.ErrIsTerminal)
        {
            await session.Console.Stderr.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Description(), maxValue: total);
                    await ImportAsync(file, () =>
                    {
                        task.Value = Math.Min(total, Interlocked.Read(ref _bytesDone));
                        task.Description = Description();
                    }, ct).ConfigureAwait(false);
                    task.Value = total;
                    task.Description = Description();
                }).ConfigureAwait(false);
        }
        else
        {
            await ImportAsync(file, () => PlainProgress(total), ct).ConfigureAwait(false);
        }
        List<ImportFailure> failures;
        lock (_lock)
        {
            failures = [.. _failures];
        }
        return new ImportResult(_records, _inserted, _failed, failures, _stoppedBy, clock.Elapsed);
    }

    private string Description() => Markup.Escape(string.Create(CultureInfo.InvariantCulture,
        $"{Interlocked.Read(ref _inserted)} inserted, {Interlocked.Read(ref _failed)} failed"));

    private void PlainProgress(long total)
    {
        var done = Math.Min(total, Interlocked.Read(ref _bytesDone));
        var line = string.Create(CultureInfo.InvariantCulture,
            $"import: {Interlocked.Read(ref _inserted)} inserted, {Interlocked.Read(ref _failed)} failed ({100.0 * done / total:0}%)");
        lock (_lock)
        {
            session.Console.Err.WriteLine(line);
        }
    }

    private async Task ImportAsync(FileInfo file, Action progress, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(parallel) { SingleWriter = true });
        var senders = Enumerable.Range(0, parallel).Select(_ => SendAsync(channel.Reader, progress, stop)).ToArray();
        try
        {
            await ReadAsync(file, channel.Writer, progress, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stoppedBy is not null && !ct.IsCancellationRequested)
        {
        }
        finally
        {
            channel.Writer.TryComplete();
        }
        await Task.WhenAll(senders).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    private async Task ReadAsync(FileInfo file, ChannelWriter<ImportBatch> writer, Action progress, CancellationToken ct)
    {
        await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var records = csv ? ReadCsvAsync(reader, ct) : ReadJsonLinesAsync(reader, ct);
        var batch = new ImportBatch([], [], 0);
        var pendingBytes = 0L;
        await foreach (var record in records.ConfigureAwait(false))
        {
            Interlocked.Increment(ref _records);
            pendingBytes += record.Bytes;
            if (record.Failure is not null)
            {
                Fail(record.Failure);
                continue;
            }
            batch.Items.Add(record.Item!);
            batch.Lines.Add(record.Line);
            if (batch.Items.Count == batchSize)
            {
                await writer.WriteAsync(batch with { Bytes = pendingBytes }, ct).ConfigureAwait(false);
                batch = new ImportBatch([], [], 0);
                pendingBytes = 0;
            }
        }
        if (batch.Items.Count > 0)
        {
            await writer.WriteAsync(batch with { Bytes = pendingBytes }, ct).ConfigureAwait(false);
        }
        else if (pendingBytes > 0)
        {
            Interlocked.Add(ref _bytesDone, pendingBytes);
            progress();
        }
    }

    private async Task SendAsync(ChannelReader<ImportBatch> reader, Action progress, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var batch in reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                BulkDataItemsResponse response;
                try
                {
                    response = await InsertWithRetryAsync(batch, stop.Token).ConfigureAwait(false);
                }
                catch (ExternalDbException e)
                {
                    Stop(batch, CommandTree.Describe(e)["error: ".Length..], stop);
                    return;
                }
                catch (HttpRequestException e)
                {
                    Stop(batch, $"cannot reach the server at {session.Url}: {e.Message}", stop);
                    return;
                }
                catch (TaskCanceledException) when (!stop.IsCancellationRequested)
                {
                    Stop(batch, $"the server at {session.Url} did not answer in time", stop);
                    return;
                }
                Record(batch, response);
                Interlocked.Add(ref _bytesDone, batch.Bytes);
                progress();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends a batch; answers that mean "nothing was done, try later" (429, 503) are retried with back-off.</summary>
    private async Task<BulkDataItemsResponse> InsertWithRetryAsync(ImportBatch batch, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await session.Client.Items.BulkInsertDataItemsAsync(collection, batch.Items, returnEntity: false, ct).ConfigureAwait(false);
            }
            catch (ExternalDbException e) when (e.StatusCode is 429 or 503 && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * (1 << attempt)), ct).ConfigureAwait(false);
            }
        }
    }

    private void Record(ImportBatch batch, BulkDataItemsResponse response)
    {
        if (response.Results.Count == 0)
        {
            Interlocked.Add(ref _inserted, response.BulkActionMetadata.TotalSuccesses);
            Interlocked.Add(ref _failed, response.BulkActionMetadata.TotalFailures);
            return;
        }
        foreach (var result in response.Results)
        {
            if (result.ItemMetadata.Success)
            {
                Interlocked.Increment(ref _inserted);
                continue;
            }
            var index = result.ItemMetadata.OriginalIndex;
            var line = index >= 0 && index < batch.Lines.Count ? batch.Lines[index] : 0;
            var error = result.ItemMetadata.Error;
            Fail(new ImportFailure(line, error?.Code ?? "UNKNOWN", error?.Description ?? "The server reported a failure without a reason."));
        }
    }

    private void Fail(ImportFailure failure)
    {
        Interlocked.Increment(ref _failed);
        lock (_lock)
        {
            if (_failures.Count < MaxFailuresKept)
            {
                _failures.Add(failure);
            }
        }
    }

    private void Stop(ImportBatch batch, string reason, CancellationTokenSource stop)
    {
        lock (_lock)
        {
            _stoppedBy ??= string.Create(CultureInfo.InvariantCulture, $"the bulk call for lines {batch.Lines[0]}–{batch.Lines[^1]} failed: {reason}");
        }
        stop.Cancel();
    }

    private static async IAsyncEnumerable<ImportRecord> ReadJsonLinesAsync(StreamReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        long line = 0;
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
        {
            line++;
            var bytes = Encoding.UTF8.GetByteCount(text) + 1L;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            JsonObject? data = null;
            string? problem = null;
            try
            {
                data = JsonNode.Parse(text) as JsonObject;
                problem = data is null ? "The line is JSON but not an object." : null;
            }
            catch (JsonException e)
            {
                problem = "The line is not valid JSON: " + e.Message;
            }
            yield return data is null
                ? new ImportRecord(line, bytes, null, new ImportFailure(line, "INVALID_JSON", problem!))
                : new ImportRecord(line, bytes, new DataItem { Data = data }, null);
        }
    }

    private async IAsyncEnumerable<ImportRecord> ReadCsvAsync(StreamReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        var csvReader = new CsvReader(reader);
        var header = await csvReader.ReadAsync(ct).ConfigureAwait(false);
        if (header is null)
        {
            yield break;
        }
        var columns = header.Fields.Select(f => f.Trim()).ToArray();
        if (columns.Any(c => c.Length == 0) || columns.Distinct(StringComparer.Ordinal).Count() != columns.Length)
        {
            throw new UsageException("The CSV header must name every column once.");
        }
        Interlocked.Add(ref _bytesDone, header.Bytes);
        while (true)
        {
            CsvRecord? record;
            ImportRecord? broken = null;
            try
            {
                record = await csvReader.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (FormatException e)
            {
                record = null;
                broken = new ImportRecord(0, 0, null, new ImportFailure(0, "INVALID_CSV", e.Message));
            }
            if (broken is not null)
            {
                yield return broken;
                yield break;
            }
            if (record is null)
            {
                yield break;
            }
            if (record.Fields.Count > columns.Length)
            {
                yield return new ImportRecord(record.Line, record.Bytes, null, new ImportFailure(record.Line, "INVALID_CSV",
                    $"The record has {record.Fields.Count} fields; the header has {columns.Length}."));
                continue;
            }
            var data = new JsonObject();
            for (var i = 0; i < record.Fields.Count; i++)
            {
                var value = columns[i] == "_id" ? CsvValues.Parse(record.Fields[i], infer: false) : CsvValues.Parse(record.Fields[i], inferTypes);
                if (value is not null)
                {
                    data[columns[i]] = value;
                }
            }
            yield return new ImportRecord(record.Line, record.Bytes, new DataItem { Data = data }, null);
        }
    }
}
