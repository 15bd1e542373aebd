using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Query;

/// <summary>Where a cursor continues: the request it was made for, the offset of its page, and (keyset) the last row's sort values.</summary>
internal sealed record CursorPosition(JsonObject Request, int Offset, IReadOnlyList<object?>? After);

/// <summary>
/// Opaque, stateless cursors: <c>{k: kind, r: original request, o: offset, a: sort values of the last row}</c>, signed
/// with <see cref="SignedCursorCodec"/> so a cursor cannot be forged or altered and no process keeps anything: any
/// adaptor with the same key continues any cursor. The key is <c>Adaptor:CursorKey</c>, or derived from the
/// configuration (see <see cref="KeyFor"/>).
/// </summary>
internal sealed class CursorCodec(byte[] key)
{
    /// <summary>The smallest <c>Adaptor:CursorKey</c> accepted, in bytes.</summary>
    public const int MinKeyBytes = 32;

    private readonly SignedCursorCodec _codec = new(key);

    public string Encode(string kind, JsonObject request, int offset, IReadOnlyList<object?>? after = null)
    {
        var payload = new JsonObject { ["k"] = kind, ["r"] = request.DeepClone(), ["o"] = offset };
        if (after is not null)
        {
            payload["a"] = new JsonArray([.. after.Select(EncodeValue)]);
        }
        return _codec.Encode(payload);
    }

    public CursorPosition Decode(string cursor, string kind)
    {
        var bad = AdaptorException.Validation("cursorPaging.cursor", "The cursor is not valid");
        var payload = _codec.Decode(cursor) ?? throw bad;
        try
        {
            if (payload["k"] is not JsonValue k || !k.TryGetValue<string>(out var madeFor) || madeFor != kind
                || payload["r"] is not JsonObject request || payload["o"] is not JsonValue o || !o.TryGetValue<int>(out var offset))
            {
                throw bad;
            }
            var after = payload["a"] is JsonArray a ? a.Select(DecodeValue).ToList() : null;
            return new CursorPosition((JsonObject)request.DeepClone(), offset, after);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw bad;
        }
    }

    // A sort value with its type, so that the next page binds it as the column's type: [tag, value].
    private static JsonNode? EncodeValue(object? value) => value switch
    {
        null => null,
        bool b => new JsonArray("b", b),
        long or int or short or byte => new JsonArray("i", Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        double or float or decimal => new JsonArray("n", Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        DateTime d => new JsonArray("d", d.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset d => new JsonArray("d", d.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        _ => new JsonArray("s", Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static object? DecodeValue(JsonNode? node) => node switch
    {
        null => null,
        JsonArray { Count: 2 } pair when pair[0] is JsonValue tag && pair[1] is JsonValue value => tag.GetValue<string>() switch
        {
            "b" => value.GetValue<bool>(),
            "i" => value.GetValue<long>(),
            "n" => value.GetValue<double>(),
            "d" => DateTime.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            "s" => value.GetValue<string>(),
            _ => throw new FormatException("unknown cursor value"),
        },
        _ => throw new FormatException("bad cursor value"),
    };

    /// <summary>
    /// The HMAC key: <c>Adaptor:CursorKey</c> (base64, at least <see cref="MinKeyBytes"/> bytes) when set; otherwise
    /// HKDF-SHA256 of the settings that hold secrets and identify the deployment (engine, connection string, legacy
    /// secret, audience, V3 keys), so that replicas started with the same configuration agree on it.
    /// </summary>
    public static byte[] KeyFor(AdaptorOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.CursorKey))
        {
            return Convert.FromBase64String(options.CursorKey.Trim());
        }
        var material = string.Join("\n",
            [options.EngineName, options.EffectiveConnectionString, options.SecretKey ?? "", options.Audience ?? "", .. options.ConfiguredKeys.Select(k => k.Trim())]);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(material), 32,
            salt: [], info: "ExternalDb.Adaptor cursor key v1"u8.ToArray());
    }
}
