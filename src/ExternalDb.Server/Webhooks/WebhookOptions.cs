using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Webhooks;

/// <summary>Delivery of events to webhooks (<c>Webhooks</c> section).</summary>
internal sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How many deliveries one server attempts at once. Default 8.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 8;

    /// <summary>How long one attempt may take, answer included. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first retry's upper bound; each further one doubles it (full jitter: a random delay up to the bound). Default 5 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest delay between two attempts. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>After this many failed attempts a delivery is <c>DEAD</c>. Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How often a server looks for due deliveries (those of other servers' events, and retries). Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a server holds a delivery it attempts; if it dies, another attempts the delivery once this has passed.
    /// Must exceed <see cref="Timeout"/>. Default 1 minute.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long delivered and dead deliveries (with their attempts) and their events are kept; pending ones are kept
    /// until they are delivered or dead. Default 30 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often a server forgets what <see cref="Retention"/> no longer keeps: every 10 minutes, or sooner for a shorter retention.</summary>
    public TimeSpan PruneInterval => Retention < TimeSpan.FromMinutes(10) ? Retention : TimeSpan.FromMinutes(10);

    /// <summary>The delay before the attempt after <paramref name="failedAttempts"/> failed ones: exponential backoff with full jitter.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var bound = Math.Min(MaxRetryDelay.Ticks, RetryBaseDelay.Ticks * (1L << Math.Clamp(failedAttempts - 1, 0, 30)));
#pragma warning disable CA5394 // Jitter spreads retries over time; it guards nothing.
        return TimeSpan.FromTicks((long)(bound * Random.Shared.NextDouble()));
#pragma warning restore CA5394
    }
}

/// <summary>Checks the <c>Webhooks</c> settings at start-up.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentDeliveries is <= 0 or > 256)
        {
            failures.Add("Webhooks:MaxConcurrentDeliveries must be from 1 to 256.");
        }
        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add("Webhooks:Timeout must be positive.");
        }
        if (options.RetryBaseDelay <= TimeSpan.Zero)
        {
            failures.Add("Webhooks:RetryBaseDelay must be positive.");
        }
        if (options.MaxRetryDelay < options.RetryBaseDelay)
        {
            failures.Add("Webhooks:MaxRetryDelay must be at least Webhooks:RetryBaseDelay.");
        }
        if (options.MaxAttempts is <= 0 or > 100)
        {
            failures.Add("Webhooks:MaxAttempts must be from 1 to 100.");
        }
        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add("Webhooks:PollInterval must be positive.");
        }
        if (options.Retention < TimeSpan.FromSeconds(1))
        {
            failures.Add("Webhooks:Retention must be at least 1 second.");
        }
        if (options.LeaseDuration <= options.Timeout)
        {
            failures.Add("Webhooks:LeaseDuration must be longer than Webhooks:Timeout.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
