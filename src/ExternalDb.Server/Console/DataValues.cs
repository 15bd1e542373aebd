using ExternalDb.Server.Json;
using ExternalDb.Protocol;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Gateway;

namespace ExternalDb.Server.Console;

/// <summary>A field of a collection as the console needs it: key, type and what it can be queried with.</summary>
internal sealed record FieldInfo(string Key, string Type, string DisplayName, bool System, bool Sortable, IReadOnlyList<string> Operators)
{
    public static IReadOnlyList<FieldInfo> Of(JsonObject collection) =>
        [.. (collection["fields"] as JsonArray ?? []).OfType<JsonObject>().Select(f => new FieldInfo(
            JsonRead.Text(f["key"]) ?? "",
            JsonRead.Text(f["type"]) ?? "ANY",
            JsonRead.Text(f["displayName"]) ?? JsonRead.Text(f["key"]) ?? "",
            f["systemField"] is JsonValue s && s.TryGetValue<bool>(out var system) && system,
            f["capabilities"]?["sortable"] is not JsonValue sortable || !sortable.TryGetValue<bool>(out var canSort) || canSort,
            [.. (f["capabilities"]?["queryOperators"] as JsonArray ?? []).Select(JsonRead.Text).OfType<string>()]))];

    /// <summary>The Wix query operators (<c>$eq</c>, ...) the field advertises, in the order the gateway knows them.</summary>
    public IReadOnlyList<string> WixOperators => [.. QueryOperators.AllCapabilities.Where(Operators.Contains).Select(c => QueryOperators.OperatorOf(c)!)];
}

/// <summary>Item values by field type: how they are shown, edited, and written back as Wix Data JSON.</summary>
internal static class DataValues
{
    public static readonly IReadOnlySet<string> JsonTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "OBJECT", "ADDRESS", "RICH_CONTENT", "ARRAY", "ARRAY_STRING", "ARRAY_DOCUMENT", "MEDIA_GALLERY", "MULTI_REFERENCE", "ANY",
    };

    /// <summary>A value as text for a cell: dates in UTC with milliseconds, objects and arrays as compact JSON.</summary>
    public static string Display(JsonNode? value, string type) => value switch
    {
        null => "",
        JsonObject o when o["$date"] is { } date => DateText(JsonRead.Text(date)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        _ => value.ToJsonString(),
    };

    private static string DateText(string? iso) =>
        iso is not null && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? d.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture)
            : iso ?? "";

    /// <summary>The text an editor of <paramref name="type"/> starts with.</summary>
    public static string EditText(JsonNode? value, string type) => type switch
    {
        "DATETIME" => value?["$date"] is { } date && DateTimeOffset.TryParse(JsonRead.Text(date), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? d.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture) : "",
        "BOOLEAN" => value is JsonValue b && b.TryGetValue<bool>(out var flag) && flag ? "true" : "false",
        _ when JsonTypes.Contains(type) => value?.ToJsonString() ?? "",
        _ => value is null ? "" : Display(value, type),
    };

    /// <summary>
    /// The JSON for an editor's text (null: leave the field out); <paramref name="problem"/> says why a text does not fit.
    /// </summary>
    public static JsonNode? FromEdit(string? text, string type, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(text) && type != "BOOLEAN")
        {
            return null;
        }
        switch (type)
        {
            case "BOOLEAN":
                return JsonValue.Create(text == "true");
            case "NUMBER":
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    return JsonNode.Parse(text!.Trim()) is JsonValue parsed && parsed.GetValueKind() == JsonValueKind.Number ? parsed : JsonValue.Create(number);
                }
                problem = "is not a number";
                return null;
            case "DATETIME":
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                {
                    return new JsonObject { ["$date"] = date.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) };
                }
                problem = "is not a date-time";
                return null;
        }
        if (JsonTypes.Contains(type))
        {
            try
            {
                var node = JsonNode.Parse(text!);
                var wantsArray = type.StartsWith("ARRAY", StringComparison.Ordinal) || type is "MEDIA_GALLERY" or "MULTI_REFERENCE";
                if (type != "ANY" && (wantsArray ? node is not JsonArray : node is not JsonObject))
                {
                    problem = wantsArray ? "must be a JSON array" : "must be a JSON object";
                    return null;
                }
                return node;
            }
            catch (JsonException)
            {
                if (type == "ANY")
                {
                    return JsonValue.Create(text);
                }
                problem = "is not valid JSON";
                return null;
            }
        }
        return JsonValue.Create(text);
    }

    /// <summary>The HTML input type of an editor for <paramref name="type"/> (null: a text area for JSON).</summary>
    public static string? InputType(string type) => type switch
    {
        "NUMBER" => "number",
        "DATETIME" => "datetime-local",
        "DATE" => "date",
        "TIME" => "time",
        "URL" => "url",
        _ when JsonTypes.Contains(type) => null,
        _ => "text",
    };
}
