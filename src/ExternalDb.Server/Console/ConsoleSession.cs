using System.Security.Claims;
using ExternalDb.Server.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Console;

/// <summary>When the open console page (its circuit) was last used: an idle page ends its session like an idle cookie.</summary>
internal sealed class ConsoleActivity(TimeProvider time)
{
    private long _lastTicks = time.GetUtcNow().UtcTicks;

    public void Touch() => Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);

    public TimeSpan IdleFor => time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);
}

/// <summary>
/// The session of an open console page: checked every <see cref="ConsoleOptions.RevalidationInterval"/>; a revoked
/// or replaced key, or a page idle past <see cref="ConsoleOptions.IdleTimeout"/>, signs the page out.
/// </summary>
internal sealed class ConsoleAuthenticationStateProvider(
    ILoggerFactory loggerFactory, ApiKeyStore keys, ConsoleActivity activity, IOptions<ConsoleOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        activity.IdleFor <= options.Value.IdleTimeout && await ConsoleSetup.CurrentKeyAsync(state.User, keys, ct) is not null;
}

/// <summary>A page's view of its session: the key's name and what it may do, reloaded on every action.</summary>
internal sealed record ConsoleUser(ClaimsPrincipal Principal, string KeyName)
{
    public bool IsAdmin => Principal.HasClaim(ApiKeyAuthenticationHandler.PermissionClaim, Permissions.Admin);
}
