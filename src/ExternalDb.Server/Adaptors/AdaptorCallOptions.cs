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

    /// <summary>
    /// Set when the call reads one page of a paged operation (<see cref="AdaptorPaging.IsPaged"/>) and its caller wants the
    /// page's <c>pagingMetadata.hasNext</c>: the largest page the collection serves, which the client never asks past. The
    /// answer then holds at most <c>paging.limit</c> rows and a truthful <c>hasNext</c> (see <see cref="AdaptorPaging"/>).
    /// Null for any other call (an item looked up by id needs no <c>hasNext</c>).
    /// </summary>
    public int? MaxPageSize { get; init; }
}
