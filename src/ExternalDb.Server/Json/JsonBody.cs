using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using ExternalDb.Server.Errors;

namespace ExternalDb.Server.Json;

/// <summary>
/// Reads JSON that comes from outside (request bodies, <c>.r</c> messages, cursors, adaptor answers) within a size
/// bound, reporting what is wrong without echoing the content.
/// </summary>
internal static class JsonBody
{
    public const int DefaultMaxBytes = 1024 * 1024;
    public const int DefaultMaxDepth = 64;

    public static async Task<(JsonNode? Node, FieldViolation? Problem)> ReadAsync(HttpRequest request, CancellationToken ct, int maxBytes = DefaultMaxBytes)
    {
        if (await BoundedBody.ReadAsync(request.Body, request.ContentLength, maxBytes, ct) is not { } body)
        {
            return (null, new FieldViolation("body", $"must be at most {maxBytes} bytes", "MAX_LENGTH"));
        }
        if (body.Length == 0)
        {
            return (null, new FieldViolation("body", "is required: send a JSON object", "REQUIRED"));
        }
        return Parse(body.Span);
    }

    /// <summary>
    /// Parses UTF-8 JSON and checks all of it at once: every string and property name must be valid Unicode text
    /// and every number must fit a double. <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/>
    /// alone accepts both invalid UTF-8 and escaped lone surrogates (<c>"\ud800"</c>) and numbers such as <c>1e400</c>;
    /// the first throw only when a string is read or written later, the last reach an adaptor as ±Infinity.
    /// </summary>
    /// <param name="utf8">The JSON text.</param>
    /// <param name="root">How the whole text is named in a problem (<c>body</c>, <c>.r</c>, ...); problems inside it are named by their path.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <param name="finiteNumbers">
    /// Whether numbers beyond a double are refused. Adaptor answers pass false: a row another tool wrote stays readable,
    /// its number passed on as the adaptor wrote it.
    /// </param>
    public static (JsonNode? Node, FieldViolation? Problem) Parse(ReadOnlySpan<byte> utf8, string root = "body", int maxDepth = DefaultMaxDepth, bool finiteNumbers = true)
    {
        try
        {
            if (Check(utf8, root, maxDepth, finiteNumbers) is { } problem)
            {
                return (null, problem);
            }
            return (JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false }), null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            var what = e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) ? "repeats a property name" : "is not valid JSON";
            return (null, new FieldViolation(root, $"{what}{where}", "FORMAT"));
        }
    }

    private const string InvalidText = "is not valid text: invalid UTF-8 or a lone UTF-16 surrogate";

    /// <summary>Walks every token; the path of the open containers is kept to name the offending field.</summary>
    private static FieldViolation? Check(ReadOnlySpan<byte> utf8, string root, int maxDepth, bool finiteNumbers)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth });
        var path = new List<Segment>();
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                path.RemoveAt(path.Count - 1);
                continue;
            }
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!IsValidText(ref reader))
                {
                    return new FieldViolation(Name(path, root, utf8), "has a property name that " + InvalidText, "FORMAT");
                }
                path[^1] = path[^1] with { NameStart = (int)reader.TokenStartIndex + 1, NameLength = reader.ValueSpan.Length };
                continue;
            }
            if (path.Count > 0 && path[^1].IsArray)
            {
                path[^1] = path[^1] with { Index = path[^1].Index + 1 };
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    path.Add(new Segment(IsArray: false, Index: -1, NameStart: -1, NameLength: 0));
                    break;
                case JsonTokenType.StartArray:
                    path.Add(new Segment(IsArray: true, Index: -1, NameStart: -1, NameLength: 0));
                    break;
                case JsonTokenType.String when !IsValidText(ref reader):
                    return new FieldViolation(Name(path, root, utf8), InvalidText, "FORMAT");
                case JsonTokenType.Number when finiteNumbers && !(reader.TryGetDouble(out var number) && double.IsFinite(number)):
                    return new FieldViolation(Name(path, root, utf8), "must be a finite number (at most about ±1.8e308)", "MAX_VALUE");
            }
        }
        return null;
    }

    private static bool IsValidText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }
        var chars = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            reader.CopyString(chars);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>A container on the path: an array and its current index, or an object and its current property name.</summary>
    private readonly record struct Segment(bool IsArray, int Index, int NameStart, int NameLength);

    private static string Name(List<Segment> path, string root, ReadOnlySpan<byte> utf8)
    {
        var name = new StringBuilder();
        foreach (var segment in path)
        {
            if (segment.IsArray)
            {
                if (segment.Index >= 0)
                {
                    name.Append('[').Append(segment.Index).Append(']');
                }
            }
            else if (segment.NameStart >= 0)
            {
                // Property names on the path were checked already; long ones are cut so an answer stays small.
                var key = Encoding.UTF8.GetString(utf8.Slice(segment.NameStart, segment.NameLength));
                name.Append(name.Length > 0 ? "." : "").Append(key.Length > 64 ? key[..(char.IsHighSurrogate(key[63]) ? 63 : 64)] + "…" : key);
            }
        }
        return name.Length == 0 ? root : name.ToString();
    }
}
