using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Auth;

/// <summary>Checks the <c>Auth</c> settings at start-up.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        options.KeyCacheDuration >= TimeSpan.Zero && options.KeyCacheDuration <= TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Auth:KeyCacheDuration must be between 0 and 1 hour.");
}
