using System.Security.Claims;
using System.Text.Encodings.Web;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> (or a bare key) against the stored API keys. Failures answer
/// 401 <c>UNAUTHENTICATED</c> and 403 <c>PERMISSION_DENIED</c> in the API's error shape.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string PermissionClaim = "permission";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return AuthenticateResult.NoResult();
        }
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : header.Trim();
        if (presented.Length is 0 or > 512)
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }
        var key = await keys.FindAsync(presented, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(Principal(key, SchemeName), SchemeName));
    }

    /// <summary>
    /// The principal of <paramref name="key"/>: its id, name, creation date and one <see cref="PermissionClaim"/> per
    /// permission. The API and the console's session both use it, so the permission policies judge them alike.
    /// </summary>
    public static ClaimsPrincipal Principal(ApiKey key, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
            new(KeyCreatedClaim, key.CreatedDate.ToWireString()),
        };
        claims.AddRange(key.Permissions.Select(p => new Claim(PermissionClaim, p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>When the key was made (a replaced bootstrap key keeps its id but not this date).</summary>
    public const string KeyCreatedClaim = "key_created";

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var description = string.IsNullOrWhiteSpace(Request.Headers.Authorization.ToString())
            ? "An API key is required: send 'Authorization: Bearer <key>'."
            : "The API key is not valid.";
        Response.Headers.WWWAuthenticate = "Bearer";
        await ApiError.Unauthenticated(description).ExecuteAsync(Context);
    }

    /// <summary>The 403 description for a missing <paramref name="permission"/>.</summary>
    internal static string Lacks(string permission) => permission == Permissions.Admin
        ? "The API key lacks the permission ADMIN."
        : $"The API key lacks the permission {permission} (or ADMIN).";

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var required = properties.Items.TryGetValue("permission", out var p) ? p : null;
        await ApiError.PermissionDenied(required is null
            ? "The API key lacks the permission for this call."
            : Lacks(required)).ExecuteAsync(Context);
    }
}
