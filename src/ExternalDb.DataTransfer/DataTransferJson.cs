using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ExternalDb.Client;

namespace ExternalDb.DataTransfer;

/// <summary>The JSON conventions of files: one line per value, non-ASCII text and quotes as they are.</summary>
public static class DataTransferJson
{
    /// <summary>Compact JSON for files, cells and messages (never HTML: "Ñandú" and '"' stay as they are).</summary>
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    /// <summary>The same, indented.</summary>
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    /// <summary>A value as the text of a cell: dates as ISO 8601 UTC with milliseconds, strings raw, the rest as JSON.</summary>
    public static string Cell(JsonNode? node)
    {
        if (node is null)
        {
            return "";
        }
        if (DataValue.TryGetDate(node, out var date))
        {
            return date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }
        return node.ToJsonString(Compact);
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        return options;
    }
}

/// <summary>A file that cannot be imported at all (e.g. a CSV header that does not name every column once).</summary>
public sealed class ImportFileException(string message) : FormatException(message);
