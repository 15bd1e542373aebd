using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Server.Tests.Infrastructure;

/// <summary>
/// What a V3 adaptor does with a request body: verify the compact JWT (ES256 only) with the connection's public key,
/// audience and issuer. Invalid tokens are answered 401, as adaptors do.
/// </summary>
public sealed class SignedRequestVerifier
{
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly ConcurrentQueue<JsonObject> _payloads = new();
    private volatile TokenValidationParameters? _parameters;

    /// <summary>Payloads of the requests that passed verification.</summary>
    public IReadOnlyList<JsonObject> VerifiedPayloads => [.. _payloads];

    /// <summary>Trusts tokens signed by <paramref name="publicKey"/> (base64 DER SPKI) for <paramref name="audience"/> from <paramref name="issuer"/>.</summary>
    public SignedRequestVerifier Trust(string publicKey, string audience, string issuer = "wix.com")
    {
        _parameters = Parameters(publicKey, audience, issuer);
        return this;
    }

    public static TokenValidationParameters Parameters(string publicKey, string audience, string issuer)
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey), out _);
        return new TokenValidationParameters
        {
            IssuerSigningKey = new ECDsaSecurityKey(key),
            ValidAudience = audience,
            ValidIssuer = issuer,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(5),
        };
    }

    /// <summary>Whether <paramref name="token"/> is valid for the given key, audience and issuer.</summary>
    public static async Task<bool> IsValidAsync(string token, string publicKey, string audience, string issuer = "wix.com") =>
        (await Handler.ValidateTokenAsync(token, Parameters(publicKey, audience, issuer))).IsValid;

    /// <summary>Runs <paramref name="inner"/> only for requests whose body is a valid token; answers 401 otherwise.</summary>
    public AdaptorHandler Verified(AdaptorHandler inner) => async (context, request, ct) =>
    {
        var parameters = _parameters;
        var valid = parameters is not null && (await Handler.ValidateTokenAsync(request.Body, parameters)).IsValid;
        if (!valid)
        {
            await Answers.Json("""{"errorCode": "UNAUTHORIZED", "data": {"description": "invalid token"}}""", 401)(context, request, ct);
            return;
        }
        _payloads.Enqueue(Jwt.Payload(request.Body));
        await inner(context, request, ct);
    };
}

/// <summary>Reads the parts of a compact JWT without verifying it.</summary>
public static class Jwt
{
    public static JsonObject Header(string token) => Part(token, 0);

    public static JsonObject Payload(string token) => Part(token, 1);

    private static JsonObject Part(string token, int index)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        return JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[index])))!.AsObject();
    }
}

public static class V3Answers
{
    public const string Capabilities = """{"supportsCollectionModifications": true, "supportedFieldTypes": ["TEXT", "NUMBER"]}""";

    public const string OneCollection = """
        {"collections": [{"id": "products", "fields": [{"key": "_id", "type": "TEXT"}, {"key": "price", "type": "NUMBER"}],
          "capabilities": {"dataOperations": ["QUERY", "INSERT"]}}]}
        """;

    /// <summary>Serves capabilities and collections, behind <paramref name="verifier"/> when given.</summary>
    public static FakeAdaptor AsV3(this FakeAdaptor adaptor, SignedRequestVerifier? verifier,
        string capabilities = Capabilities, string collections = OneCollection)
    {
        AdaptorHandler Wrap(AdaptorHandler h) => verifier is null ? h : verifier.Verified(h);
        return adaptor.On("/v3/capabilities/get", Wrap(Answers.Json(capabilities)))
            .On("/v3/collections/get", Wrap(Answers.Json(collections)));
    }
}
