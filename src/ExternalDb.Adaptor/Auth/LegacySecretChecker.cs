using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Requests;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Auth;

/// <summary>
/// Checks <c>requestContext.settings.secretKey</c> of legacy (V1/V2) calls in constant time. It runs before the body is
/// interpreted and reads nothing else: a path that is missing, not an object, given twice, or a secret that is not text
/// are all "no secret" (401).
/// </summary>
internal sealed class LegacySecretChecker(IOptions<AdaptorOptions> options)
{
    public void Check(JsonElement body)
    {
        var configured = options.Value.SecretKey;
        if (string.IsNullOrEmpty(configured))
        {
            throw AdaptorException.Unauthorized("legacy access is not configured");
        }
        var given = SecretOf(body) ?? throw AdaptorException.Unauthorized("missing requestContext.settings.secretKey");
        // Hashing first makes the comparison independent of the lengths as well.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        var actual = Utf8(given) is { } bytes ? SHA256.HashData(bytes) : null;
        if (actual is null || !CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw AdaptorException.Unauthorized("Provided secret key does not match");
        }
    }

    /// <summary>The secret, or null when the body does not hold exactly one secret given as a string.</summary>
    private static JsonElement? SecretOf(JsonElement body) =>
        Single(body, "requestContext") is { } context && Single(context, "settings") is { } settings
        && Single(settings, "secretKey") is { ValueKind: JsonValueKind.String } secret ? secret : null;

    /// <summary>The UTF-8 bytes of a string element; null for text that is not Unicode (it cannot equal the configured secret).</summary>
    private static byte[]? Utf8(JsonElement text)
    {
        try
        {
            return Encoding.UTF8.GetBytes(text.GetString()!);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The one property <paramref name="name"/> of an object; null when absent, given twice or not in an object.</summary>
    private static JsonElement? Single(JsonElement element, string name) =>
        RequestJson.Property(element, name, out var value) == 1 ? value : null;
}
