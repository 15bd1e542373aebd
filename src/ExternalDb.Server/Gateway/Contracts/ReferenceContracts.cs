namespace ExternalDb.Server.Gateway.Contracts;

// The reference methods of Wix Data Items v2 (wix-data-items-api.md §4.5).

/// <summary>A reference from one item's (multi-)reference field to another item.</summary>
internal sealed record DataItemReference(string ReferringItemFieldName, string ReferringItemId, string ReferencedItemId);

/// <summary>The body of QueryReferencedDataItems (<c>referringItemId</c> or <c>referringItemIds</c>).</summary>
/// <param name="Order"><c>ASC</c> or <c>DESC</c>, by when each reference was made.</param>
internal sealed record QueryReferencedDataItemsRequest(
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
internal sealed record UnresolvedReference(string? ReferencedItemId, bool Unauthorized);

/// <summary>One referenced item: the item itself, or why it is not given.</summary>
internal sealed record ReferencedResult(string? ReferringItemId, DataItem? DataItem, UnresolvedReference? UnresolvedReference);

/// <summary>The answer of QueryReferencedDataItems.</summary>
internal sealed record QueryReferencedDataItemsAnswer(IReadOnlyList<ReferencedResult> Results, PagingMetadataV2 PagingMetadata);

/// <summary>The body of IsReferencedDataItem.</summary>
internal sealed record IsReferencedDataItemRequest(
    string DataCollectionId,
    string ReferringItemFieldName,
    string ReferringItemId,
    string ReferencedItemId,
    bool? ConsistentRead);

/// <summary>The answer of IsReferencedDataItem.</summary>
internal sealed record IsReferencedDataItemAnswer(bool IsReferenced);

/// <summary>The body of InsertDataItemReference and RemoveDataItemReference.</summary>
internal sealed record DataItemReferenceRequest(string DataCollectionId, DataItemReference DataItemReference);

/// <summary>The answer of InsertDataItemReference and RemoveDataItemReference.</summary>
internal sealed record DataItemReferenceAnswer(DataItemReference DataItemReference);

/// <summary>The body of BulkInsertDataItemReferences and BulkRemoveDataItemReferences (at most 1000).</summary>
internal sealed record BulkDataItemReferencesRequest(string DataCollectionId, IReadOnlyList<DataItemReference> DataItemReferences, bool? ReturnEntity);

/// <summary>One entry's result of a bulk reference call.</summary>
internal sealed record BulkDataItemReferenceResult(string Action, ItemMetadata ReferenceMetadata, DataItemReference? DataItemReference);

/// <summary>The answer of the bulk reference calls.</summary>
internal sealed record BulkDataItemReferencesAnswer(IReadOnlyList<BulkDataItemReferenceResult> Results, BulkActionMetadata BulkActionMetadata);

/// <summary>The body of ReplaceDataItemReferences: the field's references become exactly <c>newReferencedItemIds</c>.</summary>
internal sealed record ReplaceDataItemReferencesRequest(
    string DataCollectionId,
    string ReferringItemFieldName,
    string ReferringItemId,
    IReadOnlyList<string>? NewReferencedItemIds);

/// <summary>The answer of ReplaceDataItemReferences.</summary>
internal sealed record ReplaceDataItemReferencesAnswer(IReadOnlyList<DataItemReference> DataItemReferences);
