using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Client;

namespace ExternalDb.DataTransfer;

/// <summary>A record of the file that could not be imported, and why; <see cref="Field"/> names the bad value's field when one is to blame.</summary>
public sealed record ImportFailure(long Position, string? Field, string Code, string Description);

/// <summary>A record read from the file: an item to send, or the reasons it cannot be sent.</summary>
/// <param name="Position">Where the record is: its first line, or its index in a JSON array.</param>
/// <param name="Bytes">The bytes it took in the file (for progress).</param>
public sealed record ImportRecord(long Position, long Bytes, DataItem? Item, IReadOnlyList<ImportFailure> Failures)
{
    public static ImportRecord Ok(long position, long bytes, DataItem item) => new(position, bytes, item, []);

    public static ImportRecord Failed(long position, long bytes, string code, string description, string? field = null) =>
        new(position, bytes, null, [new ImportFailure(position, field, code, description)]);
}

/// <summary>The formats <c>extdb import</c> reads.</summary>
public enum ImportFormat
{
    Csv,
    JsonLines,
    JsonArray,
}

/// <summary>Reads the records of an import file one at a time (the file is never loaded whole).</summary>
public abstract class ImportSource
{
    /// <summary>How a position is named in messages: "line" (CSV, JSON lines) or "item" (the index in a JSON array).</summary>
    public abstract string PositionName { get; }

    public abstract IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, CancellationToken ct);

    protected static StreamReader Reader(Stream stream) =>
        new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
}

/// <summary>One JSON object per line; blank lines are skipped.</summary>
public sealed class JsonLinesSource : ImportSource
{
    public override string PositionName => "line";

    public override async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Reader(stream);
        long line = 0;
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
        {
            line++;
            var bytes = Encoding.UTF8.GetByteCount(text) + 1L;
            if (string.IsNullOrWhiteSpace(text))
            {
                yield return new ImportRecord(line, bytes, null, []);
                continue;
            }
            JsonNode? node;
            string? problem = null;
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                node = null;
                problem = "The line is not valid JSON: " + e.Message;
            }
            yield return node is JsonObject data
                ? ImportRecord.Ok(line, bytes, new DataItem { Data = data })
                : ImportRecord.Failed(line, bytes, "INVALID_JSON", problem ?? "The line is JSON but not an object.");
        }
    }
}

/// <summary>A JSON array of objects (what <c>extdb export --format json</c> writes), read element by element.</summary>
public sealed class JsonArraySource : ImportSource
{
    public override string PositionName => "item";

    public override async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        var index = 0L;
        var position = stream.Position;
        await using var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, DataTransferJson.Compact, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            ImportRecord? broken = null;
            bool more;
            try
            {
                more = await elements.MoveNextAsync().ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                more = false;
                var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
                broken = ImportRecord.Failed(index + 1, stream.Length - position, "INVALID_JSON",
                    $"The file is not a valid JSON array of objects{where}: {e.Message}");
            }
            if (broken is not null)
            {
                yield return broken;
                yield break;
            }
            if (!more)
            {
                yield break;
            }
            index++;
            var bytes = Math.Max(0, stream.Position - position);
            position = stream.Position;
            yield return elements.Current is JsonObject data
                ? ImportRecord.Ok(index, bytes, new DataItem { Data = data })
                : ImportRecord.Failed(index, bytes, "INVALID_JSON", "The element is not a JSON object.");
        }
    }
}

/// <summary>
/// CSV with a header row naming the fields. Each cell is converted by its field's type in the collection
/// (<see cref="CellConverter"/>); empty cells are left out; <c>_id</c> is always text.
/// </summary>
public sealed class CsvSource(char delimiter, IReadOnlyDictionary<string, string> fieldTypes, bool inferTypes, bool allowShortRows,
    string delimiterHint = "pass --delimiter", string shortRowsHint = "pass --allow-short-rows to leave the missing cells empty") : ImportSource
{
    public override string PositionName => "line";

    public override async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Reader(stream);
        var csv = new CsvReader(reader, delimiter);
        var header = await csv.ReadAsync(ct).ConfigureAwait(false);
        if (header is null)
        {
            yield break;
        }
        var columns = header.Fields.Select(f => f.Trim()).ToArray();
        if (columns.Any(c => c.Length == 0) || columns.Distinct(StringComparer.Ordinal).Count() != columns.Length)
        {
            var hint = columns.Length == 1 && delimiter == ',' ? " (if the file is not comma-separated, " + delimiterHint + ")" : "";
            throw new ImportFileException($"The CSV header (line {header.Line}) must name every column once{hint}.");
        }
        var types = columns.Select(c => c == "_id" ? "TEXT" : fieldTypes.GetValueOrDefault(c)).ToArray();
        yield return new ImportRecord(0, header.Bytes, null, []);
        while (true)
        {
            CsvRecord? record;
            ImportRecord? broken = null;
            try
            {
                record = await csv.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (CsvFormatException e)
            {
                record = null;
                broken = ImportRecord.Failed(e.Line, e.Bytes, "INVALID_CSV", e.Message);
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
            yield return ToRecord(record, columns, types);
        }
    }

    private ImportRecord ToRecord(CsvRecord record, string[] columns, string?[] types)
    {
        if (record.Fields.Count > columns.Length || (record.Fields.Count < columns.Length && !allowShortRows))
        {
            var more = record.Fields.Count > columns.Length ? "" : $" ({shortRowsHint})";
            return ImportRecord.Failed(record.Line, record.Bytes, "INVALID_CSV",
                $"The record has {record.Fields.Count} cells; the header has {columns.Length}{more}.");
        }
        var data = new JsonObject();
        List<ImportFailure>? failures = null;
        for (var i = 0; i < record.Fields.Count; i++)
        {
            var cell = record.Fields[i];
            if (cell.Length == 0)
            {
                continue;
            }
            var value = CellConverter.Convert(cell, types[i], inferTypes, out var problem);
            if (problem is not null)
            {
                (failures ??= []).Add(new ImportFailure(record.Line, columns[i], "INVALID_VALUE", problem + "."));
            }
            else if (value is not null)
            {
                data[columns[i]] = value;
            }
        }
        return failures is null
            ? ImportRecord.Ok(record.Line, record.Bytes, new DataItem { Data = data })
            : new ImportRecord(record.Line, record.Bytes, null, failures);
    }
}
