namespace ExternalDb.Protocol;

/// <summary>
/// What a collection lets a client do with its indexes: the values of its <c>capabilities.indexing</c> (the protocol's
/// IndexingCapability), and the index calls they stand for.
/// </summary>
public static class IndexingOperations
{
    /// <summary>The collection's indexes can be listed (<c>indexes/list</c>).</summary>
    public const string List = "LIST";

    /// <summary>Indexes can be made on the collection (<c>indexes/create</c>).</summary>
    public const string Create = "CREATE";

    /// <summary>The collection's indexes can be removed (<c>indexes/remove</c>).</summary>
    public const string Remove = "REMOVE";

    /// <summary>The member of a collection's <c>capabilities</c> that lists them.</summary>
    public const string CapabilityName = "indexing";
}
