namespace ExternalDb.Server.Gateway.Contracts;

// The bulk item writes of Wix Data Items v2 (wix-data-items-api.md §2.3, §4.4).

/// <summary>The body of BulkInsert, BulkUpdate and BulkSave (at most 1000 items).</summary>
internal sealed record BulkDataItemsRequest(string DataCollectionId, IReadOnlyList<DataItem> DataItems, bool? ReturnEntity);

/// <summary>The body of BulkRemoveDataItems (at most 1000 ids).</summary>
internal sealed record BulkRemoveDataItemsRequest(string DataCollectionId, IReadOnlyList<string> DataItemIds);

/// <summary>Why one entry of a bulk call failed: a Wix Data code (<c>WDE0073</c>, <c>WDE0074</c>, ...).</summary>
internal sealed record ItemError(string Code, string Description, System.Text.Json.Nodes.JsonObject? Data);

/// <summary>The outcome of one entry of a bulk call, by its index in the request.</summary>
internal sealed record ItemMetadata(string? Id, int OriginalIndex, bool Success, ItemError? Error);

/// <summary>One entry's result: the action (<c>INSERT</c>, <c>UPDATE</c>, <c>DELETE</c>, <c>PATCH</c>), its outcome, and the item when asked.</summary>
internal sealed record BulkDataItemResult(string Action, ItemMetadata ItemMetadata, DataItem? DataItem);

/// <summary>How many entries of a bulk call succeeded and failed (every failure is detailed in its result: <c>undetailedFailures</c> is 0).</summary>
internal sealed record BulkActionMetadata(int TotalSuccesses, int TotalFailures, int UndetailedFailures);

/// <summary>The answer of the bulk item writes.</summary>
internal sealed record BulkDataItemsAnswer(IReadOnlyList<BulkDataItemResult> Results, BulkActionMetadata BulkActionMetadata);
