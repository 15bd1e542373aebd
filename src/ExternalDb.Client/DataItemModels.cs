using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// An item of a data collection, as Wix Data's REST API shapes it: an ID, the collection it belongs to,
/// and its field values. On read, <see cref="Data"/> also holds the system fields <c>_id</c>,
/// <c>_createdDate</c>, <c>_updatedDate</c> (as <c>{"$date": "..."}</c> objects) and <c>_owner</c>.
/// </summary>
public sealed record DataItem
{
    /// <summary>The item's ID (at most 128 characters). Optional on insert: the server then makes one.</summary>
    public string? Id { get; init; }

    /// <summary>The collection the item belongs to, e.g. <c>myDb/products</c> (read-only; filled in by the server).</summary>
    public string? DataCollectionId { get; init; }

    /// <summary>The item's field values. Build date-time values with <see cref="DataValue.Date(DateTimeOffset)"/>.</summary>
    public JsonObject Data { get; init; } = [];

    /// <summary>
    /// An item whose data is <paramref name="data"/> mapped by <see cref="DataMapping"/> (a record, a class, an anonymous
    /// object, a dictionary); its ID is the data's <c>_id</c> (a property <c>Id</c>), if any.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="data"/> does not map to a JSON object.</exception>
    public static DataItem From<T>(T data)
    {
        if (data is DataItem item)
        {
            return item;
        }
        var json = data is JsonObject o ? o : DataMapping.ToData(data);
        return new DataItem { Id = json["_id"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null, Data = json };
    }

    /// <summary>The item's data as a <typeparamref name="T"/> (mapped by <see cref="DataMapping"/>).</summary>
    /// <exception cref="System.Text.Json.JsonException">When the data does not fit <typeparamref name="T"/>.</exception>
    public T As<T>() => DataMapping.FromData<T>(Data);

    /// <summary>
    /// One field as a <typeparamref name="T"/>, e.g. <c>item.Get&lt;double&gt;("price")</c> or <c>item.Get&lt;DateTime&gt;("_createdDate")</c>;
    /// the default of <typeparamref name="T"/> when the field is absent or null.
    /// </summary>
    /// <exception cref="System.Text.Json.JsonException">When the value does not fit <typeparamref name="T"/>.</exception>
    public T? Get<T>(string field)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        return Data[field] is { } value ? System.Text.Json.JsonSerializer.Deserialize<T>(value, DataMapping.Options) : default;
    }
}

/// <summary>Sort direction.</summary>
public enum SortOrder
{
    /// <summary>Ascending (<c>ASC</c>).</summary>
    Asc,
    /// <summary>Descending (<c>DESC</c>).</summary>
    Desc,
}

/// <summary>One sort key of a query.</summary>
/// <param name="FieldName">The field to sort by.</param>
/// <param name="Order">The direction.</param>
public sealed record Sorting(string FieldName, SortOrder Order = SortOrder.Asc);

/// <summary>Cursor paging: the first request has no cursor; each later one sends only the cursor of the previous page.</summary>
/// <param name="Limit">How many items a page holds.</param>
/// <param name="Cursor">The cursor of the page to read, from <see cref="PagingCursors.Next"/>.</param>
public sealed record CursorPaging(int? Limit = null, string? Cursor = null);

/// <summary>The cursors of a page read with cursor paging.</summary>
public sealed record PagingCursors
{
    /// <summary>The cursor of the next page, if there is one.</summary>
    public string? Next { get; init; }

    /// <summary>The cursor of the previous page, if there is one.</summary>
    public string? Prev { get; init; }
}

/// <summary>Where a page of items stands (Wix's <c>PagingMetadataV2</c>).</summary>
public sealed record ItemsPagingMetadata
{
    /// <summary>How many entries this page holds.</summary>
    public int Count { get; init; }

    /// <summary>The offset that was asked for (offset paging).</summary>
    public int? Offset { get; init; }

    /// <summary>How many entries match in all; only with offset paging and when the total was asked for.</summary>
    public int? Total { get; init; }

    /// <summary>Whether the server could not count the matches.</summary>
    public bool? TooManyToCount { get; init; }

    /// <summary>The cursors, with cursor paging.</summary>
    public PagingCursors? Cursors { get; init; }

    /// <summary>Whether more entries follow this page.</summary>
    public bool HasNext { get; init; }
}

