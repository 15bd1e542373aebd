using System.Text.Json.Serialization;

namespace ExternalDb.Server.Gateway.Contracts;

// The shapes of Wix Data Indexes v2 (@wix/data indexes: CreateIndex, ListIndexes, DropIndex).

/// <summary>A field of an index: a field key or a dotted path into an object field, and its order.</summary>
/// <param name="Order"><c>ASC</c> (default) or <c>DESC</c>.</param>
internal sealed record IndexField(string Path, string? Order);

/// <summary>Why an index could not be built: <c>WDE0112</c> unknown, <c>WDE0113</c> duplicate key, <c>WDE0114</c> a value too large.</summary>
internal sealed record IndexFailure(string Code, string Description, string? ItemId);

/// <summary>An index of a collection, its name unique in the collection.</summary>
/// <param name="Id">Read-only: derived from the collection and the name.</param>
/// <param name="Status">Read-only: <c>BUILDING</c>, <c>ACTIVE</c>, <c>DROPPING</c>, <c>DROPPED</c>, <c>FAILED</c> (with <c>failure</c>), <c>INVALID</c>.</param>
/// <param name="Source">Read-only: <c>SYSTEM</c> (the primary key <c>_id_</c>) or <c>USER</c>.</param>
internal sealed record DataIndex(
    [property: JsonPropertyName("_id")] string? Id,
    string Name,
    IReadOnlyList<IndexField> Fields,
    string? Status,
    IndexFailure? Failure,
    bool? Unique,
    bool? CaseInsensitive,
    string? Source);

/// <summary>The body of CreateIndex.</summary>
internal sealed record CreateIndexRequest(string DataCollectionId, DataIndex Index);

/// <summary>The answer of CreateIndex: the index, <c>ACTIVE</c>, <c>BUILDING</c> or <c>FAILED</c>.</summary>
internal sealed record IndexAnswer(DataIndex Index);

/// <summary>Where a page of indexes stands (offset paging).</summary>
internal sealed record IndexesPagingMetadata(int Count, int Offset, int Total, bool TooManyToCount);

/// <summary>The answer of ListIndexes.</summary>
internal sealed record ListIndexesAnswer(IReadOnlyList<DataIndex> Indexes, IndexesPagingMetadata PagingMetadata);
