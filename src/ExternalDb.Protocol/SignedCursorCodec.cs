using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Protocol;

/// <summary>
/// Opaque paging cursors that cannot be forged or altered: base64url of a JSON payload, a dot, and base64url of the
/// payload's HMAC-SHA256 under a key only their maker holds. The reference adaptor and the server's gateway each mint
/// theirs with it.
/// </summary>
public sealed class SignedCursorCodec
{
    /// <summary>The longest cursor read; a longer one is refused before it is decoded.</summary>
    public const int MaxCursorLength = 256 * 1024;

    private readonly byte[] _key;

    /// <summary>A codec with <paramref name="key"/> (at least 32 bytes).</summary>
    public SignedCursorCodec(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("A cursor key has at least 32 bytes.", nameof(key));
        }
        _key = key;
    }

    /// <summary>A codec with a random key: its cursors are valid for this process only.</summary>
    public static SignedCursorCodec WithRandomKey() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The cursor of <paramref name="payload"/>.</summary>
    public string Encode(JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        return Base64Url.EncodeToString(bytes) + "." + Base64Url.EncodeToString(Mac(bytes));
    }

    /// <summary>The payload of <paramref name="cursor"/>, or null when it is not a cursor made with this key (altered, forged, garbage).</summary>
    public JsonObject? Decode(string? cursor)
    {
        var dot = cursor?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (cursor is null || cursor.Length > MaxCursorLength || dot <= 0)
        {
            return null;
        }
        try
        {
            var bytes = Base64Url.DecodeFromChars(cursor.AsSpan(0, dot));
            var mac = Base64Url.DecodeFromChars(cursor.AsSpan(dot + 1));
            return CryptographicOperations.FixedTimeEquals(mac, Mac(bytes)) ? JsonNode.Parse(bytes) as JsonObject : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private byte[] Mac(byte[] bytes) => HMACSHA256.HashData(_key, bytes);
}
