using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// The Data Items API (Wix Data Items v2) of the ExternalDb data gateway: reads and writes the items of
/// a collection named <c>connectionName/collectionId</c>. Method names follow Wix's.
/// <code>
/// var page = await client.Items.Query("shop/products").Gt("price", 10).Ascending("title").Limit(100).FindAsync();
/// </code>
/// </summary>
public sealed partial class DataItemsClient
{
    private const string Items = "wix-data/v2/items";
    private const string BulkItems = "wix-data/v2/bulk/items";
    private readonly ApiTransport _transport;

    internal DataItemsClient(ApiTransport transport) => _transport = transport;

    /// <summary>Starts a fluent query of <paramref name="dataCollectionId"/>; run it with <see cref="DataItemsQuery.FindAsync"/>.</summary>
    public DataItemsQuery Query(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return new DataItemsQuery(this, dataCollectionId);
    }

    /// <summary>Inserts an item (<c>POST /wix-data/v2/items</c>). Without <see cref="DataItem.Id"/> the server makes one.</summary>
    /// <returns>The inserted item, with its system fields.</returns>
    /// <exception cref="ExternalDbException">409 <c>WDE0074</c> when the ID is taken; 404 <c>WDE0025</c> when the collection does not exist.</exception>
    public async Task<DataItem> InsertDataItemAsync(string dataCollectionId, DataItem dataItem, CancellationToken ct = default)
    {
        var body = Body(dataCollectionId);
        body["dataItem"] = WritableItem(dataItem);
        return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Post, Items, body, ct).ConfigureAwait(false)).DataItem;
    }

    /// <summary>
    /// Replaces an item (<c>PUT /wix-data/v2/items/{id}</c>, the ID URL-escaped): fields not sent are lost. The ID is
    /// <see cref="DataItem.Id"/>, or <c>_id</c> in its data.
    /// </summary>
    /// <exception cref="ExternalDbException">404 <c>WDE0073</c> when no such item exists.</exception>
    public async Task<DataItem> UpdateDataItemAsync(string dataCollectionId, DataItem dataItem, CancellationToken ct = default)
    {
        var item = WritableItem(dataItem);
        var id = item["id"]?.GetValue<string>()
            ?? throw new ArgumentException("The item to update needs an ID (DataItem.Id or data._id).", nameof(dataItem));
        var body = Body(dataCollectionId);
        body["dataItem"] = item;
        return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Put, ItemPath(id), body, ct).ConfigureAwait(false)).DataItem;
    }

    /// <summary>Inserts the item, or replaces it when its ID exists (<c>POST /wix-data/v2/items/save</c>).</summary>
    public Task<SaveDataItemResponse> SaveDataItemAsync(string dataCollectionId, DataItem dataItem, CancellationToken ct = default)
    {
        var body = Body(dataCollectionId);
        body["dataItem"] = WritableItem(dataItem);
        return _transport.SendAsync<SaveDataItemResponse>(HttpMethod.Post, Items + "/save", body, ct);
    }

    /// <summary>Retrieves an item by ID (<c>GET /wix-data/v2/items/{id}?dataCollectionId=...</c>).</summary>
    /// <exception cref="ExternalDbException">404 <c>WDE0073</c> when no such item exists (see <see cref="ExternalDbException.IsNotFound"/>).</exception>
    public async Task<DataItem> GetDataItemAsync(string dataCollectionId, string dataItemId, GetDataItemOptions? options = null, CancellationToken ct = default)
    {
        if (options is { IncludeReferences: { Count: > 0 } includes })
        {
            // The whole message as base64url JSON in ".r", as Wix's SDK sends GET requests: the list of objects has no query-string form.
            var message = Body(dataCollectionId);
            if (options.ConsistentRead)
            {
                message["consistentRead"] = true;
            }
            if (options.Fields is { Count: > 0 } projection)
            {
                message["fields"] = Node(projection);
            }
            message["includeReferences"] = IncludeReferencesNode(includes);
            var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(message.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Get, ItemPath(dataItemId) + "?.r=" + encoded, null, ct).ConfigureAwait(false)).DataItem;
        }
        var query = new List<string> { "dataCollectionId=" + Escape(dataCollectionId) };
        if (options?.ConsistentRead == true)
        {
            query.Add("consistentRead=true");
        }
        foreach (var field in options?.Fields ?? [])
        {
            query.Add("fields=" + Uri.EscapeDataString(field));
        }
        var path = ItemPath(dataItemId) + "?" + string.Join('&', query);
        return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Get, path, null, ct).ConfigureAwait(false)).DataItem;
    }

    /// <summary>Removes an item (<c>DELETE /wix-data/v2/items/{id}?dataCollectionId=...</c>).</summary>
    /// <returns>The removed item.</returns>
    /// <exception cref="ExternalDbException">404 <c>WDE0073</c> when no such item exists.</exception>
    public async Task<DataItem> RemoveDataItemAsync(string dataCollectionId, string dataItemId, CancellationToken ct = default)
    {
        var path = ItemPath(dataItemId) + "?dataCollectionId=" + Escape(dataCollectionId);
        return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Delete, path, null, ct).ConfigureAwait(false)).DataItem;
    }

    /// <summary>Removes every item of the collection (<c>POST /wix-data/v2/items/truncate</c>).</summary>
    public async Task TruncateDataItemsAsync(string dataCollectionId, CancellationToken ct = default) =>
        await _transport.SendAsync<JsonObject>(HttpMethod.Post, Items + "/truncate", Body(dataCollectionId), ct).ConfigureAwait(false);

    /// <summary>Reads one page of items (<c>POST /wix-data/v2/items/query</c>). <see cref="Query(string)"/> is the fluent way.</summary>
    public Task<QueryDataItemsResponse> QueryDataItemsAsync(string dataCollectionId, DataQuery query, QueryDataItemsOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Paging is not null && query.CursorPaging is not null)
        {
            throw new ArgumentException("A query has either offset paging or cursor paging, not both.", nameof(query));
        }
        var q = new JsonObject();
        if (query.Filter is { Count: > 0 })
        {
            q["filter"] = query.Filter.DeepClone();
        }
        if (query.Sort is { Count: > 0 })
        {
            q["sort"] = Node(query.Sort);
        }
        if (query.Paging is not null)
        {
            q["paging"] = Node(query.Paging);
        }
        if (query.CursorPaging is not null)
        {
            q["cursorPaging"] = Node(query.CursorPaging);
        }
        if (query.Fields is { Count: > 0 })
        {
            q["fields"] = Node(query.Fields);
        }
        var body = Body(dataCollectionId);
        body["query"] = q;
        if (options?.ReturnTotalCount == true)
        {
            body["returnTotalCount"] = true;
        }
        if (options?.ConsistentRead == true)
        {
            body["consistentRead"] = true;
        }
        return QueryAsync(body, ct);
    }

    internal Task<QueryDataItemsResponse> QueryAsync(JsonObject body, CancellationToken ct) =>
        _transport.SendAsync<QueryDataItemsResponse>(HttpMethod.Post, Items + "/query", body, ct);

    /// <summary>Counts the items matching <paramref name="filter"/>, or all items (<c>POST /wix-data/v2/items/count</c>).</summary>
    public async Task<int> CountDataItemsAsync(string dataCollectionId, JsonObject? filter = null, CancellationToken ct = default)
    {
        var body = Body(dataCollectionId);
        if (filter is { Count: > 0 })
        {
            body["filter"] = filter.DeepClone();
        }
        return (await _transport.SendAsync<CountEnvelope>(HttpMethod.Post, Items + "/count", body, ct).ConfigureAwait(false)).TotalCount;
    }

    /// <summary>Groups the items and computes averages, sums, counts... per group (<c>POST /wix-data/v2/items/aggregate</c>).</summary>
    public Task<AggregateDataItemsResponse> AggregateDataItemsAsync(string dataCollectionId, DataAggregation aggregation, AggregateDataItemsOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(aggregation);
        var body = Body(dataCollectionId);
        if (options?.InitialFilter is { Count: > 0 } initial)
        {
            body["initialFilter"] = initial.DeepClone();
        }
        body["aggregation"] = new JsonObject
        {
            ["groupingFields"] = Node(aggregation.GroupingFields),
            ["operations"] = new JsonArray([.. aggregation.Operations.Select(o => (JsonNode)o.ToJson())]),
        };
        if (options?.FinalFilter is { Count: > 0 } final)
        {
            body["finalFilter"] = final.DeepClone();
        }
        if (options?.Sort is { Count: > 0 } sort)
        {
            body["sort"] = Node(sort);
        }
        AddPaging(body, options?.Paging, options?.CursorPaging, options?.ReturnTotalCount == true, options?.ConsistentRead == true);
        return _transport.SendAsync<AggregateDataItemsResponse>(HttpMethod.Post, Items + "/aggregate", body, ct);
    }

    /// <summary>The distinct values of <paramref name="fieldName"/> among the matching items (<c>POST /wix-data/v2/items/query-distinct-values</c>).</summary>
    public Task<QueryDistinctValuesResponse> QueryDistinctValuesAsync(string dataCollectionId, string fieldName, QueryDistinctValuesOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        var body = Body(dataCollectionId);
        body["fieldName"] = fieldName;
        if (options?.Filter is { Count: > 0 } filter)
        {
            body["filter"] = filter.DeepClone();
        }
        if (options?.Order is { } order)
        {
            body["order"] = Node(order);
        }
        AddPaging(body, options?.Paging, options?.CursorPaging, options?.ReturnTotalCount == true, options?.ConsistentRead == true);
        return _transport.SendAsync<QueryDistinctValuesResponse>(HttpMethod.Post, Items + "/query-distinct-values", body, ct);
    }

    /// <summary>Inserts up to 1000 items in one call (<c>POST /wix-data/v2/bulk/items/insert</c>); a failed item (e.g. <c>WDE0074</c>) is reported in its result, not thrown.</summary>
    /// <param name="dataCollectionId">The collection.</param>
    /// <param name="dataItems">The items, at most 1000.</param>
    /// <param name="returnEntity">Whether each result carries the inserted item.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BulkDataItemsResponse> BulkInsertDataItemsAsync(string dataCollectionId, IEnumerable<DataItem> dataItems, bool returnEntity = false, CancellationToken ct = default) =>
        BulkWriteAsync("insert", dataCollectionId, dataItems, returnEntity, ct);

    /// <summary>Replaces up to 1000 items in one call (<c>POST /wix-data/v2/bulk/items/update</c>); a missing item fails its result with <c>WDE0073</c>.</summary>
    /// <param name="dataCollectionId">The collection.</param>
    /// <param name="dataItems">The items, each with an ID, at most 1000.</param>
    /// <param name="returnEntity">Whether each result carries the updated item.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BulkDataItemsResponse> BulkUpdateDataItemsAsync(string dataCollectionId, IEnumerable<DataItem> dataItems, bool returnEntity = false, CancellationToken ct = default) =>
        BulkWriteAsync("update", dataCollectionId, dataItems, returnEntity, ct);

    /// <summary>Inserts or replaces up to 1000 items in one call (<c>POST /wix-data/v2/bulk/items/save</c>).</summary>
    /// <param name="dataCollectionId">The collection.</param>
    /// <param name="dataItems">The items, at most 1000.</param>
    /// <param name="returnEntity">Whether each result carries the saved item.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BulkDataItemsResponse> BulkSaveDataItemsAsync(string dataCollectionId, IEnumerable<DataItem> dataItems, bool returnEntity = false, CancellationToken ct = default) =>
        BulkWriteAsync("save", dataCollectionId, dataItems, returnEntity, ct);

    /// <summary>Removes up to 1000 items by ID in one call (<c>POST /wix-data/v2/bulk/items/remove</c>); an unknown ID fails its result with <c>WDE0073</c>.</summary>
    public Task<BulkDataItemsResponse> BulkRemoveDataItemsAsync(string dataCollectionId, IEnumerable<string> dataItemIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataItemIds);
        var body = Body(dataCollectionId);
        body["dataItemIds"] = new JsonArray([.. dataItemIds.Select(id => (JsonNode)id)]);
        return _transport.SendAsync<BulkDataItemsResponse>(HttpMethod.Post, BulkItems + "/remove", body, ct);
    }

    /// <summary>The items referenced by a reference field of one item (<c>POST /wix-data/v2/items/query-referenced</c>).</summary>
    /// <param name="dataCollectionId">The collection of the referring item.</param>
    /// <param name="referringItemId">The referring item.</param>
    /// <param name="referringItemFieldName">Its (multi-)reference field.</param>
    /// <param name="options">Order, paging, projection.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<QueryReferencedDataItemsResponse> QueryReferencedDataItemsAsync(
        string dataCollectionId,
        string referringItemId,
        string referringItemFieldName,
        QueryReferencedDataItemsOptions? options = null,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(referringItemId);
        ArgumentException.ThrowIfNullOrEmpty(referringItemFieldName);
        var body = Body(dataCollectionId);
        body["referringItemId"] = referringItemId;
        body["referringItemFieldName"] = referringItemFieldName;
        if (options?.Order is { } order)
        {
            body["order"] = Node(order);
        }
        if (options?.Fields is { Count: > 0 } fields)
        {
            body["fields"] = Node(fields);
        }
        AddPaging(body, options?.Paging, options?.CursorPaging, options?.ReturnTotalCount == true, options?.ConsistentRead == true);
        return _transport.SendAsync<QueryReferencedDataItemsResponse>(HttpMethod.Post, Items + "/query-referenced", body, ct);
    }

    /// <summary>Whether the reference exists (<c>POST /wix-data/v2/items/is-referenced</c>).</summary>
    public async Task<bool> IsReferencedDataItemAsync(string dataCollectionId, DataItemReference reference, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var body = Body(dataCollectionId);
        body["referringItemFieldName"] = reference.ReferringItemFieldName;
        body["referringItemId"] = reference.ReferringItemId;
        body["referencedItemId"] = reference.ReferencedItemId;
        return (await _transport.SendAsync<IsReferencedEnvelope>(HttpMethod.Post, Items + "/is-referenced", body, ct).ConfigureAwait(false)).IsReferenced;
    }

    /// <summary>Adds a reference (<c>POST /wix-data/v2/items/insert-reference</c>).</summary>
    /// <exception cref="ExternalDbException">409 <c>WDE0029</c> when the reference exists.</exception>
    public async Task<DataItemReference> InsertDataItemReferenceAsync(string dataCollectionId, DataItemReference reference, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var body = Body(dataCollectionId);
        body["dataItemReference"] = Node(reference);
        return (await _transport.SendAsync<ReferenceEnvelope>(HttpMethod.Post, Items + "/insert-reference", body, ct).ConfigureAwait(false)).DataItemReference;
    }

    /// <summary>Removes a reference (<c>POST /wix-data/v2/items/remove-reference</c>).</summary>
    public async Task<DataItemReference> RemoveDataItemReferenceAsync(string dataCollectionId, DataItemReference reference, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var body = Body(dataCollectionId);
        body["dataItemReference"] = Node(reference);
        return (await _transport.SendAsync<ReferenceEnvelope>(HttpMethod.Post, Items + "/remove-reference", body, ct).ConfigureAwait(false)).DataItemReference;
    }

    /// <summary>Adds up to 1000 references in one call (<c>POST /wix-data/v2/bulk/items/insert-references</c>).</summary>
    /// <param name="dataCollectionId">The collection of the referring items.</param>
    /// <param name="references">The references, at most 1000.</param>
    /// <param name="returnEntity">Whether each result carries the reference.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BulkDataItemReferencesResponse> BulkInsertDataItemReferencesAsync(string dataCollectionId, IEnumerable<DataItemReference> references, bool returnEntity = false, CancellationToken ct = default)
    {
        var body = ReferencesBody(dataCollectionId, references);
        if (returnEntity)
        {
            body["returnEntity"] = true;
        }
        return _transport.SendAsync<BulkDataItemReferencesResponse>(HttpMethod.Post, BulkItems + "/insert-references", body, ct);
    }

    /// <summary>Removes up to 1000 references in one call (<c>POST /wix-data/v2/bulk/items/remove-references</c>).</summary>
    public Task<BulkDataItemReferencesResponse> BulkRemoveDataItemReferencesAsync(string dataCollectionId, IEnumerable<DataItemReference> references, CancellationToken ct = default) =>
        _transport.SendAsync<BulkDataItemReferencesResponse>(HttpMethod.Post, BulkItems + "/remove-references", ReferencesBody(dataCollectionId, references), ct);

    /// <summary>
    /// Replaces all references of one item's field with references to <paramref name="newReferencedItemIds"/>
    /// (<c>POST /wix-data/v2/items/replace-references</c>); an empty list removes them all.
    /// </summary>
    /// <returns>The references the field now holds.</returns>
    public async Task<IReadOnlyList<DataItemReference>> ReplaceDataItemReferencesAsync(
        string dataCollectionId,
        string referringItemId,
        string referringItemFieldName,
        IEnumerable<string> newReferencedItemIds,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(referringItemId);
        ArgumentException.ThrowIfNullOrEmpty(referringItemFieldName);
        ArgumentNullException.ThrowIfNull(newReferencedItemIds);
        var body = Body(dataCollectionId);
        body["referringItemFieldName"] = referringItemFieldName;
        body["referringItemId"] = referringItemId;
        body["newReferencedItemIds"] = new JsonArray([.. newReferencedItemIds.Select(id => (JsonNode)id)]);
        var answer = await _transport.SendAsync<ReferencesEnvelope>(HttpMethod.Post, Items + "/replace-references", body, ct).ConfigureAwait(false);
        return answer.DataItemReferences ?? [];
    }

    private Task<BulkDataItemsResponse> BulkWriteAsync(string action, string dataCollectionId, IEnumerable<DataItem> dataItems, bool returnEntity, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataItems);
        var body = Body(dataCollectionId);
        body["dataItems"] = new JsonArray([.. dataItems.Select(i => (JsonNode)WritableItem(i))]);
        if (returnEntity)
        {
            body["returnEntity"] = true;
        }
        return _transport.SendAsync<BulkDataItemsResponse>(HttpMethod.Post, BulkItems + "/" + action, body, ct);
    }

    private static JsonObject ReferencesBody(string dataCollectionId, IEnumerable<DataItemReference> references)
    {
        ArgumentNullException.ThrowIfNull(references);
        var body = Body(dataCollectionId);
        body["dataItemReferences"] = new JsonArray([.. references.Select(r => Node(r))]);
        return body;
    }

    private static void AddPaging(JsonObject body, Paging? paging, CursorPaging? cursorPaging, bool returnTotalCount, bool consistentRead)
    {
        if (paging is not null && cursorPaging is not null)
        {
            throw new ArgumentException("Use either offset paging or cursor paging, not both.");
        }
        if (paging is not null)
        {
            body["paging"] = Node(paging);
        }
        if (cursorPaging is not null)
        {
            body["cursorPaging"] = Node(cursorPaging);
        }
        if (returnTotalCount)
        {
            body["returnTotalCount"] = true;
        }
        if (consistentRead)
        {
            body["consistentRead"] = true;
        }
    }

    internal static JsonObject Body(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return new JsonObject { ["dataCollectionId"] = dataCollectionId };
    }

    internal static JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, ApiTransport.Json);

    /// <summary>The item as sent on writes: <c>{id?, data}</c>; the ID falls back to <c>data._id</c>.</summary>
    private static JsonObject WritableItem(DataItem dataItem)
    {
        ArgumentNullException.ThrowIfNull(dataItem);
        var node = new JsonObject();
        var id = dataItem.Id ?? (dataItem.Data["_id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null);
        if (id is not null)
        {
            node["id"] = id;
        }
        node["data"] = dataItem.Data.DeepClone();
        return node;
    }

    /// <summary>
    /// The item's URL: each '/'-separated part of the ID is escaped, the slashes stay raw. Wix's SDK sends the ID
    /// unescaped and servers read it as "rest of the path"; an escaped <c>%2F</c> would reach them undecoded.
    /// </summary>
    private static string ItemPath(string dataItemId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataItemId);
        return Items + "/" + string.Join('/', dataItemId.Split('/').Select(Uri.EscapeDataString));
    }

    private static string Escape(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return Uri.EscapeDataString(dataCollectionId);
    }

    private sealed record ItemEnvelope(DataItem DataItem);

    private sealed record CountEnvelope(int TotalCount);

    private sealed record IsReferencedEnvelope(bool IsReferenced);

    private sealed record ReferenceEnvelope(DataItemReference DataItemReference);

    private sealed record ReferencesEnvelope(IReadOnlyList<DataItemReference>? DataItemReferences);
}
