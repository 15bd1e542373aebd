namespace ExternalDb.Protocol;

/// <summary>
/// The V3 operations of an adaptor, as the path after <c>/v3/</c> (<c>POST {endpoint}/v3/items/query</c>). The server
/// speaks V3 internally: its legacy client serves the same operations over the V1/V2 calls.
/// </summary>
public static class AdaptorOperations
{
    /// <summary>Queries items.</summary>
    public const string Query = "items/query";

    /// <summary>Counts items.</summary>
    public const string Count = "items/count";

    /// <summary>Aggregates items.</summary>
    public const string Aggregate = "items/aggregate";

    /// <summary>Lists the distinct values of a field.</summary>
    public const string QueryDistinctValues = "items/query-distinct-values";

    /// <summary>Inserts items.</summary>
    public const string Insert = "items/insert";

    /// <summary>Replaces items.</summary>
    public const string Update = "items/update";

    /// <summary>Removes items.</summary>
    public const string Remove = "items/remove";

    /// <summary>Removes every item of a collection.</summary>
    public const string Truncate = "items/truncate";

    /// <summary>Lists the items that items reference.</summary>
    public const string QueryReferenced = "items/query-referenced";

    /// <summary>Adds references.</summary>
    public const string InsertReferences = "items/insert-references";

    /// <summary>Removes references.</summary>
    public const string RemoveReferences = "items/remove-references";

    /// <summary>Changes fields of items in place (an ExternalDb extension).</summary>
    public const string Patch = "items/patch";

    /// <summary>Lists collections (all of them for an empty <c>collectionIds</c>).</summary>
    public const string ListCollections = "collections/get";

    /// <summary>Creates a collection.</summary>
    public const string CreateCollection = "collections/create";

    /// <summary>Replaces a collection's fields.</summary>
    public const string UpdateCollection = "collections/update";

    /// <summary>Deletes a collection.</summary>
    public const string DeleteCollection = "collections/delete";

    /// <summary>What the adaptor can do: collection changes, field types.</summary>
    public const string GetCapabilities = "capabilities/get";

    /// <summary>Lists a collection's indexes.</summary>
    public const string ListIndexes = "indexes/list";

    /// <summary>Creates an index.</summary>
    public const string CreateIndex = "indexes/create";

    /// <summary>Removes an index.</summary>
    public const string RemoveIndex = "indexes/remove";

    /// <summary>The HTTP path of <paramref name="operation"/> under an adaptor's base URL: <c>/v3/items/query</c>.</summary>
    public static string Path(string operation) => "/v3/" + operation;
}
