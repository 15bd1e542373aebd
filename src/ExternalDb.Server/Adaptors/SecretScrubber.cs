using System.Text.Json.Nodes;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// Keeps a connection's configuration values out of what the gateway passes on from its adaptor. Legacy adaptors get
/// the configuration with every call, and one that echoes its request in an error message would otherwise hand the
/// secret to a caller who may only read data.
/// </summary>
internal static class SecretScrubber
{
    private const string Redacted = "[redacted]";
    private const int MaxMessageLength = 1000;

    /// <summary>The configuration's string values worth hiding (short values such as "1" or "on" are not secrets).</summary>
    public static IReadOnlyList<string> SecretsOf(JsonObject? configuration)
    {
        var secrets = new List<string>();
        Collect(configuration, secrets);
        return [.. secrets.Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];

        static void Collect(JsonNode? node, List<string> into)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (_, value) in o)
                    {
                        Collect(value, into);
                    }
                    break;
                case JsonArray a:
                    foreach (var value in a)
                    {
                        Collect(value, into);
                    }
                    break;
                case JsonValue v when v.TryGetValue<string>(out var s) && s.Length >= 4:
                    into.Add(s);
                    break;
            }
        }
    }

    public static string Scrub(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Redacted, StringComparison.Ordinal);
        }
        return text.Length > MaxMessageLength ? text[..MaxMessageLength] + "…" : text;
    }

    public static JsonNode? Scrub(JsonNode? node, IReadOnlyList<string> secrets) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Scrub(p.Value, secrets)))),
        JsonArray a => new JsonArray([.. a.Select(v => Scrub(v, secrets))]),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Scrub(s, secrets)),
        _ => node.DeepClone(),
    };
}
