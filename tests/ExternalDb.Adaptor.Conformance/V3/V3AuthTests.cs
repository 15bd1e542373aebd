using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Adaptor.Conformance.Targets;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// V3 authentication: the whole body is a JWT signed ES256/RS256 with the connection's key, with the
/// expected <c>aud</c> and <c>iss</c>, <c>iat</c> in the past and <c>exp</c> in the future. Anything else is
/// 401 <c>UNAUTHORIZED</c>.
/// </summary>
public sealed class V3AuthTests : V3Test
{
    private const string Probe = "/v3/capabilities/get";

    private static async Task ExpectUnauthorizedAsync(AdaptorClient client, string? body, string contentType = "text/plain", string path = Probe)
    {
        var response = await client.PostAsync(path, body, contentType);
        response.ExpectV3Error(401, "UNAUTHORIZED");
    }

    private static async Task ExpectUnauthorizedClaimsAsync(AdaptorClient client, Action<JsonObject> change)
    {
        var claims = JwtSigner.Claims(client.Credentials, new JsonObject());
        change(claims);
        await ExpectUnauthorizedAsync(client, JwtSigner.SignClaims(client.Credentials.Key, client.Credentials.Algorithm, claims));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Valid_token_is_accepted(string target)
    {
        var client = await ClientAsync(target);
        (await client.V3Async(Probe, new JsonObject())).ExpectStatus(200);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Request_without_body_is_unauthorized(string target) =>
        await ExpectUnauthorizedAsync(await ClientAsync(target), null);

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Garbage_token_is_unauthorized(string target) =>
        await ExpectUnauthorizedAsync(await ClientAsync(target), "this.is-not.a-jwt");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Plain_json_body_without_token_is_unauthorized(string target) =>
        await ExpectUnauthorizedAsync(await ClientAsync(target), """{"collectionIds": []}""", "application/json");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unsigned_alg_none_token_is_unauthorized(string target)
    {
        var client = await ClientAsync(target);
        await ExpectUnauthorizedAsync(client, JwtSigner.Unsigned(JwtSigner.Claims(client.Credentials, new JsonObject())));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Tampered_token_is_unauthorized(string target)
    {
        var client = await ClientAsync(target);
        var token = JwtSigner.Sign(client.Credentials, new JsonObject());
        var claims = JwtSigner.Claims(client.Credentials, J("""{"collectionIds": ["tampered"]}"""));
        await ExpectUnauthorizedAsync(client, JwtSigner.WithPayload(token, claims));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Expired_token_is_unauthorized(string target) =>
        await ExpectUnauthorizedClaimsAsync(await ClientAsync(target), claims =>
        {
            var past = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
            claims["iat"] = past;
            claims["exp"] = past + 60;
        });

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Token_without_exp_is_unauthorized(string target) =>
        await ExpectUnauthorizedClaimsAsync(await ClientAsync(target), claims => claims.Remove("exp"));

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Token_issued_in_the_future_is_unauthorized(string target) =>
        await ExpectUnauthorizedClaimsAsync(await ClientAsync(target), claims =>
        {
            var future = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds();
            claims["iat"] = future;
            claims["exp"] = future + 60;
        });

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Wrong_audience_is_unauthorized(string target) =>
        await ExpectUnauthorizedClaimsAsync(await ClientAsync(target), claims => claims["aud"] = "someone-else-" + Guid.NewGuid());

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Wrong_issuer_is_unauthorized(string target) =>
        await ExpectUnauthorizedClaimsAsync(await ClientAsync(target), claims => claims["iss"] = "evil.example");

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Token_signed_with_another_key_is_unauthorized(string target)
    {
        var client = await ClientAsync(target);
        var stranger = TargetRegistry.CreateKeyLike(client.Credentials.Key);
        await ExpectUnauthorizedAsync(client,
            JwtSigner.SignClaims(stranger, client.Credentials.Algorithm, JwtSigner.Claims(client.Credentials, new JsonObject())));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Hs256_token_keyed_with_the_public_key_is_unauthorized(string target)
    {
        var client = await ClientAsync(target);
        var claims = JwtSigner.Claims(client.Credentials, new JsonObject());
        await ExpectUnauthorizedAsync(client, JwtSigner.Hs256(JwtSigner.PublicKeyText(client.Credentials.Key), claims));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Every_v3_path_requires_a_valid_token(string target)
    {
        var client = await ClientAsync(target);
        string[] paths =
        [
            "/v3/items/query", "/v3/items/count", "/v3/items/aggregate", "/v3/items/query-distinct-values",
            "/v3/items/insert", "/v3/items/update", "/v3/items/remove", "/v3/items/truncate",
            "/v3/items/query-referenced", "/v3/items/insert-references", "/v3/items/remove-references",
            "/v3/collections/get", "/v3/collections/create", "/v3/collections/update", "/v3/collections/delete",
            "/v3/capabilities/get",
        ];
        var stranger = TargetRegistry.CreateKeyLike(client.Credentials.Key);
        var forged = JwtSigner.SignClaims(stranger, client.Credentials.Algorithm,
            JwtSigner.Claims(client.Credentials, J("""{"collectionId": "anything", "collectionIds": []}""")));
        var failures = new List<string>();
        foreach (var path in paths)
        {
            var response = await client.PostAsync(path, forged, "text/plain");
            if (response.StatusCode != 401 || response.ErrorCode != "UNAUTHORIZED")
            {
                failures.Add(response.ToString());
            }
        }
        Assert.True(failures.Count == 0, "Paths that did not answer 401 UNAUTHORIZED to a forged token:\n" + string.Join('\n', failures));
    }

    private static JsonNode J(string json) => Json.J(json);
}
