using System.Security.Claims;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.FluentUI.AspNetCore.Components;

namespace ExternalDb.Server.Console;

/// <summary>
/// The web console served at <c>/</c>: Blazor components (interactive server rendering) over the same services and
/// permission policies as the API. A session is a cookie exchanged for an API key at <c>/signin</c>; it holds the
/// key's id (never the key), and every request and every console action reloads the key, so a revoked key's sessions
/// end at once.
/// </summary>
internal static class ConsoleSetup
{
    /// <summary>The session cookie's authentication scheme (the API does not accept it).</summary>
    public const string Scheme = "ConsoleSession";

    /// <summary>The policy of every console page: a signed-in session.</summary>
    public const string Policy = "ConsoleSession";

    public const string CookieName = "externaldb.console";

    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>());

        // Session cookies and antiforgery tokens are protected by keys kept in the data directory (owner-only), so
        // sessions survive a restart and several servers sharing the folder accept each other's cookies.
        var dataDirectory = StorageOptions.DataDirectoryOf(configuration);
        var keyDirectory = Path.Combine(dataDirectory, "console-keys");
        Database.CreatePrivateDirectory(keyDirectory);
        services.AddDataProtection().SetApplicationName("ExternalDb").PersistKeysToFileSystem(new DirectoryInfo(keyDirectory));

        services.AddAuthentication(Scheme).AddCookie(Scheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<ConsoleOptions>>((cookie, console) =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = console.Value.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/signin";
            cookie.LogoutPath = "/signout";
            cookie.AccessDeniedPath = "/signin";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddFluentUIComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, ConsoleAuthenticationStateProvider>();
        services.AddScoped<ConsoleActivity>();
        services.AddScoped<ConsoleApi>();
        return services;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, app.Environment.ApplicationName + ".staticwebassets.endpoints.json");
        if (File.Exists(manifest))
        {
            app.MapStaticAssets(manifest);
        }
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapPost("/signout", (Delegate)SignOutAsync).RequireAuthorization(Policy)
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        // The page pings this while someone works in it, so that an active session's cookie slides too.
        app.MapGet("/console/keepalive", () => TypedResults.NoContent()).RequireAuthorization(Policy).ExcludeFromDescription();
        return app;
    }

    /// <summary>The session of a key: its principal under the session scheme, with the key's permissions.</summary>
    public static ClaimsPrincipal SessionPrincipal(ApiKey key) => ApiKeyAuthenticationHandler.Principal(key, Scheme);

    /// <summary>
    /// The key of a session as stored now, or null when it was revoked or replaced (a replaced bootstrap key keeps its
    /// id but not its creation date).
    /// </summary>
    public static async Task<ApiKey?> CurrentKeyAsync(ClaimsPrincipal session, ApiKeyStore keys, CancellationToken ct)
    {
        var id = session.FindFirstValue(ClaimTypes.NameIdentifier);
        var created = session.FindFirstValue(ApiKeyAuthenticationHandler.KeyCreatedClaim);
        if (id is null || created is null)
        {
            return null;
        }
        var key = await keys.GetAsync(id, ct);
        return key is not null && key.CreatedDate.ToWireString() == created ? key : null;
    }

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<ApiKeyStore>();
        var key = context.Principal is null ? null : await CurrentKeyAsync(context.Principal, keys, context.HttpContext.RequestAborted);
        if (key is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        // The key's permissions as they are now; the cookie itself is renewed by the sliding expiry.
        context.ReplacePrincipal(SessionPrincipal(key));
    }

    private static async Task<RedirectHttpResult> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(Scheme);
        return TypedResults.LocalRedirect("/signin?signedOut=true");
    }
}
