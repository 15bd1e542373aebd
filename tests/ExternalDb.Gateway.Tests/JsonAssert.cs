using System.Text.Json.Nodes;

namespace ExternalDb.Gateway.Tests;

internal static class JsonAssert
{
    /// <summary>Asserts that two JSON texts/nodes are equal as JSON (key order ignored), showing both on failure.</summary>
    public static void Equal(string expected, JsonNode? actual) => Equal(JsonNode.Parse(expected), actual);

    public static void Equal(JsonNode? expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {expected?.ToJsonString() ?? "null"}\nActual:   {actual?.ToJsonString() ?? "null"}");
        }
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
