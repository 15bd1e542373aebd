using ExternalDb.Server.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ExternalDb.Server.Auth;

/// <summary>Requires one permission; <c>ADMIN</c> and the grouped grants satisfy it too.</summary>
internal sealed class PermissionRequirement(string permission) : IAuthorizationRequirement
{
    public string Permission { get; } = permission;
}

internal sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var held = context.User.FindAll(ApiKeyAuthenticationHandler.PermissionClaim).Select(c => c.Value);
        if (Permissions.Grants(held, requirement.Permission))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, requirement.Permission));
        }
        return Task.CompletedTask;
    }
}

/// <summary>Passes the missing permission on to the 403 answer.</summary>
internal sealed class PermissionResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var missing = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).FirstOrDefault();
            return ApiError.PermissionDenied(missing is null
                ? "The API key lacks the permission for this call."
                : ApiKeyAuthenticationHandler.Lacks(missing)).ExecuteAsync(context);
        }
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
