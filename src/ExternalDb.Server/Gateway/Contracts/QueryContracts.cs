using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway.Contracts;

// The query family of Wix Data Items v2 (wix-data-items-api.md §2.2, §4.3): query, count, distinct values, aggregate.

/// <summary>One sort key.</summary>
/// <param name="Order"><c>ASC</c> (default) or <c>DESC</c>.</param>
internal sealed record Sorting(string FieldName, string? Order);

/// <summary>Offset paging: at most <c>limit</c> entries (default 50, at most 1000) after <c>offset</c>.</summary>
internal sealed record Paging(int? Limit, int? Offset);

/// <summary>Cursor paging: a first page has no cursor; later pages send only the cursor of the previous answer.</summary>
internal sealed record CursorPaging(int? Limit, string? Cursor);

/// <summary>A query: filter (Wix query language), sort, offset or cursor paging (one of), and a projection.</summary>
internal sealed record QueryV2(JsonObject? Filter, IReadOnlyList<Sorting>? Sort, Paging? Paging, CursorPaging? CursorPaging, IReadOnlyList<string>? Fields);

/// <summary>The cursors of a cursor-paged answer.</summary>
internal sealed record Cursors(string? Next, string? Prev);

/// <summary>
/// Where a page stands: <c>count</c> of this page, the <c>offset</c> asked, <c>total</c> (offset paging with
/// <c>returnTotalCount</c>), <c>cursors</c> (cursor paging) and <c>hasNext</c>.
/// </summary>
internal sealed record PagingMetadataV2(int Count, int? Offset, long? Total, bool? TooManyToCount, Cursors? Cursors, bool HasNext);

/// <summary>A reference field whose referenced items come back in full: at most <c>limit</c> (default 50) per item of a MULTI_REFERENCE field.</summary>
internal sealed record IncludedReference(string Field, int? Limit);

/// <summary>The older spelling of <see cref="IncludedReference"/>.</summary>
internal sealed record ReferencedItemOptions(string FieldName, int? Limit);

/// <summary>
/// The body of QueryDataItems (the GET binding carries it in <c>.r</c> or the query string). <c>includeReferences</c>
/// (at most 100; or the older <c>referencedItemOptions</c>, <c>includeReferencedItems</c>) names reference fields
/// whose items replace their IDs: a REFERENCE field becomes the referenced item (its ID stays when that item does not
/// exist), a MULTI_REFERENCE field the array of its referenced items.
/// </summary>
internal sealed record QueryDataItemsRequest(
    string DataCollectionId,
    QueryV2? Query,
    bool? ReturnTotalCount,
    bool? ConsistentRead,
    IReadOnlyList<IncludedReference>? IncludeReferences,
    IReadOnlyList<ReferencedItemOptions>? ReferencedItemOptions,
    IReadOnlyList<string>? IncludeReferencedItems);

/// <summary>The answer of QueryDataItems.</summary>
internal sealed record QueryDataItemsAnswer(IReadOnlyList<DataItem> DataItems, PagingMetadataV2 PagingMetadata);

/// <summary>The body of CountDataItems.</summary>
internal sealed record CountDataItemsRequest(string DataCollectionId, JsonObject? Filter, bool? ConsistentRead);

/// <summary>The answer of CountDataItems.</summary>
internal sealed record CountDataItemsAnswer(long TotalCount);

/// <summary>The body of QueryDistinctValues.</summary>
/// <param name="Order"><c>ASC</c> or <c>DESC</c>.</param>
internal sealed record QueryDistinctValuesRequest(
    string DataCollectionId,
    string? FieldName,
    JsonObject? Filter,
    string? Order,
    Paging? Paging,
    CursorPaging? CursorPaging,
    bool? ReturnTotalCount,
    bool? ConsistentRead);

/// <summary>The answer of QueryDistinctValues.</summary>
internal sealed record QueryDistinctValuesAnswer(IReadOnlyList<JsonNode?> DistinctValues, PagingMetadataV2 PagingMetadata);

/// <summary>The field an aggregation operation reads.</summary>
internal sealed record AggregatedField(string ItemFieldName);

/// <summary>One aggregation operation: its result's name and one of average, min, max, sum (of a field) or itemCount.</summary>
internal sealed record AggregationOperation(
    string ResultFieldName,
    AggregatedField? Average,
    AggregatedField? Min,
    AggregatedField? Max,
    AggregatedField? Sum,
    JsonObject? ItemCount);

/// <summary>What to group by (none: one group over every matching item) and what to compute per group.</summary>
internal sealed record Aggregation(IReadOnlyList<string>? GroupingFields, IReadOnlyList<AggregationOperation>? Operations);

/// <summary>The body of AggregateDataItems.</summary>
internal sealed record AggregateDataItemsRequest(
    string DataCollectionId,
    JsonObject? InitialFilter,
    Aggregation? Aggregation,
    JsonObject? FinalFilter,
    IReadOnlyList<Sorting>? Sort,
    Paging? Paging,
    CursorPaging? CursorPaging,
    bool? ReturnTotalCount,
    bool? ConsistentRead);

/// <summary>The answer of AggregateDataItems: one object per group (<c>_id</c> holds the grouping values).</summary>
internal sealed record AggregateDataItemsAnswer(IReadOnlyList<JsonObject> Results, PagingMetadataV2 PagingMetadata);
