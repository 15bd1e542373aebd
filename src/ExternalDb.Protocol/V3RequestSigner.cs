using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Protocol;

/// <summary>
/// Signs V3 adaptor requests: the whole HTTP body is a compact ES256 JWT whose claims are
/// <c>{iss, aud, iat, exp, data: {request, metadata}}</c>, sent as <c>text/plain</c>.
/// </summary>
public static class V3RequestSigner
{
    /// <summary>How long a signed request stays valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Makes a new ECDSA P-256 key pair for a connection.</summary>
    public static ECDsa CreateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public half as the connection shows it: base64 of the DER SubjectPublicKeyInfo.</summary>
    public static string ExportPublicKey(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>Signs <paramref name="request"/> for the adaptor of one connection.</summary>
    /// <param name="privateKey">The connection's private key.</param>
    /// <param name="issuer">The <c>iss</c> claim (<c>wix.com</c> by default, what existing adaptors check).</param>
    /// <param name="audience">The <c>aud</c> claim: the connection's application id.</param>
    /// <param name="request">The protocol request, placed at <c>data.request</c>.</param>
    /// <param name="metadata">The request metadata, placed at <c>data.metadata</c>.</param>
    /// <param name="now">The signing time.</param>
    public static string Sign(ECDsa privateKey, string issuer, string audience, JsonNode request, JsonNode metadata, DateTimeOffset now)
    {
        // No cached signature providers: callers dispose their ECDsa after signing, and the library's cache is keyed
        // by the key's thumbprint, so a cached provider would outlive the key it wraps.
        var securityKey = new ECDsaSecurityKey(privateKey) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } };
        return Sign(securityKey, issuer, audience, request, metadata, now);
    }

    /// <summary>
    /// Signs <paramref name="request"/> with a key the caller keeps for as long as it signs with it: the library caches
    /// the key's signature provider, so a key used for many requests is prepared once.
    /// </summary>
    /// <param name="signingKey">The connection's private key (ES256).</param>
    /// <param name="issuer">The <c>iss</c> claim.</param>
    /// <param name="audience">The <c>aud</c> claim: the connection's application id.</param>
    /// <param name="request">The protocol request, placed at <c>data.request</c>.</param>
    /// <param name="metadata">The request metadata, placed at <c>data.metadata</c>.</param>
    /// <param name="now">The signing time.</param>
    public static string Sign(ECDsaSecurityKey signingKey, string issuer, string audience, JsonNode request, JsonNode metadata, DateTimeOffset now)
    {
        var iat = now.ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = iat,
            ["exp"] = iat + (long)Lifetime.TotalSeconds,
            ["data"] = new JsonObject
            {
                ["request"] = request.DeepClone(),
                ["metadata"] = metadata.DeepClone(),
            },
        };
        var credentials = new SigningCredentials(signingKey, SecurityAlgorithms.EcdsaSha256);
        return Handler.CreateToken(payload.ToJsonString(JsonSerializerOptions.Default), credentials);
    }

    /// <summary>The standard metadata of a call made by the server itself, as the application.</summary>
    public static JsonObject AppMetadata(string applicationId, string? instanceId = null) => new()
    {
        ["requestId"] = Guid.NewGuid().ToString(),
        ["instanceId"] = instanceId ?? applicationId,
        ["identity"] = new JsonObject { ["identityType"] = "APP", ["appId"] = applicationId },
    };
}
