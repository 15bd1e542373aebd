using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;

namespace ExternalDb.Server.Gateway;

/// <summary>Reads gateway request bodies: JSON bodies, GET query strings and the SDK's <c>.r</c> form.</summary>
public static class GatewayRequest
{
    public const int MaxBodyBytes = 32 * 1024 * 1024;
    public const int MaxPageSize = 1000;
    public const int DefaultPageSize = 50;
    public const int MaxBulkItems = 1000;

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
    /// <summary>
    /// A catch-all path value with its slashes: the server decodes every escape of a path but <c>%2F</c>, which clients
    /// (Scalar, <c>encodeURIComponent</c>) send for the slash of <c>connectionName/collectionId</c>.
    /// </summary>
    public static string PathValue(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

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
            JsonNode? value = key is "fields" ? new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]) : Scalar(values.ToString());
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
        if (Items.Number(node) is { } d && d == Math.Floor(d) && d >= min && d <= max)
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

/// <summary>Offset or cursor paging of a query-like request, as the gateway serves it to every protocol.</summary>
public sealed record PageRequest(int Limit, int Offset, bool CursorMode, JsonObject Request)
{
    /// <summary>
    /// Reads <c>paging</c> / <c>cursorPaging</c> from <paramref name="container"/>. A cursor restores the request it was
    /// made for (the caller sends only the cursor), so <see cref="Request"/> is the effective request.
    /// </summary>
    public static PageRequest Read(JsonObject container, JsonObject request, string fullId, string kind, string path)
    {
        if (container["cursorPaging"] is JsonObject cursorPaging)
        {
            var limit = GatewayRequest.OptionalInt(cursorPaging["limit"], path + "cursorPaging.limit", 0, GatewayRequest.MaxPageSize);
            if (cursorPaging["cursor"] is JsonValue c && c.TryGetValue<string>(out var cursor) && cursor.Length > 0)
            {
                var (restored, offset, cursorLimit) = GatewayCursor.Decode(cursor, fullId, kind, path + "cursorPaging.cursor");
                return new PageRequest(limit is null or 0 ? cursorLimit : limit.Value, offset, true, restored);
            }
            return new PageRequest(limit is null or 0 ? GatewayRequest.DefaultPageSize : limit.Value, 0, true, request);
        }
        var paging = container["paging"] as JsonObject;
        var pageLimit = GatewayRequest.OptionalInt(paging?["limit"], path + "paging.limit", 0, GatewayRequest.MaxPageSize);
        var pageOffset = GatewayRequest.OptionalInt(paging?["offset"], path + "paging.offset", 0, int.MaxValue) ?? 0;
        return new PageRequest(pageLimit is null or 0 ? GatewayRequest.DefaultPageSize : pageLimit.Value, pageOffset, false, request);
    }

    /// <summary>The largest page the collection serves (its <c>maxPageSize</c>).</summary>
    public int MaxPageSize { get; init; } = GatewayRequest.MaxPageSize;

    /// <summary>The page as the collection can serve it: no larger than its <c>maxPageSize</c>.</summary>
    public PageRequest ClampTo(JsonObject schema)
    {
        var max = Math.Clamp((int)(Items.Number(schema["maxPageSize"]) ?? GatewayRequest.DefaultPageSize), 1, GatewayRequest.MaxPageSize);
        return this with { Limit = Math.Min(Limit, max), MaxPageSize = max };
    }

    /// <summary>How many to ask the adaptor for: one more than the page, to learn whether a next page exists.</summary>
    public int FetchLimit => Limit < MaxPageSize ? Limit + 1 : Limit;

    /// <summary>Trims the adaptor's rows to the page and builds <c>pagingMetadata</c>.</summary>
    public (List<JsonNode?> Page, JsonObject Metadata) Finish(JsonArray? rows, int? total, string fullId, string kind)
    {
        var all = rows?.Select(r => r?.DeepClone()).ToList() ?? [];
        var hasNext = total is { } t ? Offset + Math.Min(all.Count, Limit) < t : all.Count > Limit || (FetchLimit == Limit && all.Count == Limit);
        var page = all.Take(Limit).ToList();
        var metadata = new JsonObject { ["count"] = page.Count };
        if (!CursorMode)
        {
            metadata["offset"] = Offset;
            if (total is not null)
            {
                metadata["total"] = total;
            }
        }
        metadata["tooManyToCount"] = false;
        metadata["hasNext"] = hasNext;
        if (CursorMode)
        {
            var cursors = new JsonObject();
            if (hasNext)
            {
                cursors["next"] = GatewayCursor.Encode(fullId, kind, Request, Offset + page.Count, Limit);
            }
            if (Offset > 0)
            {
                cursors["prev"] = GatewayCursor.Encode(fullId, kind, Request, Math.Max(0, Offset - Limit), Limit);
            }
            metadata["cursors"] = cursors;
        }
        return (page, metadata);
    }
}

/// <summary>
/// The gateway's own cursors: base64url JSON holding the request they continue and the next offset. So cursor paging
/// works the same over every protocol, whether or not the adaptor has cursors of its own.
/// </summary>
public static class GatewayCursor
{
    public static string Encode(string fullId, string kind, JsonObject request, int offset, int limit)
    {
        var payload = new JsonObject
        {
            ["v"] = 1,
            ["c"] = fullId,
            ["k"] = kind,
            ["o"] = offset,
            ["l"] = limit,
            ["r"] = request.DeepClone(),
        };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static (JsonObject Request, int Offset, int Limit) Decode(string cursor, string fullId, string kind, string field)
    {
        try
        {
            if (GatewayRequest.ParseBase64UrlJson(cursor, field).Node is JsonObject payload
                && payload["v"]?.GetValue<int>() == 1
                && payload["c"]?.GetValue<string>() == fullId
                && payload["k"]?.GetValue<string>() == kind
                && payload["r"] is JsonObject request
                && payload["o"]?.GetValue<int>() is >= 0 and var offset
                && payload["l"]?.GetValue<int>() is > 0 and <= GatewayRequest.MaxPageSize and var limit)
            {
                return (request.DeepClone().AsObject(), offset, limit);
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
        }
        throw GatewayException.Invalid(field, "is not a cursor of this query", "FORMAT");
    }
}