/// <summary>
/// The query of <see cref="DataItemsClient.QueryDataItemsAsync"/> (Wix's <c>QueryV2</c>). Set either
/// <see cref="Paging"/> or <see cref="CursorPaging"/>, not both. The fluent
/// <see cref="DataItemsClient.Query(string)"/> builds one for you.
/// </summary>
public sealed record DataQuery
{
    /// <summary>A filter in the Wix API query language, e.g. <c>{"price": {"$gt": 10}}</c>; <see cref="DataFilter"/> builds one.</summary>
    public JsonObject? Filter { get; init; }

    /// <summary>The sort keys, applied in order.</summary>
    public IReadOnlyList<Sorting>? Sort { get; init; }

    /// <summary>Offset paging.</summary>
    public Paging? Paging { get; init; }

    /// <summary>Cursor paging.</summary>
    public CursorPaging? CursorPaging { get; init; }

    /// <summary>The fields to return (<c>_id</c> is always returned); all when empty.</summary>
    public IReadOnlyList<string>? Fields { get; init; }
}

/// <summary>Options of <see cref="DataItemsClient.QueryDataItemsAsync"/>.</summary>
public sealed record QueryDataItemsOptions
{
    /// <summary>Ask for <see cref="ItemsPagingMetadata.Total"/> (offset paging only).</summary>
    public bool ReturnTotalCount { get; init; }

    /// <summary>Read from the primary database: slower, but sees writes made just before.</summary>
    public bool ConsistentRead { get; init; }
}

