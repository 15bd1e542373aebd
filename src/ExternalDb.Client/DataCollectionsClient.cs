using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>The Data Collections API (Wix Data Collections v2, with fields and indexes) of the ExternalDb data gateway.</summary>
public sealed class DataCollectionsClient
{
    private const string Base = "wix-data/v2/collections";
    private const string IndexesBase = "wix-data/v2/indexes";
    private readonly ApiTransport _transport;

    internal DataCollectionsClient(ApiTransport transport) => _transport = transport;

    /// <summary>Lists collections by ID (<c>GET /wix-data/v2/collections?paging.limit=&amp;paging.offset=</c>).</summary>
    /// <param name="paging">Limit and offset.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListDataCollectionsResponse> ListDataCollectionsAsync(Paging? paging = null, CancellationToken ct = default)
    {
        var path = Base + paging.ToQueryString();
        return _transport.SendAsync<ListDataCollectionsResponse>(HttpMethod.Get, path, null, ct);
    }

    /// <summary>
    /// Retrieves a collection (<c>GET /wix-data/v2/collections/{id}</c>). The <c>/</c> of
    /// <c>connectionName/collectionId</c> is sent as a path separator, as Wix's SDK does.
    /// </summary>
    /// <exception cref="ExternalDbException">404 <c>WDE0025</c> when no such collection exists.</exception>
    public async Task<DataCollection> GetDataCollectionAsync(string dataCollectionId, CancellationToken ct = default) =>
        (await _transport.SendAsync<Envelope>(HttpMethod.Get, CollectionPath(dataCollectionId), null, ct).ConfigureAwait(false)).Collection;

    /// <summary>Creates a collection (<c>POST /wix-data/v2/collections</c>): needs an ID, at least one field and the permissions.</summary>
    /// <exception cref="ExternalDbException">409 <c>WDE0104</c> when the collection exists.</exception>
    public async Task<DataCollection> CreateDataCollectionAsync(DataCollection collection, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        var body = new JsonObject { ["collection"] = JsonSerializer.SerializeToNode(collection, ApiTransport.Json) };
        return (await _transport.SendAsync<Envelope>(HttpMethod.Post, Base, body, ct).ConfigureAwait(false)).Collection;
    }

    /// <summary>
    /// Replaces a collection's structure (<c>PUT /wix-data/v2/collections</c>); send the whole collection with its
    /// current <see cref="DataCollection.Revision"/>.
    /// </summary>
    /// <exception cref="ExternalDbException">409 when the revision is stale; 404 when no such collection exists.</exception>
    public async Task<DataCollection> UpdateDataCollectionAsync(DataCollection collection, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentException.ThrowIfNullOrEmpty(collection.Id, nameof(collection));
        var body = new JsonObject { ["collection"] = JsonSerializer.SerializeToNode(collection, ApiTransport.Json) };
        return (await _transport.SendAsync<Envelope>(HttpMethod.Put, Base, body, ct).ConfigureAwait(false)).Collection;
    }

    /// <summary>Deletes a collection (<c>DELETE /wix-data/v2/collections/{id}</c>).</summary>
    /// <exception cref="ExternalDbException">404 <c>WDE0025</c> when no such collection exists.</exception>
    public async Task DeleteDataCollectionAsync(string dataCollectionId, CancellationToken ct = default) =>
        await _transport.SendAsync<JsonObject>(HttpMethod.Delete, CollectionPath(dataCollectionId), null, ct).ConfigureAwait(false);

    /// <summary>
    /// Patches a collection (<c>PATCH /wix-data/v2/collections/{id}</c>): what <paramref name="patch"/> sets of
    /// <see cref="DataCollection.DisplayName"/>, <see cref="DataCollection.Permissions"/> and the fields' display names
    /// (<see cref="DataCollectionField.Key"/> with <see cref="DataCollectionField.DisplayName"/>) changes; nothing else does.
    /// </summary>
    /// <param name="patch">The collection's <see cref="DataCollection.Id"/> and what to change.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The collection as <see cref="GetDataCollectionAsync"/> now shows it.</returns>
    /// <exception cref="ExternalDbException">404 <c>WDE0025</c> for an unknown collection, <c>FIELD_NOT_FOUND</c> for an unknown field.</exception>
    public async Task<DataCollection> PatchDataCollectionAsync(DataCollection patch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentException.ThrowIfNullOrEmpty(patch.Id, nameof(patch));
        var body = new JsonObject { ["dataCollection"] = JsonSerializer.SerializeToNode(patch, ApiTransport.Json) };
        return (await _transport.SendAsync<ChangeEnvelope>(HttpMethod.Patch, CollectionPath(patch.Id), body, ct).ConfigureAwait(false)).DataCollection;
    }

    /// <summary>Adds a field to a collection (<c>POST /wix-data/v2/collections/create-field</c>).</summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="field">The new field: key and type at least.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The collection with the field.</returns>
    /// <exception cref="ExternalDbException">409 <c>FIELD_ALREADY_EXISTS</c>; 428 when the connection cannot change collections.</exception>
    public Task<DataCollection> CreateDataCollectionFieldAsync(string dataCollectionId, DataCollectionField field, CancellationToken ct = default) =>
        SendFieldAsync(HttpMethod.Post, Base + "/create-field", dataCollectionId, field, ct);

