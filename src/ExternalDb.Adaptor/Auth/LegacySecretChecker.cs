using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Auth;

/// <summary>Checks <c>requestContext.settings.secretKey</c> of legacy (V1/V2) calls in constant time.</summary>
internal sealed class LegacySecretChecker(IOptions<AdaptorOptions> options)
{
    public void Check(JsonObject body)
    {
        var configured = options.Value.SecretKey;
        if (string.IsNullOrEmpty(configured))
        {
            throw AdaptorException.Unauthorized("legacy access is not configured");
        }
        var given = body["requestContext"]?["settings"]?["secretKey"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (given is null)
        {
            throw AdaptorException.Unauthorized("missing requestContext.settings.secretKey");
        }
        // Hashing first makes the comparison independent of the lengths as well.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw AdaptorException.Unauthorized("Provided secret key does not match");
        }
    }
}
