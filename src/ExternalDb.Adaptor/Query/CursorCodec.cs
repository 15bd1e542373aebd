using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Query;

/// <summary>
/// Opaque cursors: base64url of <c>{k: kind, r: original request, o: next offset}</c> plus an HMAC, so a
/// cursor cannot be forged or altered. The key is per process: cursors do not survive a restart.
/// </summary>
internal sealed class CursorCodec
{
    private const int MaxCursorLength = 256 * 1024;
    private readonly byte[] _key;

    public CursorCodec() : this(RandomNumberGenerator.GetBytes(32))
    {
    }

    public CursorCodec(byte[] key) => _key = key;

    public string Encode(string kind, JsonObject request, int offset)
    {
        var payload = new JsonObject { ["k"] = kind, ["r"] = request.DeepClone(), ["o"] = offset };
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        return Base64UrlEncoder.Encode(bytes) + "." + Base64UrlEncoder.Encode(Mac(bytes));
    }

    public (JsonObject Request, int Offset) Decode(string cursor, string kind)
    {
        var bad = AdaptorException.Validation("cursorPaging.cursor", "The cursor is not valid");
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (cursor.Length > MaxCursorLength || dot <= 0)
        {
            throw bad;
        }
        try
        {
            var bytes = Base64UrlEncoder.DecodeBytes(cursor[..dot]);
            var mac = Base64UrlEncoder.DecodeBytes(cursor[(dot + 1)..]);
            if (!CryptographicOperations.FixedTimeEquals(mac, Mac(bytes)))
            {
                throw bad;
            }
            var payload = JsonNode.Parse(bytes) as JsonObject;
            if (payload?["k"]?.GetValue<string>() != kind || payload["r"] is not JsonObject request || payload["o"] is not JsonValue o)
            {
                throw bad;
            }
            return ((JsonObject)request.DeepClone(), o.GetValue<int>());
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw bad;
        }
    }

    private byte[] Mac(byte[] bytes) => HMACSHA256.HashData(_key, bytes);
}
