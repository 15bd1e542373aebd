using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using ExternalDb.Client;
using Spectre.Console;

namespace ExternalDb.Cli;

/// <summary>How <c>extdb import</c> writes: insert (an existing ID fails its line) or save (insert or replace).</summary>
internal enum ImportMode
{
    Insert,
    Save,
}

/// <summary>What <c>extdb import</c> does.</summary>
internal sealed record ImportSettings(string Collection, ImportMode Mode, bool StopOnFirstFailure, int BatchSize, int Parallel);

/// <summary>
/// The outcome of an import: every record read is written, failed, or (after a stop) not sent, so
/// <c>Written + Failed + NotSent == Records</c>.
/// </summary>
internal sealed record ImportResult(
    long Records,
    long Written,
    long Failed,
    long NotSent,
    IReadOnlyList<ImportFailure> Failures,
    string? StoppedBy,
    bool ReadToEnd,
    TimeSpan Elapsed);

internal sealed record ImportBatch(IReadOnlyList<DataItem> Items, IReadOnlyList<long> Positions, long Bytes)
{
    public int Count => Items.Count;

    public string Span(string positionName) => Count == 1
        ? string.Create(CultureInfo.InvariantCulture, $"{positionName} {Positions[0]}")
        : string.Create(CultureInfo.InvariantCulture, $"{positionName}s {Positions[0]}–{Positions[^1]}");

    public (ImportBatch First, ImportBatch Second) Halves()
    {
        var half = Count / 2;
        return (new ImportBatch([.. Items.Take(half)], [.. Positions.Take(half)], 0), new ImportBatch([.. Items.Skip(half)], [.. Positions.Skip(half)], 0));
    }

    public ImportBatch Only(IReadOnlyList<int> indexes) => new([.. indexes.Select(i => Items[i])], [.. indexes.Select(i => Positions[i])], 0);
}

/// <summary>
/// Reads the file on one task and hands batches to <c>Parallel</c> senders through a bounded channel, so that at most a
/// few batches are in memory. A bad record fails alone: a bulk call refused as a whole (V3 answers one 400 for the
/// call; V2 gives every item the same refusal) is split in halves until the bad records stand alone, so the good
/// records of the batch still go in and each failure names its own line. A failure of the call itself (no such
/// collection, no permission, server down) stops the import; calls in flight finish and are counted.
/// </summary>
internal sealed class Importer(Session session, ImportSettings settings, ImportSource source) : IDisposable
{
    private const int MaxFailuresKept = 10_000;

