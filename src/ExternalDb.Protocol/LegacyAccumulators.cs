namespace ExternalDb.Protocol;

/// <summary>
/// The accumulators of the legacy (V2) <c>/data/aggregate</c> call's <c>processingStep</c>, a Mongo <c>$group</c>-like
/// object: <c>{"total": {"$sum": "$price"}}</c>; a count is <c>{"$sum": 1}</c>.
/// </summary>
public static class LegacyAccumulators
{
    /// <summary><c>$avg</c>: the average of a field.</summary>
    public const string Avg = "$avg";

    /// <summary><c>$min</c>: the least value of a field.</summary>
    public const string Min = "$min";

    /// <summary><c>$max</c>: the greatest value of a field.</summary>
    public const string Max = "$max";

    /// <summary><c>$sum</c>: the sum of a field, or with <c>1</c> the number of items.</summary>
    public const string Sum = "$sum";

    /// <summary><c>$count</c>: the number of items (accepted beside <c>{"$sum": 1}</c>).</summary>
    public const string Count = "$count";
}
