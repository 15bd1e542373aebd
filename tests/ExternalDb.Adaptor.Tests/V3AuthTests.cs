using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Tests;

/// <summary>V3 requests are accepted only when signed (ES256/RS256) by a configured key for the audience and still valid.</summary>
public sealed class V3AuthTests(SqliteAdaptorHost host) : IClassFixture<SqliteAdaptorHost>
{
    private static readonly JsonObject Empty = [];

    private async Task AssertUnauthorizedAsync(string body, string contentType = "text/plain")
    {
        var (status, json) = await host.PostRawAsync("/v3/capabilities/get", body, contentType);
        Assert.Equal(401, status);
        Assert.Equal("UNAUTHORIZED", json!["errorCode"]!.GetValue<string>());
        Assert.NotNull(json["errorMessage"]);
        Assert.NotNull(json["data"]);
    }

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static string Payload(string audience = AdaptorHost.Audience, long? iat = null, long? exp = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = "wix.com", ["aud"] = audience, ["iat"] = iat ?? now, ["exp"] = exp ?? now + 60,
            ["data"] = new JsonObject { ["request"] = new JsonObject(), ["metadata"] = new JsonObject() },
        }.ToJsonString();
    }

    [Fact]
    public async Task A_valid_token_is_accepted_as_text_json_string_and_bare_json()
    {
        var token = host.SignEs256(Empty);
        Assert.Equal(200, (await host.PostRawAsync("/v3/capabilities/get", token)).Status);
        Assert.Equal(200, (await host.PostRawAsync("/v3/capabilities/get", JsonSerializer.Serialize(token), "application/json")).Status);
        Assert.Equal(200, (await host.PostRawAsync("/v3/capabilities/get", token, "application/json")).Status);
    }

    [Fact]
    public async Task Unsigned_alg_none_token_is_refused() =>
        await AssertUnauthorizedAsync(B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64(Payload()) + ".");

    [Fact]
    public async Task Tampered_token_is_refused()
    {
        var parts = host.SignEs256(Empty).Split('.');
        var tamperedPayload = B64(Payload().Replace("\"request\":{}", "\"request\":{\"collectionId\":\"x\"}", StringComparison.Ordinal));
        await AssertUnauthorizedAsync($"{parts[0]}.{tamperedPayload}.{parts[2]}");
    }

    [Fact]
    public async Task Expired_token_is_refused() =>
        await AssertUnauthorizedAsync(host.SignEs256(Empty, now: DateTimeOffset.UtcNow.AddMinutes(-10)));

    [Fact]
    public async Task Token_issued_in_the_future_is_refused()
    {
        var future = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(Payload(iat: future, exp: future + 60), new SigningCredentials(new ECDsaSecurityKey(host.EcKey), SecurityAlgorithms.EcdsaSha256));
        await AssertUnauthorizedAsync(token);
    }

    [Fact]
    public async Task Token_for_another_audience_is_refused() =>
        await AssertUnauthorizedAsync(host.SignEs256(Empty, audience: "another-app"));

    [Fact]
    public async Task Token_signed_by_another_key_is_refused()
    {
        using var other = V3RequestSigner.CreateKey();
        await AssertUnauthorizedAsync(V3RequestSigner.Sign(other, "wix.com", AdaptorHost.Audience, Empty, Empty, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Token_from_another_issuer_is_refused() =>
        await AssertUnauthorizedAsync(V3RequestSigner.Sign(host.EcKey, "evil.example", AdaptorHost.Audience, Empty, Empty, DateTimeOffset.UtcNow));

    [Fact]
    public async Task HS256_token_is_refused_even_with_the_public_key_as_secret()
    {
        var secret = Encoding.UTF8.GetBytes(V3RequestSigner.ExportPublicKey(host.EcKey));
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(Payload(), new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256));
        await AssertUnauthorizedAsync(token);
    }

    [Fact]
    public async Task Garbage_and_empty_bodies_are_refused()
    {
        await AssertUnauthorizedAsync("");
        await AssertUnauthorizedAsync("not a token");
        await AssertUnauthorizedAsync("{\"request\":{}}", "application/json");
    }

    [Fact]
    public async Task A_token_larger_than_250_KB_within_the_body_limit_is_accepted()
    {
        // A bulk write of 1000 items of a few hundred bytes each: larger than the JWT library's default bound.
        var token = host.SignEs256(new JsonObject { ["padding"] = new string('p', 600 * 1024) });
        Assert.True(token.Length > 250 * 1024);
        Assert.Equal(200, (await host.PostRawAsync("/v3/capabilities/get", token)).Status);
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var (status, body) = await host.PostRawAsync("/v3/capabilities/get", new string('a', 9 * 1024 * 1024));
        Assert.Equal(413, status);
        Assert.NotNull(body!["errorCode"]);
        (status, _) = await host.PostRawAsync("/data/find", "{\"x\":\"" + new string('a', 9 * 1024 * 1024) + "\"}", "application/json");
        Assert.Equal(413, status);
    }

    [Fact]
    public async Task Legacy_calls_without_or_with_a_wrong_secret_are_401_and_do_not_echo_it()
    {
        var (status, body) = await host.LegacyAsync("/schemas/list", [], secret: "guess-123");
        Assert.Equal(401, status);
        Assert.DoesNotContain("guess-123", body!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AdaptorHost.Secret, body.ToJsonString(), StringComparison.Ordinal);
        (status, _) = await host.PostRawAsync("/schemas/list", "{}", "application/json");
        Assert.Equal(401, status);
    }
}
