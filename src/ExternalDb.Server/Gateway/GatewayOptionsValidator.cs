using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Gateway;

/// <summary>Checks the gateway's bounds of the <c>Gateway</c> section at start.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.AdaptorTimeout <= TimeSpan.Zero)
        {
            failures.Add("Gateway:AdaptorTimeout must be positive.");
        }
        if (options.MaxAdaptorRequestBytes < 1024 * 1024)
        {
            failures.Add("Gateway:MaxAdaptorRequestBytes must be at least 1 MiB (one item may hold 500 kB).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
