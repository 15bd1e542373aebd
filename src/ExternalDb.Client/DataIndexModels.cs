using System.Text.Json.Serialization;

namespace ExternalDb.Client;

/// <summary>
/// An index of a collection (Wix Data Indexes v2). To create one, set <see cref="Name"/> and <see cref="Fields"/>
/// (and <see cref="Unique"/>, <see cref="CaseInsensitive"/> as needed); the rest is read-only.
/// </summary>
public sealed record DataIndex
{
    /// <summary>The index's ID, derived from its collection and name (read-only).</summary>
    [JsonPropertyName("_id")]
    public string? Id { get; init; }

    /// <summary>The index's name, unique within its collection.</summary>
    public string? Name { get; init; }

    /// <summary>The fields (or dotted paths into object fields) the index orders by, in order.</summary>
    public IReadOnlyList<DataIndexField> Fields { get; init; } = [];

    /// <summary><c>BUILDING</c>, <c>ACTIVE</c>, <c>DROPPING</c>, <c>DROPPED</c>, <c>FAILED</c> or <c>INVALID</c> (read-only).</summary>
    public string? Status { get; init; }

    /// <summary>Why the index is <c>FAILED</c> or <c>INVALID</c> (read-only).</summary>
    public DataIndexFailure? Failure { get; init; }

    /// <summary>Whether two items may not hold the same values.</summary>
    public bool? Unique { get; init; }

    /// <summary>Whether text is indexed without case.</summary>
    public bool? CaseInsensitive { get; init; }

    /// <summary><c>SYSTEM</c> (the primary key's index) or <c>USER</c> (read-only).</summary>
    public string? Source { get; init; }
}

/// <summary>A field of an index.</summary>
/// <param name="Path">A field key, or a dotted path into an object field (<c>address.city</c>).</param>
/// <param name="Order"><c>ASC</c> (the default) or <c>DESC</c>.</param>
public sealed record DataIndexField(string Path, string? Order = null);

/// <summary>Why an index could not be built.</summary>
public sealed record DataIndexFailure
{
    /// <summary><c>WDE0112</c> (unknown), <c>WDE0113</c> (duplicate key) or <c>WDE0114</c> (a value too large).</summary>
    public string? Code { get; init; }

    /// <summary>What went wrong.</summary>
    public string? Description { get; init; }

    /// <summary>The item that could not be indexed, when known.</summary>
    public string? ItemId { get; init; }
}

/// <summary>A page of a collection's indexes.</summary>
public sealed record ListIndexesResponse
{
    /// <summary>The indexes of this page.</summary>
    public IReadOnlyList<DataIndex> Indexes { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public PagingMetadata PagingMetadata { get; init; } = new();
}
