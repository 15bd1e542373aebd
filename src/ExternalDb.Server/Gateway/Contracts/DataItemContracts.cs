using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway.Contracts;

// The single-item shapes of Wix Data Items v2 (wix-data-items-api.md §2, §4.1, §4.2), as the wire spells them.

/// <summary>An item: its id, its collection (<c>connectionName/collectionId</c>) and its field values (system fields included).</summary>
internal sealed record DataItem(string? Id, string? DataCollectionId, JsonObject? Data);

/// <summary>The body of InsertDataItem.</summary>
internal sealed record InsertDataItemRequest(string DataCollectionId, DataItem DataItem);

/// <summary>The body of UpdateDataItem (<c>dataItem.id</c> required; the path's id wins).</summary>
internal sealed record UpdateDataItemRequest(string DataCollectionId, DataItem DataItem);

/// <summary>The body of SaveDataItem.</summary>
internal sealed record SaveDataItemRequest(string DataCollectionId, DataItem DataItem);

/// <summary>The body of RemoveDataItem's POST binding; the DELETE binding takes the same values in path and query.</summary>
internal sealed record RemoveDataItemRequest(string DataCollectionId, string DataItemId);

/// <summary>The body of TruncateDataItems.</summary>
internal sealed record TruncateDataItemsRequest(string DataCollectionId);

/// <summary>The answer of Insert, Update, Get and Remove: the item (for Remove, the removed item).</summary>
internal sealed record DataItemAnswer(DataItem DataItem);

/// <summary>The answer of SaveDataItem: <c>INSERTED</c> or <c>UPDATED</c>, and the item.</summary>
internal sealed record SaveDataItemAnswer(string Action, DataItem DataItem);

/// <summary>The empty answer (<c>{}</c>) of Truncate and of DeleteDataCollection.</summary>
internal sealed record EmptyAnswer;