/// <summary>A page of items.</summary>
public sealed record QueryDataItemsResponse
{
    /// <summary>The items of this page.</summary>
    public IReadOnlyList<DataItem> DataItems { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public ItemsPagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>Options of <see cref="DataItemsClient.GetDataItemAsync"/>.</summary>
public sealed record GetDataItemOptions
{
    /// <summary>Read from the primary database: slower, but sees writes made just before.</summary>
    public bool ConsistentRead { get; init; }

    /// <summary>The fields to return (<c>_id</c> is always returned); all when null or empty.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Reference fields whose referenced items come back in full instead of their IDs (Wix's <c>includeReferences</c>).</summary>
    public IReadOnlyList<IncludedReference>? IncludeReferences { get; init; }
}

/// <summary>What <see cref="DataItemsClient.SaveDataItemAsync(string, DataItem, CancellationToken)"/> did.</summary>
public enum SaveDataItemAction
{
    /// <summary>Not reported.</summary>
    UnknownAction,
    /// <summary>A new item was inserted.</summary>
    Inserted,
    /// <summary>An existing item was replaced.</summary>
    Updated,
}

/// <summary>The answer of <see cref="DataItemsClient.SaveDataItemAsync(string, DataItem, CancellationToken)"/>.</summary>
public sealed record SaveDataItemResponse
{
    /// <summary>Whether the item was inserted or updated.</summary>
    public SaveDataItemAction Action { get; init; }

    /// <summary>The saved item.</summary>
    public DataItem DataItem { get; init; } = new();
}

/// <summary>The kind of write one entry of a bulk call made.</summary>
public enum BulkActionType
{
    /// <summary>Not reported.</summary>
    UnknownActionType,
    /// <summary>Inserted.</summary>
    Insert,
    /// <summary>Updated.</summary>
    Update,
    /// <summary>Removed.</summary>
    Delete,
    /// <summary>Patched.</summary>
    Patch,
}

/// <summary>An error of one entry of a bulk call (Wix's <c>ApplicationError</c>).</summary>
public sealed record ApplicationError
{
    /// <summary>The error code, e.g. <c>WDE0074</c> (item already exists) or <c>WDE0073</c> (item not found).</summary>
    public string Code { get; init; } = "";

    /// <summary>What went wrong.</summary>
    public string Description { get; init; } = "";

    /// <summary>Details, e.g. <c>{"itemId": "..."}</c>.</summary>
    public JsonObject? Data { get; init; }
}

/// <summary>The outcome of one entry of a bulk call.</summary>
public sealed record BulkItemMetadata
{
    /// <summary>The item's ID, when there is one.</summary>
    public string? Id { get; init; }

    /// <summary>The index of the entry in the request.</summary>
    public int OriginalIndex { get; init; }

    /// <summary>Whether this entry succeeded.</summary>
    public bool Success { get; init; }

    /// <summary>Why it failed, when it did.</summary>
    public ApplicationError? Error { get; init; }
}

/// <summary>One result of a bulk items call.</summary>
public sealed record BulkDataItemResult
{
    /// <summary>What was done.</summary>
    public BulkActionType Action { get; init; }

    /// <summary>The entry's outcome.</summary>
    public BulkItemMetadata ItemMetadata { get; init; } = new();

    /// <summary>The written item, when it was asked for (<c>returnEntity</c>) and the entry succeeded.</summary>
    public DataItem? DataItem { get; init; }
}

/// <summary>The totals of a bulk call.</summary>
public sealed record BulkActionMetadata
{
    /// <summary>How many entries succeeded.</summary>
    public int TotalSuccesses { get; init; }

    /// <summary>How many entries failed.</summary>
    public int TotalFailures { get; init; }

    /// <summary>How many failures have no result of their own (ExternalDb details every failure, so 0).</summary>
    public int UndetailedFailures { get; init; }
}

/// <summary>The answer of a bulk items call: one result per entry (a failed entry does not fail the call).</summary>
public sealed record BulkDataItemsResponse
{
    /// <summary>One result per entry of the request.</summary>
    public IReadOnlyList<BulkDataItemResult> Results { get; init; } = [];

    /// <summary>The totals.</summary>
    public BulkActionMetadata BulkActionMetadata { get; init; } = new();
}

/// <summary>A reference from a (multi-)reference field of one item to another item.</summary>
/// <param name="ReferringItemFieldName">The reference field of the referring item.</param>
/// <param name="ReferringItemId">The ID of the item holding the reference.</param>
/// <param name="ReferencedItemId">The ID of the item referred to.</param>
public sealed record DataItemReference(string ReferringItemFieldName, string ReferringItemId, string ReferencedItemId);

/// <summary>One result of a bulk references call.</summary>
public sealed record BulkDataItemReferenceResult
{
    /// <summary>What was done.</summary>
    public BulkActionType Action { get; init; }

    /// <summary>The entry's outcome.</summary>
    public BulkItemMetadata ReferenceMetadata { get; init; } = new();

    /// <summary>The reference, when it was asked for (<c>returnEntity</c>) and the entry succeeded.</summary>
    public DataItemReference? DataItemReference { get; init; }
}

/// <summary>The answer of a bulk references call.</summary>
public sealed record BulkDataItemReferencesResponse
{
    /// <summary>One result per entry of the request.</summary>
    public IReadOnlyList<BulkDataItemReferenceResult> Results { get; init; } = [];

    /// <summary>The totals.</summary>
    public BulkActionMetadata BulkActionMetadata { get; init; } = new();
}

/// <summary>A reference that could not be resolved to an item.</summary>
public sealed record UnresolvedReference
{
    /// <summary>The ID the reference points to.</summary>
    public string? ReferencedItemId { get; init; }

    /// <summary>True when the item exists but the caller may not read it.</summary>
    public bool Unauthorized { get; init; }
}

/// <summary>One referenced item: either <see cref="DataItem"/> or <see cref="UnresolvedReference"/> is set.</summary>
public sealed record ReferencedItemResult
{
    /// <summary>The ID of the referring item.</summary>
    public string? ReferringItemId { get; init; }

    /// <summary>The referenced item, when it could be read.</summary>
    public DataItem? DataItem { get; init; }

    /// <summary>The reference, when the item could not be read.</summary>
    public UnresolvedReference? UnresolvedReference { get; init; }
}

/// <summary>Options of <see cref="DataItemsClient.QueryReferencedDataItemsAsync"/>.</summary>
public sealed record QueryReferencedDataItemsOptions
{
    /// <summary>Order by the date each reference was made.</summary>
    public SortOrder? Order { get; init; }

    /// <summary>Offset paging.</summary>
    public Paging? Paging { get; init; }

    /// <summary>Cursor paging.</summary>
    public CursorPaging? CursorPaging { get; init; }

    /// <summary>Ask for <see cref="ItemsPagingMetadata.Total"/>.</summary>
    public bool ReturnTotalCount { get; init; }

    /// <summary>Read from the primary database.</summary>
    public bool ConsistentRead { get; init; }

    /// <summary>The fields of the referenced items to return.</summary>
    public IReadOnlyList<string>? Fields { get; init; }
}

/// <summary>A page of referenced items.</summary>
public sealed record QueryReferencedDataItemsResponse
{
    /// <summary>The referenced items of this page.</summary>
    public IReadOnlyList<ReferencedItemResult> Results { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public ItemsPagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>Options of <see cref="DataItemsClient.QueryDistinctValuesAsync"/>.</summary>
public sealed record QueryDistinctValuesOptions
{
    /// <summary>Only items matching this filter count.</summary>
    public JsonObject? Filter { get; init; }

    /// <summary>The order of the values.</summary>
    public SortOrder? Order { get; init; }

    /// <summary>Offset paging.</summary>
    public Paging? Paging { get; init; }

    /// <summary>Cursor paging.</summary>
    public CursorPaging? CursorPaging { get; init; }

    /// <summary>Ask for <see cref="ItemsPagingMetadata.Total"/>.</summary>
    public bool ReturnTotalCount { get; init; }

    /// <summary>Read from the primary database.</summary>
    public bool ConsistentRead { get; init; }
}

/// <summary>A page of distinct values.</summary>
public sealed record QueryDistinctValuesResponse
{
    /// <summary>The distinct values of this page.</summary>
    public IReadOnlyList<JsonNode?> DistinctValues { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public ItemsPagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>One operation of an aggregation: <c>resultFieldName</c> and one of average, min, max, sum, itemCount.</summary>
public sealed record AggregationOperation
{
    private AggregationOperation(string resultFieldName, string kind, string? itemFieldName)
    {
        ArgumentException.ThrowIfNullOrEmpty(resultFieldName);
        ResultFieldName = resultFieldName;
        Kind = kind;
        ItemFieldName = itemFieldName;
    }

    /// <summary>The name of the result field.</summary>
    public string ResultFieldName { get; }

    /// <summary>The operation's wire name: <c>average</c>, <c>min</c>, <c>max</c>, <c>sum</c> or <c>itemCount</c>.</summary>
    public string Kind { get; }

    /// <summary>The field aggregated (null for item count).</summary>
    public string? ItemFieldName { get; }

    /// <summary>The average of <paramref name="itemFieldName"/> per group.</summary>
    public static AggregationOperation Average(string resultFieldName, string itemFieldName) => new(resultFieldName, "average", Field(itemFieldName));

    /// <summary>The minimum of <paramref name="itemFieldName"/> per group.</summary>
    public static AggregationOperation Min(string resultFieldName, string itemFieldName) => new(resultFieldName, "min", Field(itemFieldName));

    /// <summary>The maximum of <paramref name="itemFieldName"/> per group.</summary>
    public static AggregationOperation Max(string resultFieldName, string itemFieldName) => new(resultFieldName, "max", Field(itemFieldName));

    /// <summary>The sum of <paramref name="itemFieldName"/> per group.</summary>
    public static AggregationOperation Sum(string resultFieldName, string itemFieldName) => new(resultFieldName, "sum", Field(itemFieldName));

    /// <summary>The number of items per group.</summary>
    public static AggregationOperation ItemCount(string resultFieldName) => new(resultFieldName, "itemCount", null);

    internal JsonObject ToJson()
    {
        var operation = new JsonObject();
        if (ItemFieldName is not null)
        {
            operation["itemFieldName"] = ItemFieldName;
        }
        return new JsonObject { ["resultFieldName"] = ResultFieldName, [Kind] = operation };
    }

    private static string Field(string itemFieldName)
    {
        ArgumentException.ThrowIfNullOrEmpty(itemFieldName);
        return itemFieldName;
    }
}

/// <summary>What <see cref="DataItemsClient.AggregateDataItemsAsync"/> computes: groups and operations per group.</summary>
public sealed record DataAggregation
{
    /// <summary>The fields to group by; none makes one group of all matching items.</summary>
    public IReadOnlyList<string> GroupingFields { get; init; } = [];

    /// <summary>The operations computed per group.</summary>
    public IReadOnlyList<AggregationOperation> Operations { get; init; } = [];
}

/// <summary>Options of <see cref="DataItemsClient.AggregateDataItemsAsync"/>.</summary>
public sealed record AggregateDataItemsOptions
{
    /// <summary>Filter applied to the items before grouping.</summary>
    public JsonObject? InitialFilter { get; init; }

    /// <summary>Filter applied to the results (like SQL's HAVING).</summary>
    public JsonObject? FinalFilter { get; init; }

    /// <summary>The order of the results.</summary>
    public IReadOnlyList<Sorting>? Sort { get; init; }

    /// <summary>Offset paging.</summary>
    public Paging? Paging { get; init; }

    /// <summary>Cursor paging.</summary>
    public CursorPaging? CursorPaging { get; init; }

    /// <summary>Ask for <see cref="ItemsPagingMetadata.Total"/>.</summary>
    public bool ReturnTotalCount { get; init; }

    /// <summary>Read from the primary database.</summary>
    public bool ConsistentRead { get; init; }
}

/// <summary>A page of aggregation results.</summary>
public sealed record AggregateDataItemsResponse
{
    /// <summary>One object per group: <c>_id</c> holds the grouping values, plus one field per operation.</summary>
    public IReadOnlyList<JsonObject> Results { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public ItemsPagingMetadata PagingMetadata { get; init; } = new();
}
