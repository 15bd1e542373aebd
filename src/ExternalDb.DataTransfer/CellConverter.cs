using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Client;

namespace ExternalDb.DataTransfer;

/// <summary>
/// Turns a CSV cell into the JSON that a field of the collection takes, by the field's type (<c>TEXT</c> stays text
/// even when it holds digits, <c>NUMBER</c> becomes a number, <c>DATETIME</c> a <c>$date</c>...). A field the
/// collection does not type is inferred (<see cref="CsvValues.Parse"/>).
/// </summary>
public static partial class CellConverter
{
    private static readonly HashSet<string> TextTypes = new(StringComparer.Ordinal)
    {
        "TEXT", "URL", "IMAGE", "RICH_TEXT", "VIDEO", "AUDIO", "DOCUMENT", "LANGUAGE", "PAGE_LINK", "REFERENCE",
    };

    private static readonly HashSet<string> ObjectTypes = new(StringComparer.Ordinal) { "OBJECT", "ADDRESS", "RICH_CONTENT" };

    private static readonly HashSet<string> ArrayTypes = new(StringComparer.Ordinal)
    {
        "ARRAY", "ARRAY_STRING", "ARRAY_DOCUMENT", "MEDIA_GALLERY", "MULTI_REFERENCE",
    };

    /// <summary>
    /// The value of a non-empty <paramref name="cell"/> for a field of <paramref name="type"/> (null: not typed).
    /// </summary>
    /// <returns>The value, or null with <paramref name="problem"/> saying why the cell does not fit the type.</returns>
    public static JsonNode? Convert(string cell, string? type, bool infer, out string? problem)
    {
        problem = null;
        if (type is null || type.StartsWith("LEGACY_", StringComparison.Ordinal) && !TextTypes.Contains(type))
        {
            return CsvValues.Parse(cell, infer);
        }
        if (TextTypes.Contains(type))
        {
            return JsonValue.Create(cell);
        }
        switch (type)
        {
            case "NUMBER":
                return Number(cell) ?? Problem(out problem, $"{Quote(cell)} is not a number");
            case "BOOLEAN":
                return Boolean(cell) is { } b ? JsonValue.Create(b) : Problem(out problem, $"{Quote(cell)} is not a boolean (true or false)");
            case "DATETIME":
                return DateTime(cell) is { } date ? DataValue.Date(date)
                    : Problem(out problem, $"{Quote(cell)} is not a date-time (ISO 8601, e.g. 2024-05-01T10:00:00Z)");
            case "DATE":
                return DateOnly.TryParseExact(cell.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                    ? JsonValue.Create(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                    : Problem(out problem, $"{Quote(cell)} is not a date (yyyy-MM-dd)");
            case "TIME":
                return TimeOnly.TryParseExact(cell.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? JsonValue.Create(cell.Trim())
                    : Problem(out problem, $"{Quote(cell)} is not a time (HH:mm, HH:mm:ss or HH:mm:ss.fff)");
            case "ANY":
                return Json(cell) ?? CsvValues.Parse(cell, infer);
        }
        if (ObjectTypes.Contains(type))
        {
            return Json(cell) is JsonObject o ? o : Problem(out problem, $"{Quote(cell)} is not a JSON object, as a field of type {type} takes");
        }
        if (ArrayTypes.Contains(type))
        {
            return Json(cell) is JsonArray a ? a : Problem(out problem, $"{Quote(cell)} is not a JSON array, as a field of type {type} takes");
        }
        return CsvValues.Parse(cell, infer);
    }

    private static readonly string[] TimeFormats = ["HH:mm", "HH:mm:ss", "HH:mm:ss.f", "HH:mm:ss.ff", "HH:mm:ss.fff"];

    private static JsonNode? Problem(out string? problem, string text)
    {
        problem = text;
        return null;
    }

    private static JsonNode? Number(string cell)
    {
        var text = cell.Trim();
        if (CsvValues.IsPlainNumber(text))
        {
            return JsonNode.Parse(text);
        }
        // Leading zeros, a leading '+': still a number when the field says so.
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                   CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? JsonValue.Create(value)
            : null;
    }

    private static bool? Boolean(string cell) => cell.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "1" => true,
        "FALSE" or "NO" or "0" => false,
        _ => null,
    };

    private static DateTimeOffset? DateTime(string cell)
    {
        var text = cell.Trim();
        return IsoDate().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                   DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;
    }

    private static JsonNode? Json(string cell)
    {
        try
        {
            return JsonNode.Parse(cell);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Quote(string cell) => cell.Length <= 40
        ? JsonSerializer.Serialize(cell, DataTransferJson.Compact)
        : JsonSerializer.Serialize(cell[..40] + "…", DataTransferJson.Compact);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:?\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();
}
