using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Probing;

/// <summary>Checks the <c>Probe</c> section at start.</summary>
internal sealed class ProbeOptionsValidator : IValidateOptions<ProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, ProbeOptions options)
    {
        var failures = new List<string>();
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("Probe:Timeout must be between 0 and 5 minutes.");
        }
        if (options.MaxResponseBytes <= 0)
        {
            failures.Add("Probe:MaxResponseBytes must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