    /// <summary>
    /// Replaces a field of a collection (<c>POST /wix-data/v2/collections/update-field</c>). A new type is the adaptor's
    /// to allow (ours converts the values when they convert without loss).
    /// </summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="field">The field as it should be: key and type at least.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The changed collection.</returns>
    /// <exception cref="ExternalDbException">404 <c>FIELD_NOT_FOUND</c> for an unknown field; 400 when the adaptor refuses the change.</exception>
    public Task<DataCollection> UpdateDataCollectionFieldAsync(string dataCollectionId, DataCollectionField field, CancellationToken ct = default) =>
        SendFieldAsync(HttpMethod.Post, Base + "/update-field", dataCollectionId, field, ct);

    /// <summary>
    /// Changes what is set of a field (<c>PATCH /wix-data/v2/collections/{id}/patch-field</c>): its display name, type
    /// or type details; what is not set stays.
    /// </summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="field">The field's key and what to change.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The changed collection.</returns>
    /// <exception cref="ExternalDbException">404 <c>FIELD_NOT_FOUND</c> for an unknown field.</exception>
    public Task<DataCollection> PatchDataCollectionFieldAsync(string dataCollectionId, DataCollectionField field, CancellationToken ct = default) =>
        SendFieldAsync(HttpMethod.Patch, CollectionPath(dataCollectionId) + "/patch-field", dataCollectionId, field, ct);

    /// <summary>Removes a field, and its values, from a collection (<c>POST /wix-data/v2/collections/delete-field</c>).</summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="fieldKey">The field's key.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The collection without the field.</returns>
    /// <exception cref="ExternalDbException">404 <c>FIELD_NOT_FOUND</c> for an unknown field.</exception>
    public async Task<DataCollection> DeleteDataCollectionFieldAsync(string dataCollectionId, string fieldKey, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        ArgumentException.ThrowIfNullOrEmpty(fieldKey);
        var body = new JsonObject { ["dataCollectionId"] = dataCollectionId, ["fieldKey"] = fieldKey };
        return (await _transport.SendAsync<ChangeEnvelope>(HttpMethod.Post, Base + "/delete-field", body, ct).ConfigureAwait(false)).DataCollection;
    }

    /// <summary>
    /// Creates an index of a collection (<c>POST /wix-data/v2/indexes</c>). The answer's status is <c>ACTIVE</c>,
    /// <c>BUILDING</c> while the database builds it (list the indexes to see it finish), or <c>FAILED</c> with the reason.
    /// </summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="index">The index: name and fields at least.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ExternalDbException">409 <c>INDEX_ALREADY_EXISTS</c>; 400 <c>WDE0147</c> for a field the collection lacks; 428 when the adaptor has no indexes.</exception>
    public async Task<DataIndex> CreateIndexAsync(string dataCollectionId, DataIndex index, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        ArgumentNullException.ThrowIfNull(index);
        var body = new JsonObject { ["dataCollectionId"] = dataCollectionId, ["index"] = JsonSerializer.SerializeToNode(index, ApiTransport.Json) };
        return (await _transport.SendAsync<IndexEnvelope>(HttpMethod.Post, IndexesBase, body, ct).ConfigureAwait(false)).Index;
    }

    /// <summary>Lists a collection's indexes with their status (<c>GET /wix-data/v2/indexes?dataCollectionId=</c>).</summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="paging">Limit and offset.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListIndexesResponse> ListIndexesAsync(string dataCollectionId, Paging? paging = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        var query = paging.ToQueryString();
        var path = IndexesBase + "?dataCollectionId=" + Uri.EscapeDataString(dataCollectionId) + (query.Length == 0 ? "" : "&" + query[1..]);
        return _transport.SendAsync<ListIndexesResponse>(HttpMethod.Get, path, null, ct);
    }

    /// <summary>Drops an index of a collection (<c>DELETE /wix-data/v2/indexes?dataCollectionId=&amp;indexName=</c>).</summary>
    /// <param name="dataCollectionId">The collection, <c>connectionName/collectionId</c>.</param>
    /// <param name="indexName">The index's name.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="ExternalDbException">404 <c>INDEX_NOT_FOUND</c> for an unknown index.</exception>
    public async Task DropIndexAsync(string dataCollectionId, string indexName, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        var path = IndexesBase + "?dataCollectionId=" + Uri.EscapeDataString(dataCollectionId) + "&indexName=" + Uri.EscapeDataString(indexName);
        await _transport.SendAsync<JsonObject>(HttpMethod.Delete, path, null, ct).ConfigureAwait(false);
    }

    private async Task<DataCollection> SendFieldAsync(HttpMethod method, string path, string dataCollectionId, DataCollectionField field, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        ArgumentNullException.ThrowIfNull(field);
        ArgumentException.ThrowIfNullOrEmpty(field.Key, nameof(field));
        var body = new JsonObject { ["dataCollectionId"] = dataCollectionId, ["field"] = JsonSerializer.SerializeToNode(field, ApiTransport.Json) };
        return (await _transport.SendAsync<ChangeEnvelope>(method, path, body, ct).ConfigureAwait(false)).DataCollection;
    }

    /// <summary>Each segment is escaped, but the slashes between them stay raw.</summary>
    private static string CollectionPath(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return Base + "/" + string.Join('/', dataCollectionId.Split('/').Select(Uri.EscapeDataString));
    }

    private sealed record Envelope(DataCollection Collection);

    private sealed record ChangeEnvelope(DataCollection DataCollection);

    private sealed record IndexEnvelope(DataIndex Index);
}
