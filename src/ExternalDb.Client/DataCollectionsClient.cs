using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>The Data Collections API (Wix Data Collections v2) of the ExternalDb data gateway.</summary>
public sealed class DataCollectionsClient
{
    private const string Base = "wix-data/v2/collections";
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

    /// <summary>Each segment is escaped, but the slashes between them stay raw.</summary>
    private static string CollectionPath(string dataCollectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataCollectionId);
        return Base + "/" + string.Join('/', dataCollectionId.Split('/').Select(Uri.EscapeDataString));
    }

    private sealed record Envelope(DataCollection Collection);
}
