using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Data;

/// <summary>Converts item values between JSON (with <c>{"$date": ...}</c>) and engine-neutral SQL values.</summary>
internal static class ValueCodec
{
    public const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static JsonObject DateNode(DateTime utc) => new() { [QueryOperators.DateKey] = utc.ToString(DateFormat, CultureInfo.InvariantCulture) };

    /// <summary>Now, truncated to milliseconds (what survives storage).</summary>
    public static DateTime UtcNowMs()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>A JSON value as the parameter value for a column of <paramref name="field"/>.</summary>
    public static object? ToDb(JsonNode? node, FieldInfo field, string path)
    {
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }
        switch (field.Storage)
        {
            case StorageKind.Json:
                return NormalizeDates(node).ToJsonString();
            case StorageKind.Number:
                if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number && double.IsFinite(n.GetValue<double>()))
                {
                    return n.GetValue<double>();
                }
                throw Mismatch(field, path, node, "a finite number");
            case StorageKind.Boolean:
                if (node.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                {
                    return node.GetValue<bool>();
                }
                throw Mismatch(field, path, node, "a boolean");
            case StorageKind.DateTime:
                return TryDate(node, out var date) ? date : throw Mismatch(field, path, node, "a date ({\"$date\": \"ISO-8601\"})");
            default:
                if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String)
                {
                    return s.GetValue<string>();
                }
                if (node is JsonObject o && FieldTypeDateOnly(field) && TryDate(o, out var d))
                {
                    return field.Type == "DATE"
                        ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                        : d.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
                }
                throw Mismatch(field, path, node, "a string");
        }
    }

    /// <summary>
    /// The value with every date inside it (<c>{"$date": ...}</c> that parses) written as the adaptor writes dates,
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, so that dates inside objects compare by instant as text. Other values are kept.
    /// </summary>
    public static JsonNode NormalizeDates(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o when TryDate(o, out var date):
                return DateNode(date);
            case JsonObject o:
                return new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : NormalizeDates(p.Value))));
            case JsonArray a:
                return new JsonArray([.. a.Select(e => e is null ? null : NormalizeDates(e))]);
            default:
                return node.DeepClone();
        }
    }

    private static bool FieldTypeDateOnly(FieldInfo field) => field.Type is "DATE" or "TIME";

    private static AdaptorException Mismatch(FieldInfo field, string path, JsonNode node, string expected) =>
        AdaptorException.Validation(path, $"{path}: field {field.Key} of type {field.Type} takes {expected}", node);

    /// <summary>Reads <c>{"$date": "ISO"}</c> or an ISO string as UTC, truncated to milliseconds.</summary>
    public static bool TryDate(JsonNode? node, out DateTime utc)
    {
        utc = default;
        var text = node switch
        {
            JsonObject o when o.Count == 1 && o[QueryOperators.DateKey] is JsonValue v && v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            return false;
        }
        var ticks = parsed.UtcTicks;
        utc = new DateTime(ticks - (ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        return true;
    }

    /// <summary>
    /// A value read from the database as JSON, typed by the field. JSON has no Infinity or NaN: such a number (written
    /// by another tool; the adaptor refuses them) reads as null.
    /// </summary>
    public static JsonNode? FromDb(object? value, FieldInfo field)
    {
        if (value is null || value is DBNull)
        {
            return null;
        }
        switch (field.Storage)
        {
            case StorageKind.Boolean:
                return value switch
                {
                    bool b => b,
                    long l => l != 0,
                    int i => i != 0,
                    double d => d != 0,
                    string s => s is "1" || s.Equals("true", StringComparison.OrdinalIgnoreCase),
                    _ => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
                };
            case StorageKind.Number:
                return value switch
                {
                    double d => Finite(d),
                    long l => l,
                    int i => i,
                    short s => s,
                    sbyte b => b,
                    byte b => b,
                    ushort u => u,
                    uint u => u,
                    ulong u => u,
                    float f => Finite(f),
                    decimal m => m,
                    string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => Finite(d),
                    _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
                };
            case StorageKind.DateTime:
                return value switch
                {
                    DateTime d => DateNode(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d.ToUniversalTime()),
                    DateTimeOffset o => DateNode(o.UtcDateTime),
                    string s when TryDate(JsonValue.Create(s), out var d) => DateNode(d),
                    _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
                };
            case StorageKind.Json:
                return value switch
                {
                    string s => ParseJsonOrString(s),
                    long l => l,
                    double d => Finite(d),
                    _ => JsonSerializer.SerializeToNode(value),
                };
            default:
                return value switch
                {
                    string s => s,
                    DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    DateTime d when field.Type == "DATE" => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
                    DateTime d => d.ToString(DateFormat, CultureInfo.InvariantCulture),
                    byte[] bytes => Convert.ToBase64String(bytes),
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                };
        }
    }

    /// <summary>The number, or null for ±Infinity and NaN.</summary>
    public static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public static JsonNode? ParseJsonOrString(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
