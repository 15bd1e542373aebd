namespace ExternalDb.Protocol;

/// <summary>The page and bulk sizes of the data model, as Wix Data and the adaptor protocols bound them.</summary>
public static class PagingLimits
{
    /// <summary>The largest page a query may ask for: 1000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The page of a query that names none, and the smallest <c>maxPageSize</c> a collection serves: 50.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>The most entries one bulk call may carry: 1000.</summary>
    public const int MaxBulkItems = 1000;
}
