using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Requests;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Auth;

/// <summary>
/// Verifies a V3 body (a compact JWT): reads <c>aud</c> unverified, resolves the keys for it, then checks
/// signature (ES256/RS256 only), <c>iss</c>, <c>aud</c>, <c>iat</c> and <c>exp</c>. Every failure is UNAUTHORIZED.
/// </summary>
internal sealed class V3RequestVerifier(IV3KeyResolver resolver, IOptions<AdaptorOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    // The library refuses tokens over 250 KB by default; the body limit is the one that applies (a token is the body).
    private readonly JsonWebTokenHandler _handler = new()
    {
        MaximumTokenSizeInBytes = (int)Math.Min(int.MaxValue, options.Value.MaxRequestBodyBytes),
    };

    /// <summary>
    /// Verifies the token and returns <c>data.request</c> checked by <see cref="RequestJson"/> (null when absent); a
    /// request that fails those checks is a VALIDATION_ERROR with paths relative to the request.
    /// </summary>
    public async Task<JsonNode?> VerifyAsync(string body, CancellationToken ct)
    {
        var token = ExtractToken(body);
        JsonWebToken unverified;
        try
        {
            unverified = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            throw AdaptorException.Unauthorized("the body is not a compact JWT");
        }
        V3Keys? keys = null;
        string? audience = null;
        foreach (var aud in unverified.Audiences)
        {
            keys = await resolver.ResolveAsync(aud, ct).ConfigureAwait(false);
            if (keys is { Keys.Count: > 0 })
            {
                audience = aud;
                break;
            }
        }
        if (audience is null || keys is null)
        {
            throw AdaptorException.Unauthorized("unknown audience");
        }
        // The token read above is validated as it is (not read again from the text).
        var result = await _handler.ValidateTokenAsync(unverified, Parameters(keys, audience)).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            throw AdaptorException.Unauthorized(Describe(result.Exception));
        }
        if (!jwt.TryGetPayloadValue<long>("iat", out var iat))
        {
            throw AdaptorException.Unauthorized("the token has no iat claim");
        }
        if (DateTimeOffset.FromUnixTimeSeconds(iat) > time.GetUtcNow() + Skew)
        {
            throw AdaptorException.Unauthorized("the token was issued in the future");
        }
        return RequestOf(jwt);
    }

    // One set of parameters per key set and audience, made once: building them per request cost as much as the checks.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<V3Keys, System.Collections.Concurrent.ConcurrentDictionary<string, TokenValidationParameters>> _parameters = [];

    private TokenValidationParameters Parameters(V3Keys keys, string audience) =>
        _parameters.GetOrCreateValue(keys).GetOrAdd(audience, aud => new TokenValidationParameters
        {
            ValidIssuer = options.Value.Issuer,
            ValidAudience = aud,
            IssuerSigningKeys = keys.Keys,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = true,
            ClockSkew = Skew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e.ToUniversalTime() + Skew >= now && (notBefore is null || notBefore.Value.ToUniversalTime() - Skew <= now);
            },
        });

    private static JsonNode? RequestOf(JsonWebToken jwt)
    {
        JsonDocument payload;
        try
        {
            payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload), RequestJson.DocumentOptions);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw AdaptorException.Unauthorized("the token payload is not JSON");
        }
        using (payload)
        {
            if (Single(payload.RootElement, "data") is not { } data)
            {
                return null;
            }
            if (data.ValueKind != JsonValueKind.String)
            {
                return Single(data, "request") is { } request ? RequestJson.ToNode(request, "") : null;
            }
            // Some senders put data in as a JSON string.
            using var inner = RequestJson.ParseDocument(System.Text.Encoding.UTF8.GetBytes(RequestJson.Text(data, "data")), "data");
            return Single(inner.RootElement, "request") is { } innerRequest ? RequestJson.ToNode(innerRequest, "") : null;
        }
    }

    /// <summary>The property <paramref name="name"/> of an object element (null when absent or not an object); given twice, a VALIDATION_ERROR.</summary>
    private static JsonElement? Single(JsonElement element, string name) => RequestJson.Property(element, name, out var value) switch
    {
        0 => null,
        1 => value,
        _ => throw AdaptorException.Validation(name, $"{name} is given twice"),
    };

    private static string ExtractToken(string body)
    {
        var text = body.Trim();
        if (text.StartsWith('"'))
        {
            try
            {
                text = JsonSerializer.Deserialize<string>(text) ?? "";
            }
            catch (JsonException)
            {
                throw AdaptorException.Unauthorized("the body is not a compact JWT");
            }
        }
        if (text.Length == 0 || text.Count(c => c == '.') != 2)
        {
            throw AdaptorException.Unauthorized("the body is not a compact JWT");
        }
        return text.Trim();
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token has another issuer",
        SecurityTokenInvalidAlgorithmException => "the token's algorithm is not ES256 or RS256",
        SecurityTokenInvalidLifetimeException => "the token has expired or has no exp claim",
        SecurityTokenNoExpirationException => "the token has no exp claim",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the signature does not verify",
        SecurityTokenInvalidSigningKeyException => "the signature does not verify",
        _ => "the token is not valid",
    };
}
