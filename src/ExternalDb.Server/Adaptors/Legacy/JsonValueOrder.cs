using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// Orders JSON values the way the gateway sorts what it computes itself (distinct values, aggregation rows): by kind
/// first (missing/null, numbers, strings, objects, arrays, booleans, dates), then numbers numerically, strings
/// ordinally, <c>{"$date"}</c> objects by instant, and anything else by its JSON text.
/// </summary>
internal sealed class JsonValueOrder : IComparer<JsonNode?>
{
    public static readonly JsonValueOrder Instance = new();

    public int Compare(JsonNode? x, JsonNode? y)
    {
        var (kx, ky) = (Kind(x), Kind(y));
        if (kx != ky)
        {
            return kx.CompareTo(ky);
        }
        return kx switch
        {
            ValueKind.Null => 0,
            ValueKind.Number => JsonRead.Number(x)!.Value.CompareTo(JsonRead.Number(y)!.Value),
            ValueKind.String => string.CompareOrdinal(JsonRead.Text(x), JsonRead.Text(y)),
            ValueKind.Boolean => JsonRead.IsTrue(x).CompareTo(JsonRead.IsTrue(y)),
            ValueKind.Date => CompareDates(x![QueryOperators.DateKey], y![QueryOperators.DateKey]),
            _ => string.CompareOrdinal(x!.ToJsonString(), y!.ToJsonString()),
        };
    }

    private enum ValueKind { Null, Number, String, Object, Array, Boolean, Date }

    private static ValueKind Kind(JsonNode? node) => node switch
    {
        null => ValueKind.Null,
        JsonObject when QueryOperators.IsDate(node) => ValueKind.Date,
        JsonObject => ValueKind.Object,
        JsonArray => ValueKind.Array,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.Number => ValueKind.Number,
            JsonValueKind.String => ValueKind.String,
            JsonValueKind.True or JsonValueKind.False => ValueKind.Boolean,
            _ => ValueKind.Null,
        },
        _ => ValueKind.Null,
    };

    private static int CompareDates(JsonNode? x, JsonNode? y)
    {
        var (dx, dy) = (Instant(x), Instant(y));
        return dx is not null && dy is not null
            ? dx.Value.CompareTo(dy.Value)
            : string.CompareOrdinal(x?.ToJsonString(), y?.ToJsonString());
    }

    private static DateTimeOffset? Instant(JsonNode? value)
    {
        if (JsonRead.Text(value) is { } text)
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
        }
        return JsonRead.Integer(value) is { } ms && ms is > -62135596800000 and < 253402300800000
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }
}
