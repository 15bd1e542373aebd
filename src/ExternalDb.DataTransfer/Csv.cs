using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ExternalDb.DataTransfer;

/// <summary>One CSV record: its fields, the line it starts on, and the bytes it took in the file.</summary>
public sealed record CsvRecord(IReadOnlyList<string> Fields, long Line, long Bytes);

/// <summary>A CSV file that cannot be read on from <see cref="Line"/> (a quoted field left open).</summary>
public sealed class CsvFormatException(long line, long bytes, string message) : FormatException(message)
{
    /// <summary>The line the broken record starts on (1-based).</summary>
    public long Line { get; } = line;

    /// <summary>The bytes read from that line to the end of the file.</summary>
    public long Bytes { get; } = bytes;
}

/// <summary>
/// Reads RFC 4180 CSV one record at a time: fields separated by <paramref name="delimiter"/> (comma by default),
/// optionally in double quotes, <c>""</c> for a quote inside quotes, line breaks allowed inside quotes, LF or CRLF line ends.
/// </summary>
public sealed class CsvReader(TextReader reader, char delimiter = ',')
{
    private long _line;

    /// <summary>The next record, or null at the end. A line with nothing on it is skipped.</summary>
    /// <exception cref="CsvFormatException">When a quoted field is not closed by the end of the file.</exception>
    public async Task<CsvRecord?> ReadAsync(CancellationToken ct)
    {
        string? text;
        do
        {
            text = await reader.ReadLineAsync(ct).ConfigureAwait(false);
            if (text is null)
            {
                return null;
            }
            _line++;
        }
        while (text.Length == 0);

        var start = _line;
        var bytes = (long)Encoding.UTF8.GetByteCount(text) + 1;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var position = 0;
        while (true)
        {
            if (position == text.Length)
            {
                if (!quoted)
                {
                    fields.Add(field.ToString());
                    return new CsvRecord(fields, start, bytes);
                }
                // A line break inside quotes belongs to the field.
                text = await reader.ReadLineAsync(ct).ConfigureAwait(false)
                    ?? throw new CsvFormatException(start, bytes,
                        $"The quoted field that starts on line {start} is not closed: a '\"' is missing before the end of the file.");
                _line++;
                bytes += Encoding.UTF8.GetByteCount(text) + 1;
                field.Append('\n');
                position = 0;
                continue;
            }
            var c = text[position++];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (position < text.Length && text[position] == '"')
                {
                    field.Append('"');
                    position++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
    }
}

/// <summary>CSV values in and out of item data.</summary>
public static partial class CsvValues
{
    /// <summary>
    /// The JSON of a CSV cell of a field whose type is not known: empty → absent (null); <c>true</c>/<c>false</c> →
    /// boolean; a plain decimal number without leading zeros → number; anything else → string. With
    /// <paramref name="infer"/> false, always a string.
    /// </summary>
    public static JsonNode? Parse(string cell, bool infer)
    {
        if (cell.Length == 0)
        {
            return null;
        }
        if (!infer)
        {
            return JsonValue.Create(cell);
        }
        if (cell is "true" or "TRUE" or "True")
        {
            return JsonValue.Create(true);
        }
        if (cell is "false" or "FALSE" or "False")
        {
            return JsonValue.Create(false);
        }
        // JsonNode.Parse keeps the number's text exactly (no 0.1 → 0.1000000000000000055).
        return IsPlainNumber(cell) ? JsonNode.Parse(cell) : JsonValue.Create(cell);
    }

    /// <summary>Whether <paramref name="text"/> is a finite number written as JSON writes it (no leading zeros, no '+').</summary>
    public static bool IsPlainNumber(string text) =>
        NumberPattern().IsMatch(text) && double.IsFinite(double.Parse(text, CultureInfo.InvariantCulture));

    /// <summary>A data value as a CSV cell: strings raw, <c>$date</c> as ISO text, objects and arrays as JSON; quoted when needed.</summary>
    public static string Format(JsonNode? node, char delimiter = ',')
    {
        var text = node switch
        {
            null => "",
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => DataTransferJson.Cell(node),
        };
        return Quote(text, delimiter);
    }

    public static string Quote(string text, char delimiter = ',') =>
        text.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) < 0 && text.Trim().Length == text.Length
            ? text
            : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();
}
