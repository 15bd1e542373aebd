using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Query;

/// <summary>
/// The adaptor's cursors: <c>{k: kind, r: original request, o: next offset}</c>, signed (<see cref="SignedCursorCodec"/>)
/// so a cursor cannot be forged or altered. The key is per process: cursors do not survive a restart.
/// </summary>
internal sealed class CursorCodec(SignedCursorCodec codec)
{
    public CursorCodec() : this(SignedCursorCodec.WithRandomKey())
    {
    }

    public CursorCodec(byte[] key) : this(new SignedCursorCodec(key))
    {
    }

    public string Encode(string kind, JsonObject request, int offset) =>
        codec.Encode(new JsonObject { ["k"] = kind, ["r"] = request.DeepClone(), ["o"] = offset });

    public (JsonObject Request, int Offset) Decode(string cursor, string kind)
    {
        if (codec.Decode(cursor) is { } payload && Text(payload["k"]) == kind && payload["r"] is JsonObject request
            && payload["o"] is JsonValue o && o.TryGetValue<int>(out var offset))
        {
            return ((JsonObject)request.DeepClone(), offset);
        }
        throw AdaptorException.Validation("cursorPaging.cursor", "The cursor is not valid");
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
