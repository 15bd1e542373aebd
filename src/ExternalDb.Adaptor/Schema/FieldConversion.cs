using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Data;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Schema;

/// <summary>
/// The conversions of a field type change (<c>collections/update</c>) between fields stored differently: a stored value,
/// as the protocol reads it, becomes the value of the new type only when nothing is lost; otherwise the change is refused.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>to TEXT (and URL, IMAGE... any text-stored type)</term><description>a number as JSON writes it (<c>5</c>,
/// <c>1.5</c>, <c>1E+20</c>), <c>true</c>/<c>false</c>, a date as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, an object or array as
/// its JSON text: always.</description></item>
/// <item><term>to NUMBER</term><description>a number; text that is a decimal number (<c>-12</c>, <c>007</c>, <c>1.50</c>,
/// <c>2e3</c>) whose value a double keeps exactly; <c>true</c> → 1, <c>false</c> → 0.</description></item>
/// <item><term>to BOOLEAN</term><description>a boolean; the text <c>true</c> or <c>false</c>; the numbers 1 and 0.</description></item>
/// <item><term>to DATETIME</term><description>a date; ISO-8601 text with a time and a zone (<c>Z</c> or <c>±hh:mm</c>) and at
/// most millisecond precision.</description></item>
/// <item><term>to OBJECT, ANY, ADDRESS, RICH_CONTENT</term><description>any value, as the same JSON value (a date as
/// <c>{"$date": ...}</c>).</description></item>
/// <item><term>to ARRAY, ARRAY_STRING, ARRAY_DOCUMENT, MEDIA_GALLERY</term><description>an array only.</description></item>
/// </list>
/// MULTI_REFERENCE has no column and converts to nothing and from nothing.
/// </remarks>
internal static partial class FieldConversion
{
    [GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalNumber();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:?[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();

    /// <summary>The value for a field of type <paramref name="to"/>, or false when it would not be the same value.</summary>
    public static bool TryConvert(JsonNode value, FieldInfo to, out JsonNode? converted)
    {
        converted = to.Storage switch
        {
            StorageKind.Text => ToText(value),
            StorageKind.Number => ToNumber(value),
            StorageKind.Boolean => ToBoolean(value),
            StorageKind.DateTime => ToDate(value),
            StorageKind.Json when to.IsArray => value is JsonArray ? value.DeepClone() : null,
            StorageKind.Json => value.DeepClone(),
            _ => null,
        };
        return converted is not null;
    }

    private static JsonNode? ToText(JsonNode value) => value switch
    {
        JsonObject o when IsDate(o) => o[QueryOperators.DateKey]!.DeepClone(),
        JsonObject or JsonArray => value.ToJsonString(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.DeepClone(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    private static JsonNode? ToNumber(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Number => value.DeepClone(),
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => ExactNumber(value.GetValue<string>()),
        _ => null,
    };

    /// <summary>The number a text spells when a double holds it exactly as written (compared as decimals), else null.</summary>
    private static JsonNode? ExactNumber(string text)
    {
        if (!DecimalNumber().IsMatch(text)
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)
            || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var written)
            || !decimal.TryParse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var kept)
            || written != kept)
        {
            return null;
        }
        return d;
    }

    private static JsonNode? ToBoolean(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => value.DeepClone(),
        JsonValueKind.String => value.GetValue<string>() switch { "true" => true, "false" => false, _ => null },
        JsonValueKind.Number => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture) switch { 1 => true, 0 => false, _ => null },
        _ => null,
    };

    private static JsonNode? ToDate(JsonNode value)
    {
        if (value is JsonObject o && IsDate(o) && ValueCodec.TryDate(o, out var date))
        {
            return ValueCodec.DateNode(date);
        }
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text) || !IsoDateTime().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            || parsed.UtcTicks % TimeSpan.TicksPerMillisecond != 0)
        {
            return null;
        }
        return ValueCodec.DateNode(parsed.UtcDateTime);
    }

    private static bool IsDate(JsonObject o) => o.Count == 1 && o[QueryOperators.DateKey] is JsonValue d && d.GetValueKind() == JsonValueKind.String;
}