    /// <summary>
    /// The most file bytes one bulk call carries: far below the server's 32 MiB request bound even where JSON is larger
    /// than the CSV it came from, so a file of large items goes in smaller calls instead of being refused first.
    /// </summary>
    public const long MaxBatchBytes = 8 * 1024 * 1024;
    private readonly Lock _lock = new();
    private readonly List<ImportFailure> _failures = [];
    private readonly CancellationTokenSource _stop = new();
    private long _records;
    private long _written;
    private long _failed;
    private long _bytesDone;
    private string? _lastProgress;
    private string? _stoppedBy;
    private bool _readToEnd;

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
                    task.Value = Complete ? total : Math.Min(total, Interlocked.Read(ref _bytesDone));
                    task.Description = Description();
                }).ConfigureAwait(false);
        }
        else
        {
            await ImportAsync(file, () => PlainProgress(total, last: false), ct).ConfigureAwait(false);
            PlainProgress(total, last: true);
        }
        List<ImportFailure> failures;
        lock (_lock)
        {
            failures = [.. _failures.OrderBy(f => f.Position)];
        }
        var records = Interlocked.Read(ref _records);
        var written = Interlocked.Read(ref _written);
        var failed = Interlocked.Read(ref _failed);
        return new ImportResult(records, written, failed, records - written - failed, failures, _stoppedBy, _readToEnd, clock.Elapsed);
    }

    private string Verb => settings.Mode == ImportMode.Save ? "saved" : "inserted";

    private string Description() => Markup.Escape(string.Create(CultureInfo.InvariantCulture,
        $"{Interlocked.Read(ref _written)} {Verb}, {Interlocked.Read(ref _failed)} failed"));

    /// <summary>A progress line after each batch; the last one says 100% when the whole file was read and sent.</summary>
    private void PlainProgress(long total, bool last)
    {
        lock (_lock)
        {
            var done = last && Complete ? total : Math.Min(total, Interlocked.Read(ref _bytesDone));
            var line = string.Create(CultureInfo.InvariantCulture,
                $"import: {Interlocked.Read(ref _written)} {Verb}, {Interlocked.Read(ref _failed)} failed ({100 * done / total}%)");
            if (line != _lastProgress)
            {
                _lastProgress = line;
                session.Console.Err.WriteLine(line);
            }
        }
    }

    private bool Complete => _stoppedBy is null && _readToEnd;

    private async Task ImportAsync(FileInfo file, Action progress, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        var channel = Channel.CreateBounded<ImportBatch>(new BoundedChannelOptions(settings.Parallel) { SingleWriter = true });
        var senders = Enumerable.Range(0, settings.Parallel).Select(_ => SendAllAsync(channel.Reader, progress, ct)).ToArray();
        try
        {
            await ReadAsync(file, channel.Writer, progress, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested && !ct.IsCancellationRequested)
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
        var items = new List<DataItem>();
        var positions = new List<long>();
        var pendingBytes = 0L;
        await foreach (var record in source.ReadAsync(stream, ct).ConfigureAwait(false))
        {
            if (record.Item is not null && items.Count > 0 && pendingBytes + record.Bytes > MaxBatchBytes)
            {
                await writer.WriteAsync(new ImportBatch(items, positions, pendingBytes), ct).ConfigureAwait(false);
                items = [];
                positions = [];
                pendingBytes = 0;
            }
            pendingBytes += record.Bytes;
            if (record.Item is null && record.Failures.Count == 0)
            {
                continue; // a header or a blank line
            }
            Interlocked.Increment(ref _records);
            if (record.Item is null)
            {
                Fail(record.Failures);
                continue;
            }
            items.Add(record.Item);
            positions.Add(record.Position);
            if (items.Count == settings.BatchSize)
            {
                await writer.WriteAsync(new ImportBatch(items, positions, pendingBytes), ct).ConfigureAwait(false);
                items = [];
                positions = [];
                pendingBytes = 0;
            }
        }
        _readToEnd = true;
        if (items.Count > 0)
        {
            await writer.WriteAsync(new ImportBatch(items, positions, pendingBytes), ct).ConfigureAwait(false);
        }
        else if (pendingBytes > 0)
        {
            Interlocked.Add(ref _bytesDone, pendingBytes);
            progress();
        }
    }

    private async Task SendAllAsync(ChannelReader<ImportBatch> reader, Action progress, CancellationToken ct)
    {
        await foreach (var batch in reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (_stop.IsCancellationRequested)
            {
                continue; // read but not sent: counted as such in the result
            }
            try
            {
                await WriteAsync(batch, ct).ConfigureAwait(false);
            }
            catch (ExternalDbException e)
            {
                Stop($"the bulk call for {batch.Span(source.PositionName)} failed: {CommandTree.Describe(e)["error: ".Length..]}");
                continue;
            }
            catch (HttpRequestException e)
            {
                Stop($"the bulk call for {batch.Span(source.PositionName)} failed: cannot reach the server at {session.Url}: {e.Message}");
                continue;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                Stop($"the bulk call for {batch.Span(source.PositionName)} failed: the server at {session.Url} did not answer in time");
                continue;
            }
            Interlocked.Add(ref _bytesDone, batch.Bytes);
            progress();
        }
    }

    /// <summary>
    /// Writes a batch; records refused on their own are failed one by one, and a refusal that cannot be told apart
    /// from the batch's other records is narrowed down by sending halves.
    /// </summary>
    private async Task WriteAsync(ImportBatch batch, CancellationToken ct)
    {
        if (_stop.IsCancellationRequested)
        {
            return; // stopped meanwhile: these records are counted as not sent
        }
        BulkDataItemsResponse response;
        try
        {
            response = await CallWithRetryAsync(batch, ct).ConfigureAwait(false);
        }
        catch (ExternalDbException e) when (IsAboutTheItems(e))
        {
            if (batch.Count == 1)
            {
                Fail([new ImportFailure(batch.Positions[0], FieldOf(e), e.Code ?? "HTTP_" + e.StatusCode, e.Message)]);
                return;
            }
            var (first, second) = batch.Halves();
            await WriteAsync(first, ct).ConfigureAwait(false);
            await WriteAsync(second, ct).ConfigureAwait(false);
            return;
        }

        if (response.Results.Count == 0)
        {
            // An answer without results (a server that only counts): trust its totals.
            Interlocked.Add(ref _written, response.BulkActionMetadata.TotalSuccesses);
            Interlocked.Add(ref _failed, response.BulkActionMetadata.TotalFailures);
            return;
        }
        var failed = new List<(int Index, ApplicationError? Error)>();
        foreach (var result in response.Results)
        {
            if (result.ItemMetadata.Success)
            {
                Interlocked.Increment(ref _written);
            }
            else
            {
                failed.Add((result.ItemMetadata.OriginalIndex, result.ItemMetadata.Error));
            }
        }
        // The same error on several records may be one record's refusal given to all (a legacy bulk call fails whole):
        // send those again, in halves when it was every record of the batch, until each failure is its own.
        var shared = batch.Count == 1 ? [] : failed.GroupBy(f => (f.Error?.Code, f.Error?.Description)).Where(g => g.Count() > 1).SelectMany(g => g).ToList();
        foreach (var (index, error) in failed.Except(shared))
        {
            var position = index >= 0 && index < batch.Count ? batch.Positions[index] : 0;
            Fail([new ImportFailure(position, FieldOf(error?.Data), error?.Code ?? "UNKNOWN", error?.Description ?? "The server reported a failure without a reason.")]);
        }
        if (shared.Count == 0)
        {
            return;
        }
        var retry = batch.Only([.. shared.Select(s => s.Index).Where(i => i >= 0 && i < batch.Count).Order()]);
        if (retry.Count < batch.Count)
        {
            await WriteAsync(retry, ct).ConfigureAwait(false);
            return;
        }
        var (a, b) = retry.Halves();
        await WriteAsync(a, ct).ConfigureAwait(false);
        await WriteAsync(b, ct).ConfigureAwait(false);
    }

    /// <summary>Sends a batch; answers that mean "nothing was done, try later" (429, 503) are retried with back-off.</summary>
    private async Task<BulkDataItemsResponse> CallWithRetryAsync(ImportBatch batch, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return settings.Mode == ImportMode.Save
                    ? await session.Client.Items.BulkSaveDataItemsAsync(settings.Collection, batch.Items, returnEntity: false, ct).ConfigureAwait(false)
                    : await session.Client.Items.BulkInsertDataItemsAsync(settings.Collection, batch.Items, returnEntity: false, ct).ConfigureAwait(false);
            }
            catch (ExternalDbException e) when (e.StatusCode is 429 or 503 && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * (1 << attempt)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether a refused call may be the fault of some of its records (a bad value, an existing ID, a body too large),
    /// rather than of the call itself (no such collection, no permission, the adaptor down).
    /// </summary>
    private static bool IsAboutTheItems(ExternalDbException e) =>
        e.StatusCode is 400 or 409 or 413 or 422 || (e.StatusCode == 404 && e.Code == "WDE0073");

    /// <summary>The field a refusal names: a field violation, or the adaptor's <c>items[i].field</c> path.</summary>
    private static string? FieldOf(ExternalDbException e) =>
        e.FieldViolations.Select(v => LastSegment(v.Field)).FirstOrDefault(f => f is not null) ?? FieldOf(e.ErrorData);

    private static string? FieldOf(System.Text.Json.Nodes.JsonObject? data)
    {
        var path = (data?["adaptorData"]?["violations"] as System.Text.Json.Nodes.JsonArray)?.FirstOrDefault()?["fieldPath"];
        return path is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) ? LastSegment(text) : null;
    }

    /// <summary><c>items[3].price</c> → <c>price</c>; <c>dataItems[0].data.title</c> → <c>title</c>.</summary>
    private static string? LastSegment(string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || dot == path.Length - 1)
        {
            return null;
        }
        var rest = path[(dot + 1)..];
        return rest.StartsWith("data.", StringComparison.Ordinal) ? rest["data.".Length..] : rest;
    }

    private void Fail(IReadOnlyList<ImportFailure> failures)
    {
        Interlocked.Increment(ref _failed);
        lock (_lock)
        {
            foreach (var failure in failures)
            {
                if (_failures.Count < MaxFailuresKept)
                {
                    _failures.Add(failure);
                }
            }
        }
        if (settings.StopOnFirstFailure)
        {
            Stop(string.Create(CultureInfo.InvariantCulture, $"--on-error stop: {source.PositionName} {failures[0].Position} failed"));
        }
    }

    public void Dispose() => _stop.Dispose();

    private void Stop(string reason)
    {
        lock (_lock)
        {
            _stoppedBy ??= reason;
        }
        _stop.Cancel();
    }
}
