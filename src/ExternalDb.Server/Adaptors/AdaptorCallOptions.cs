namespace ExternalDb.Server.Adaptors;

/// <summary>How one adaptor call is made: its bounds, and whether the per-adaptor resilience pipeline applies.</summary>
internal sealed record AdaptorCallOptions
{
    /// <summary>One bound on the call, the answer's body included.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>The largest answer read; a larger one is a <see cref="AdaptorFailure.BadAnswer"/>.</summary>
    public required int MaxAnswerBytes { get; init; }

    /// <summary>
    /// Whether the call goes through the resilience pipeline of its adaptor (host and port): a bound on concurrent
    /// calls, and a circuit that opens while the adaptor keeps failing. Checks of an adaptor go around it: they are
    /// rare, have their own bound, and must see the adaptor as it is now.
    /// </summary>
    public bool Resilient { get; init; } = true;
}
