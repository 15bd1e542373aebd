using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>Reads gateway request bodies: JSON bodies, GET query strings and the SDK's <c>.r</c> form.</summary>
internal static class GatewayRequest
{
    public const int MaxBodyBytes = 32 * 1024 * 1024;

    /// <summary>
    /// A value taken from the path (a collection or item id). The server decodes every escape of the path but <c>%2F</c>
    /// (so that an escaped slash cannot split segments): here, inside a value that is the rest of the path, it is a slash.
    /// </summary>
    public static string PathValue(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    public static async Task<JsonObject> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var (node, problem) = await JsonBody.ReadAsync(request, ct, MaxBodyBytes);
        if (problem is not null)
        {
            throw new GatewayException(400, "WDE0075", $"{problem.Field}: {problem.Description}", violations: [problem]);
        }
        return node as JsonObject ?? throw GatewayException.Invalid("body", "must be a JSON object", "FORMAT");
    }

    /// <summary>A GET request's message: the base64url JSON of <c>.r</c>, else the plain query parameters.</summary>

    public static JsonObject ReadQuery(HttpRequest request)
    {
        if (request.Query.TryGetValue(".r", out var encoded) && !string.IsNullOrEmpty(encoded))
        {
            var (node, problem) = ParseBase64UrlJson(encoded.ToString(), ".r");
            if (problem is not null)
            {
                throw new GatewayException(400, "WDE0075", $"{problem.Field}: {problem.Description}", violations: [problem]);
            }
            return node as JsonObject ?? throw GatewayException.Invalid(".r", "must encode a JSON object", "FORMAT");
        }
        var message = new JsonObject();
        foreach (var (key, values) in request.Query)
        {
            JsonNode? value = key is "fields" or "includeReferences" or "includeReferencedItems" ? new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]) : Scalar(values.ToString());
            SetPath(message, key, value);
        }
        return message;
    }

    /// <summary>Base64url (no padding) of UTF-8 JSON, as the SDK's <c>.r</c> and the gateway's cursors are written.</summary>
    internal static (JsonNode? Node, FieldViolation? Problem) ParseBase64UrlJson(string encoded, string field)
    {
        var text = encoded.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        byte[] utf8;
        try
        {
            utf8 = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return (null, new FieldViolation(field, "is not base64url-encoded JSON", "FORMAT"));
        }
        return JsonBody.Parse(utf8, field);
    }

    private static JsonNode? Scalar(string value) => value switch
    {
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && !value.StartsWith('0') => JsonValue.Create(n),
        _ => JsonValue.Create(value),
    };

    private static void SetPath(JsonObject root, string dotted, JsonNode? value)
    {
        var parts = dotted.Split('.');
        var current = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (current[parts[i]] is not JsonObject next)
            {
                next = new JsonObject();
                current[parts[i]] = next;
            }
            current = next;
        }
        current[parts[^1]] = value;
    }

    public static string RequiredString(JsonObject body, string field, string? path = null)
    {
        return body[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
            ? s
            : throw GatewayException.Invalid(path ?? field, body[field] is null ? "is required" : "must be a non-empty string", body[field] is null ? "REQUIRED" : "FORMAT");
    }

    public static string? OptionalString(JsonObject body, string field)
    {
        return body[field] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw GatewayException.Invalid(field, "must be a string", "FORMAT"),
        };
    }

    public static bool Flag(JsonObject body, string field) =>
        body[field] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static int? OptionalInt(JsonNode? node, string field, int min, int max)
    {
        if (node is null)
        {
            return null;
        }
        if (JsonRead.Number(node) is { } d && d == Math.Floor(d) && d >= min && d <= max)
        {
            return (int)d;
        }
        if (node is JsonValue s && s.TryGetValue<string>(out var text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }
        throw GatewayException.Invalid(field, $"must be a whole number from {min} to {max}", "OTHER");
    }

    public static JsonArray RequiredArray(JsonObject body, string field, int maxItems)
    {
        if (body[field] is not JsonArray array || array.Count == 0)
        {
            throw GatewayException.Invalid(field, "must be a non-empty array", body[field] is null ? "REQUIRED" : "FORMAT");
        }
        if (array.Count > maxItems)
        {
            throw GatewayException.Invalid(field, $"must hold at most {maxItems} entries", "MAX_LENGTH");
        }
        return array;
    }
}
