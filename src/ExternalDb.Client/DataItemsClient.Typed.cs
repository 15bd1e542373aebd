namespace ExternalDb.Client;

/// <summary>
/// The typed side of the Data Items API: items as your own types, mapped by <see cref="DataMapping"/> (a property
/// <c>Id</c> is <c>_id</c>, dates are <see cref="DateTime"/>/<see cref="DateTimeOffset"/>, references are
/// <see cref="DataReference{T}"/>). The names are those of Wix's JavaScript SDK (<c>insert</c>, <c>get</c>, <c>query</c>...).
/// <code>
/// public sealed record Product(string? Id, string Title, double Price, DateTimeOffset? ReleasedAt = null);
///
/// var lamp = await client.Items.InsertAsync("demo/products", new Product(null, "Lamp", 25));   // lamp.Id is set
/// var same = await client.Items.GetAsync&lt;Product&gt;("demo/products", lamp.Id!);
/// var cheap = await client.Items.Query&lt;Product&gt;("demo/products").Lt("price", 30).FindAsync();
/// </code>
/// </summary>
public sealed partial class DataItemsClient
{
    /// <summary>Starts a fluent query whose items come back as <typeparamref name="T"/>.</summary>
    public DataItemsQuery<T> Query<T>(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return new DataItemsQuery<T>(this, dataCollectionId);
    }

    /// <summary>Inserts <paramref name="item"/> and returns it as stored (with its ID and system fields, when <typeparamref name="T"/> has them).</summary>
    /// <exception cref="ExternalDbException">409 <c>WDE0074</c> when the ID is taken; 404 <c>WDE0025</c> when the collection does not exist.</exception>
    public async Task<T> InsertAsync<T>(string dataCollectionId, T item, CancellationToken ct = default) =>
        DataMapping.FromData<T>((await InsertDataItemAsync(dataCollectionId, DataItem.From(item), ct).ConfigureAwait(false)).Data);

    /// <summary>Replaces the item with <paramref name="item"/>'s ID (fields <typeparamref name="T"/> leaves null are cleared).</summary>
    /// <exception cref="ExternalDbException">404 <c>WDE0073</c> when no such item exists.</exception>
    public async Task<T> UpdateAsync<T>(string dataCollectionId, T item, CancellationToken ct = default) =>
        DataMapping.FromData<T>((await UpdateDataItemAsync(dataCollectionId, DataItem.From(item), ct).ConfigureAwait(false)).Data);

    /// <summary>Inserts <paramref name="item"/>, or replaces the item with its ID.</summary>
    public async Task<T> SaveAsync<T>(string dataCollectionId, T item, CancellationToken ct = default)
    {
        var saved = await SaveDataItemAsync(dataCollectionId, DataItem.From(item), ct).ConfigureAwait(false);
        return saved.DataItem is { } stored ? DataMapping.FromData<T>(stored.Data) : item;
    }

    /// <summary>
    /// The item with ID <paramref name="dataItemId"/> as a <typeparamref name="T"/>, or null when there is none
    /// (as Wix's <c>get</c>: a missing item is <c>WDE0073</c>, turned into null; a missing collection still throws).
    /// </summary>
    public async Task<T?> GetAsync<T>(string dataCollectionId, string dataItemId, CancellationToken ct = default)
    {
        try
        {
            return DataMapping.FromData<T>((await GetDataItemAsync(dataCollectionId, dataItemId, null, ct).ConfigureAwait(false)).Data);
        }
        catch (ExternalDbException e) when (e.Code == "WDE0073")
        {
            return default;
        }
    }

    /// <summary>Inserts up to 1000 items in one call; a failed item is reported in its result, not thrown.</summary>
    public Task<BulkDataItemsResponse> BulkInsertAsync<T>(string dataCollectionId, IEnumerable<T> items, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return BulkInsertDataItemsAsync(dataCollectionId, items.Select(i => DataItem.From(i)), returnEntity: false, ct);
    }

    /// <summary>Inserts or replaces up to 1000 items in one call; a failed item is reported in its result, not thrown.</summary>
    public Task<BulkDataItemsResponse> BulkSaveAsync<T>(string dataCollectionId, IEnumerable<T> items, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return BulkSaveDataItemsAsync(dataCollectionId, items.Select(i => DataItem.From(i)), returnEntity: false, ct);
    }

    /// <summary>
    /// Inserts an item whose data is a plain object (an anonymous object, a record, a dictionary), e.g.
    /// <c>InsertDataItemAsync("demo/products", new { title = "Lamp", price = 25 })</c>.
    /// </summary>
    /// <returns>The inserted item, with its ID and system fields.</returns>
    public Task<DataItem> InsertDataItemAsync(string dataCollectionId, object data, CancellationToken ct = default) =>
        InsertDataItemAsync(dataCollectionId, DataItem.From(data), ct);

    /// <summary>Inserts or replaces an item whose data is a plain object; its <c>_id</c> (or <c>Id</c>) says which.</summary>
    public Task<SaveDataItemResponse> SaveDataItemAsync(string dataCollectionId, object data, CancellationToken ct = default) =>
        SaveDataItemAsync(dataCollectionId, DataItem.From(data), ct);
}
