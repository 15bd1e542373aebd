using Microsoft.Extensions.Options;

namespace ExternalDb.Server.StatusChecks;

/// <summary>Checks the <c>Probe</c> settings of the background checks at start-up.</summary>
internal sealed class StatusCheckOptionsValidator : IValidateOptions<StatusCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, StatusCheckOptions options)
    {
        var failures = new List<string>();
        if (options.Interval < TimeSpan.Zero)
        {
            failures.Add("Probe:Interval must not be negative (00:00:00 turns background checks off).");
        }
        if (options.FailureRetryDelay <= TimeSpan.Zero)
        {
            failures.Add("Probe:FailureRetryDelay must be positive.");
        }
        if (options.MaxConcurrentChecks is <= 0 or > 256)
        {
            failures.Add("Probe:MaxConcurrentChecks must be from 1 to 256.");
        }
        if (options.HistoryRetention <= 0)
        {
            failures.Add("Probe:HistoryRetention must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
