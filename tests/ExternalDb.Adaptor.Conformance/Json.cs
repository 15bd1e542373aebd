using System.Globalization;
using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Conformance;

/// <summary>Small JSON helpers so that request bodies read like the protocol document.</summary>
public static class Json
{
    /// <summary>Parses a JSON literal (use raw strings: <c>J("""{"a": 1}""")</c>).</summary>
    public static JsonNode J(string json) => JsonNode.Parse(json)!;

    /// <summary>Parses a JSON object literal.</summary>
    public static JsonObject O(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A date as the protocols carry it: <c>{"$date": "…"}</c>.</summary>
    public static JsonObject Date(string iso) => new() { ["$date"] = iso };

    /// <summary>The string at <paramref name="key"/>, or null.</summary>
    public static string? Str(this JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The array at <paramref name="key"/>; fails the test when absent.</summary>
    public static JsonArray Arr(this JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonArray a ? a
            : throw new Xunit.Sdk.XunitException($"Expected an array at '{key}' in {node?.ToJsonString() ?? "null"}");

    /// <summary>The instant of a <c>{"$date": "…"}</c> value; fails the test when the value is not one.</summary>
    public static DateTimeOffset DateValue(JsonNode? node, string what)
    {
        var text = node.Str("$date")
            ?? throw new Xunit.Sdk.XunitException($"{what} should be {{\"$date\": \"ISO-8601\"}}, was {node?.ToJsonString() ?? "absent"}");
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    /// <summary>Sorted <c>_id</c>s of the items.</summary>
    public static string[] Ids(this JsonArray items) =>
        [.. items.Select(i => i.Str("_id") ?? throw new Xunit.Sdk.XunitException($"Item without _id: {i?.ToJsonString()}")).Order(StringComparer.Ordinal)];

    /// <summary>True when the two JSON values are equal (numbers compared by value).</summary>
    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(Normalise(a), Normalise(b));

    private static JsonNode? Normalise(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => JsonValue.Create(d),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => JsonValue.Create(v.GetValue<double>()),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Normalise(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Normalise)]),
        _ => node?.DeepClone(),
    };
}
