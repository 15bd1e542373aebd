namespace ExternalDb.Protocol;

/// <summary>The collection operations a collection lists in <c>capabilities.collectionOperations</c>.</summary>
public static class CollectionOperations
{
    /// <summary><c>UPDATE</c>: the collection's fields can be changed.</summary>
    public const string Update = "UPDATE";

    /// <summary><c>REMOVE</c>: the collection can be deleted.</summary>
    public const string Remove = "REMOVE";

    /// <summary>Both, in the order adaptors list them.</summary>
    public static readonly IReadOnlyList<string> All = [Update, Remove];
}
