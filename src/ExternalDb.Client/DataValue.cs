using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// Converts .NET values to the JSON Wix Data expects inside item data and filters: date-times
/// become <c>{"$date": "yyyy-MM-ddTHH:mm:ss.fffZ"}</c>.
/// </summary>
public static class DataValue
{
    private const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The <c>{"$date": "..."}</c> form of a date-time, in UTC with milliseconds.</summary>
    public static JsonObject Date(DateTimeOffset value) =>
        new() { ["$date"] = value.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture) };

    /// <summary>The <c>{"$date": "..."}</c> form of a date-time. A <see cref="DateTimeKind.Unspecified"/> value is taken as UTC.</summary>
    public static JsonObject Date(DateTime value)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        return new JsonObject { ["$date"] = utc.ToString(DateFormat, CultureInfo.InvariantCulture) };
    }

    /// <summary>Reads a <c>{"$date": "..."}</c> value.</summary>
    /// <returns>True when <paramref name="node"/> is a <c>$date</c> object holding a parsable date-time.</returns>
    public static bool TryGetDate(JsonNode? node, out DateTimeOffset value)
    {
        value = default;
        return node is JsonObject { Count: 1 } date
            && date["$date"] is JsonValue text
            && text.TryGetValue<string>(out var iso)
            && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>
    /// The JSON of a value: strings, numbers, booleans and null as themselves; <see cref="DateTimeOffset"/> and
    /// <see cref="DateTime"/> as <c>$date</c> objects; <see cref="Guid"/> as a string; a <see cref="JsonNode"/> as a copy;
    /// a sequence as an array of converted elements.
    /// </summary>
    /// <exception cref="ArgumentException">For any other type.</exception>
    public static JsonNode? From(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonSerializer.SerializeToNode(element),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        float f => JsonValue.Create(f),
        short s => JsonValue.Create(s),
        byte b => JsonValue.Create(b),
        uint u => JsonValue.Create(u),
        ulong u => JsonValue.Create(u),
        DateTimeOffset dto => Date(dto),
        DateTime dt => Date(dt),
        Guid g => JsonValue.Create(g.ToString()),
        IEnumerable sequence => new JsonArray([.. sequence.Cast<object?>().Select(From)]),
        _ => throw new ArgumentException($"A value of type {value.GetType().Name} cannot be sent to Wix Data; pass a JsonNode.", nameof(value)),
    };
}
