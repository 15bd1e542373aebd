using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Server.Errors;

/// <summary>Reads a JSON request body within a size bound, reporting what is wrong without echoing the content.</summary>
public static class JsonBody
{
    public const int DefaultMaxBytes = 1024 * 1024;

    public static async Task<(JsonNode? Node, FieldViolation? Problem)> ReadAsync(HttpRequest request, CancellationToken ct, int maxBytes = DefaultMaxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, new FieldViolation("body", $"must be at most {maxBytes} bytes", "MAX_LENGTH"));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, new FieldViolation("body", $"must be at most {maxBytes} bytes", "MAX_LENGTH"));
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            return (null, new FieldViolation("body", "is required: send a JSON object", "REQUIRED"));
        }
        try
        {
            var node = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
            return (node, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            var what = e.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) ? "repeats a property name" : "is not valid JSON";
            return (null, new FieldViolation("body", $"{what}{where}", "FORMAT"));
        }
    }
}
