using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;

namespace ExternalDb.Adaptor.Requests;

/// <summary>
/// Turns a parsed request into <see cref="JsonNode"/>s the operations can read without surprises: a key given twice,
/// text that is not Unicode (a lone surrogate, invalid UTF-8) and a number outside the range of a double (JSON has no
/// Infinity or NaN, but <c>1e400</c> parses to one) are each a VALIDATION_ERROR naming the field, before anything runs.
/// </summary>
internal static class RequestJson
{
    /// <summary>Options of every request parse: the default depth limit, no comments or trailing commas.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Parses UTF-8 JSON; a body that is not JSON is a VALIDATION_ERROR on <paramref name="what"/>.</summary>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, string what)
    {
        try
        {
            return JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException)
        {
            throw AdaptorException.Validation(what, $"The {what} is not JSON");
        }
    }

    /// <summary>
    /// How many times the object <paramref name="element"/> holds the key <paramref name="name"/> (0 when it is not an
    /// object); <paramref name="value"/> is the last one. A key that is not text (an escaped lone surrogate) equals no
    /// name: comparing an escaped key unescapes it, which throws on such text.
    /// </summary>
    public static int Property(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }
        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            if (NameEquals(property, name))
            {
                value = property.Value;
                count++;
            }
        }
        return count;
    }

    private static bool NameEquals(JsonProperty property, string name)
    {
        try
        {
            return property.NameEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The element as a checked node; <paramref name="path"/> names the element in errors ("" for the request itself).</summary>
    public static JsonNode? ToNode(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => ToObject(element, path),
        JsonValueKind.Array => ToArray(element, path),
        JsonValueKind.String => JsonValue.Create(Text(element, path)),
        JsonValueKind.Number => Number(element, path),
        JsonValueKind.True => JsonValue.Create(true),
        JsonValueKind.False => JsonValue.Create(false),
        _ => null,
    };

    private static JsonObject ToObject(JsonElement element, string path)
    {
        var result = new JsonObject();
        foreach (var property in element.EnumerateObject())
        {
            var name = Name(property, path);
            var childPath = Child(path, name);
            if (result.ContainsKey(name))
            {
                throw AdaptorException.Validation(childPath, $"{childPath} is given twice");
            }
            result.Add(name, ToNode(property.Value, childPath));
        }
        return result;
    }

    private static JsonArray ToArray(JsonElement element, string path)
    {
        var result = new JsonArray();
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            result.Add(ToNode(item, $"{path}[{i++}]"));
        }
        return result;
    }

    /// <summary>The text of a string element; text that is not Unicode is a VALIDATION_ERROR.</summary>
    public static string Text(JsonElement element, string path)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw NotUnicode(path);
        }
    }

    private static string Name(JsonProperty property, string path)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw NotUnicode(path);
        }
    }

    private static JsonNode Number(JsonElement element, string path)
    {
        if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw AdaptorException.Validation(path, $"{Label(path)} is not a finite number (JSON has no Infinity or NaN)", element.GetRawText());
        }
        // The clone keeps the number as it was written (e.g. 12345678901234567890, 1.50) and outlives the document.
        return JsonValue.Create(element.Clone())!;
    }

    private static AdaptorException NotUnicode(string path) =>
        AdaptorException.Validation(path, $"{Label(path)} holds text that is not valid Unicode (a lone surrogate or invalid UTF-8)");

    private static string Label(string path) => path.Length == 0 ? "The request" : path;

    private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
