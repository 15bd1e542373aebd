namespace ExternalDb.Server.StatusChecks;

/// <summary>Background checks and status history (<c>Probe</c> section, beside the bounds of one check).</summary>
internal sealed class StatusCheckOptions
{
    public const string Section = "Probe";

    /// <summary>How often every connection is checked again; <see cref="TimeSpan.Zero"/> turns background checks off. Default 5 minutes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed check, the next comes this soon, doubling with each failure in a row up to <see cref="Interval"/>. Default 30 s.</summary>
    public TimeSpan FailureRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many background checks one server runs at once. Default 4.</summary>
    public int MaxConcurrentChecks { get; set; } = 4;

    /// <summary>How many checks are kept per connection (the newest). Default 1,000.</summary>
    public int HistoryRetention { get; set; } = 1000;

    /// <summary>The delay before the next check after one that <paramref name="successful"/> or not, with ±10 % jitter.</summary>
    public TimeSpan NextCheckDelay(bool successful, int failuresInARow)
    {
        var interval = Interval > TimeSpan.Zero ? Interval : TimeSpan.FromMinutes(5);
        var delay = successful
            ? interval
            : TimeSpan.FromTicks(Math.Min(interval.Ticks, FailureRetryDelay.Ticks * (1L << Math.Clamp(failuresInARow - 1, 0, 20))));
#pragma warning disable CA5394 // Jitter spreads checks over time; it guards nothing.
        return delay * (0.9 + 0.2 * Random.Shared.NextDouble());
#pragma warning restore CA5394
    }
}
