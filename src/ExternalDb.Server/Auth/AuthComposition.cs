using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Auth;

/// <summary>API keys (<c>Auth</c> section): their store, the authentication scheme and one policy per permission.</summary>
internal static class AuthComposition
{
    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection("Auth")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.AddSingleton<ApiKeyStore>();
        // The API authenticates API keys only: every permission policy names the key scheme, so the console's session
        // cookie (the default scheme, see Console/ConsoleSetup.cs) opens no API call.
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PermissionResultHandler>();
        services.AddAuthorization(o =>
        {
            foreach (var permission in Permissions.Known)
            {
                o.AddPolicy(permission, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                    .RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
            }
        });
        return services;
    }
}
