namespace ExternalDb.Protocol;

/// <summary>The data operations a V3 collection lists in <c>capabilities.dataOperations</c>.</summary>
public static class DataOperations
{
    /// <summary><c>QUERY</c>: query (and get) items.</summary>
    public const string Query = "QUERY";

    /// <summary><c>COUNT</c>.</summary>
    public const string Count = "COUNT";

    /// <summary><c>QUERY_REFERENCED</c>.</summary>
    public const string QueryReferenced = "QUERY_REFERENCED";

    /// <summary><c>AGGREGATE</c>.</summary>
    public const string Aggregate = "AGGREGATE";

    /// <summary><c>INSERT</c>.</summary>
    public const string Insert = "INSERT";

    /// <summary><c>UPDATE</c>.</summary>
    public const string Update = "UPDATE";

    /// <summary><c>REMOVE</c>.</summary>
    public const string Remove = "REMOVE";

    /// <summary><c>TRUNCATE</c>.</summary>
    public const string Truncate = "TRUNCATE";

    /// <summary><c>INSERT_REFERENCES</c>.</summary>
    public const string InsertReferences = "INSERT_REFERENCES";

    /// <summary><c>REMOVE_REFERENCES</c>.</summary>
    public const string RemoveReferences = "REMOVE_REFERENCES";

    /// <summary>Every data operation, in the order adaptors list them.</summary>
    public static readonly IReadOnlyList<string> All =
        [Query, Count, QueryReferenced, Aggregate, Insert, Update, Remove, Truncate, InsertReferences, RemoveReferences];

    /// <summary>The operations that only read.</summary>
    public static readonly IReadOnlyList<string> Reads = [Query, Count, QueryReferenced, Aggregate];

    /// <summary>Whether <paramref name="operation"/> changes data.</summary>
    public static bool Writes(string operation) => operation is Insert or Update or Remove or Truncate or InsertReferences or RemoveReferences;
}
