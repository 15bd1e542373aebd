using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Console;

/// <summary>Checks the <c>Console</c> settings at start-up.</summary>
internal sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var failures = new List<string>();
        if (options.IdleTimeout < TimeSpan.FromMinutes(1) || options.IdleTimeout > TimeSpan.FromDays(7))
        {
            failures.Add("Console:IdleTimeout must be between 1 minute and 7 days.");
        }
        if (options.RevalidationInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add("Console:RevalidationInterval must be at least 1 second.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
