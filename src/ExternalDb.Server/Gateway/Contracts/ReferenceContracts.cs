namespace ExternalDb.Server.Gateway.Contracts;

// The reference methods of Wix Data Items v2 (wix-data-items-api.md §4.5).

/// <summary>A reference from one item's (multi-)reference field to another item.</summary>
public sealed record DataItemReference(string ReferringItemFieldName, string ReferringItemId, string ReferencedItemId);

/// <summary>The body of QueryReferencedDataItems (<c>referringItemId</c> or <c>referringItemIds</c>).</summary>
/// <param name="Order"><c>ASC</c> or <c>DESC</c>, by when each reference was made.</param>
public sealed record QueryReferencedDataItemsRequest(
    string DataCollectionId,
    string? ReferringItemId,
    IReadOnlyList<string>? ReferringItemIds,
    string ReferringItemFieldName,
    string? Order,
    Paging? Paging,
    CursorPaging? CursorPaging,
    bool? ReturnTotalCount,
    bool? ConsistentRead,
    IReadOnlyList<string>? Fields);

/// <summary>A reference whose item could not be read.</summary>
public sealed record UnresolvedReference(string? ReferencedItemId, bool Unauthorized);

/// <summary>One referenced item: the item itself, or why it is not given.</summary>
public sealed record ReferencedResult(string? ReferringItemId, DataItem? DataItem, UnresolvedReference? UnresolvedReference);

/// <summary>The answer of QueryReferencedDataItems.</summary>
public sealed record QueryReferencedDataItemsAnswer(IReadOnlyList<ReferencedResult> Results, PagingMetadataV2 PagingMetadata);

/// <summary>The body of IsReferencedDataItem.</summary>
public sealed record IsReferencedDataItemRequest(
    string DataCollectionId,
    string ReferringItemFieldName,
    string ReferringItemId,
    string ReferencedItemId,
    bool? ConsistentRead);

/// <summary>The answer of IsReferencedDataItem.</summary>
public sealed record IsReferencedDataItemAnswer(bool IsReferenced);

/// <summary>The body of InsertDataItemReference and RemoveDataItemReference.</summary>
public sealed record DataItemReferenceRequest(string DataCollectionId, DataItemReference DataItemReference);

/// <summary>The answer of InsertDataItemReference and RemoveDataItemReference.</summary>
public sealed record DataItemReferenceAnswer(DataItemReference DataItemReference);

/// <summary>The body of BulkInsertDataItemReferences and BulkRemoveDataItemReferences (at most 1000).</summary>
public sealed record BulkDataItemReferencesRequest(string DataCollectionId, IReadOnlyList<DataItemReference> DataItemReferences, bool? ReturnEntity);

/// <summary>One entry's result of a bulk reference call.</summary>
public sealed record BulkDataItemReferenceResult(string Action, ItemMetadata ReferenceMetadata, DataItemReference? DataItemReference);

/// <summary>The answer of the bulk reference calls.</summary>
public sealed record BulkDataItemReferencesAnswer(IReadOnlyList<BulkDataItemReferenceResult> Results, BulkActionMetadata BulkActionMetadata);

/// <summary>The body of ReplaceDataItemReferences: the field's references become exactly <c>newReferencedItemIds</c>.</summary>
public sealed record ReplaceDataItemReferencesRequest(
    string DataCollectionId,
    string ReferringItemFieldName,
    string ReferringItemId,
    IReadOnlyList<string>? NewReferencedItemIds);

/// <summary>The answer of ReplaceDataItemReferences.</summary>
public sealed record ReplaceDataItemReferencesAnswer(IReadOnlyList<DataItemReference> DataItemReferences);
