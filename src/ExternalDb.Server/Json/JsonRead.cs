using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Server.Json;

/// <summary>
/// Reads values out of JSON of any origin (parsed from outside or built in code) without throwing: a value of another
/// kind than asked reads as null.
/// </summary>
internal static class JsonRead
{
    /// <summary>A JSON string, or null.</summary>
    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A JSON number as a double, whatever .NET type the node was built from, or null.</summary>
    public static double? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    /// <summary>A JSON number that is a whole number within ±9e15 (exact as a double), or null.</summary>
    public static long? Integer(JsonNode? node) =>
        Number(node) is { } d && d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : null;

    /// <summary>Whether the node is JSON <c>true</c>.</summary>
    public static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>The member <paramref name="name"/> of an object; null for anything else (the indexer throws on arrays and values).</summary>
    public static JsonNode? Member(JsonNode? node, string name) => (node as JsonObject)?[name];
}
