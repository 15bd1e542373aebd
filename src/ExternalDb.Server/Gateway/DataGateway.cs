using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Gateway;

/// <summary>A collection named <c>connectionName/collectionId</c>, resolved to its connection and protocol client.</summary>
/// <param name="Secrets">The connection's configuration values, kept out of what the gateway passes on.</param>
internal sealed record ResolvedCollection(
    string FullId,
    string CollectionId,
    ExternalDatabaseConnection Connection,
    AdaptorConnection Adaptor,
    IAdaptorProtocol Protocol,
    IReadOnlyList<string> Secrets)
{
    /// <summary>The key of this connection version in the gateway's caches, computed once per resolve (the name key is not cheap).</summary>
    public string CacheKey { get; } = DataGateway.CacheKeyOf(Connection);
}

/// <summary>
/// Resolves <c>connectionName/collectionId</c>, calls the connection's adaptor through its protocol client, maps adaptor
/// failures to the Wix error envelope, and caches collection schemas for a short while.
/// </summary>
internal sealed class DataGateway(
    ResolvedConnections connections,
    GatewayCursors cursors,
    RegistryChanges changes,
    IServiceProvider services,
    IOptions<GatewayOptions> options,
    TimeProvider time)
{
    /// <summary>The gateway's cursors (cursor paging of every query-like call).</summary>
    public GatewayCursors Cursors => cursors;

    private readonly AdaptorCallOptions _callOptions = new() { Timeout = options.Value.AdaptorTimeout, MaxAnswerBytes = options.Value.MaxResponseBytes };

    // A collection missing from a cached list is looked for again when the list is at least this old, so that one made
    // outside this server (another server, the adaptor's own tools) is seen at once rather than after the cache's TTL,
    // while a caller asking for an unknown collection again and again costs at most one list call per interval.
    private static readonly TimeSpan MissRefreshInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (DateTimeOffset Fetched, IReadOnlyList<JsonObject> Collections)> _schemas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Fetched, JsonObject? Capabilities)> _capabilities = new(StringComparer.Ordinal);

    // The operations a connection's adaptor answered "no such route" for (Wix's own adaptor lists reference operations it
    // does not route, and has no distinct-values call): refused, or done another way, before any further call. Keyed by
    // the connection's version like the schema cache, so an update or a new check of the connection forgets them.
    private readonly ConcurrentDictionary<string, byte> _unserved = new(StringComparer.Ordinal);

    // The operations an adaptor may lack for good. A 404 from any other (a query, collections/get) says the endpoint is
    // wrong or the adaptor half deployed, which must not outlive the moment.
    private static readonly HashSet<string> OptionalOperations = new(StringComparer.Ordinal)
    {
        AdaptorOperations.QueryDistinctValues, AdaptorOperations.QueryReferenced, AdaptorOperations.InsertReferences,
        AdaptorOperations.RemoveReferences, AdaptorOperations.Patch, AdaptorOperations.DeleteCollection,
        AdaptorOperations.ListIndexes, AdaptorOperations.CreateIndex, AdaptorOperations.RemoveIndex,
    };

    /// <summary>Splits a full collection id at its first '/'.</summary>
    public static (string Connection, string Collection)? Split(string fullId)
    {
        var slash = fullId.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == fullId.Length - 1 ? null : (fullId[..slash], fullId[(slash + 1)..]);
    }

    public async Task<ResolvedCollection> ResolveAsync(string fullId, CancellationToken ct)
    {
        if (Split(fullId) is not var (connectionName, collectionId))
        {
            throw GatewayException.CollectionNotFound(fullId);
        }
        var resolved = await connections.GetAsync(connectionName, ct) ?? throw GatewayException.CollectionNotFound(fullId);
        return Resolve(resolved, collectionId);
    }

    /// <summary>Resolves a collection of a connection already resolved.</summary>
    public ResolvedCollection Resolve(ResolvedConnection resolved, string collectionId)
    {
        var connection = resolved.Connection;
        var fullId = connection.Name + "/" + collectionId;
        if (!connection.ConnectionStatus.Successful || resolved.Adaptor is not { } adaptor)
        {
            var cause = connection.ConnectionStatus.CauseOfFailure;
            throw new GatewayException(503, "CONNECTION_UNAVAILABLE",
                $"Connection [{connection.Name}] failed its last check ({Enum(cause)}): {connection.ConnectionStatus.Message} Probe it again once the adaptor is fixed.",
                new JsonObject { ["collectionName"] = fullId, ["causeOfFailure"] = Enum(cause) });
        }
        var protocol = services.GetKeyedService<IAdaptorProtocol>(connection.ProtocolVersion)
            ?? throw GatewayException.NotSupported(fullId, "ANY", $"Protocol {connection.ProtocolVersion} is not served by this gateway.", byDataSource: true);
        return new ResolvedCollection(fullId, collectionId, connection, adaptor, protocol, resolved.Secrets);
    }

    /// <summary>
    /// Calls one V3 operation on the collection's adaptor; failures become <see cref="GatewayException"/>. A request
    /// larger than <see cref="GatewayOptions.MaxAdaptorRequestBytes"/> is refused with 400 before any call.
    /// </summary>
    public Task<JsonObject> CallAsync(ResolvedCollection target, string operation, JsonObject request, CancellationToken ct, string? itemId = null) =>
        CallAsync(target, operation, request, _callOptions, itemId, ct);

    /// <summary>
    /// Calls a paged operation for one page of at most <paramref name="maxPageSize"/> rows (the collection's): the answer
    /// holds at most the page asked and a truthful <c>pagingMetadata.hasNext</c>, which the protocol client decides
    /// (<see cref="AdaptorPaging"/>).
    /// </summary>
    public Task<JsonObject> CallPageAsync(ResolvedCollection target, string operation, JsonObject request, int maxPageSize, CancellationToken ct) =>
        CallAsync(target, operation, request, _callOptions with { MaxPageSize = maxPageSize }, null, ct);

    private async Task<JsonObject> CallAsync(ResolvedCollection target, string operation, JsonObject request, AdaptorCallOptions callOptions, string? itemId, CancellationToken ct)
    {
        var max = options.Value.MaxAdaptorRequestBytes;
        if (Utf8Size(request) is var size && size > max)
        {
            throw GatewayException.Invalid("body", $"makes an adaptor request of {size} bytes, more than the {max} bytes the gateway sends an adaptor at once (Gateway:MaxAdaptorRequestBytes): send less at once", "MAX_LENGTH");
        }
        if (!Serves(target, operation))
        {
            throw GatewayException.NotSupported(target.FullId, operation,
                $"The adaptor of [{target.FullId}] does not serve {operation} (it answered that it has no such call).", byDataSource: true);
        }
        JsonObject answer;
        try
        {
            answer = await target.Protocol.CallAsync(target.Adaptor, operation, request, callOptions, ct);
        }
        catch (AdaptorCallException e)
        {
            if (e is { Failure: AdaptorFailure.NotSupported, AdaptorStatus: 404 or 405 } && OptionalOperations.Contains(operation))
            {
                _unserved[UnservedKey(target, operation)] = 0;
            }
            throw GatewayException.FromAdaptor(e, target, itemId);
        }
        return AnswerNumbers.Normalize(operation, request, answer, CachedSchema(target));
    }

    /// <summary>Whether the collection's adaptor serves <paramref name="operation"/>, as far as the gateway knows.</summary>
    public bool Serves(ResolvedCollection target, string operation) => !_unserved.ContainsKey(UnservedKey(target, operation));

    /// <summary>
    /// Calls <paramref name="operation"/> for a page (as <see cref="CallPageAsync"/>), or answers with
    /// <paramref name="otherwise"/> when the adaptor does not serve it (known from an earlier call, or answered so now).
    /// </summary>
    public async Task<JsonObject> CallPageOrElseAsync(ResolvedCollection target, string operation, JsonObject request, int maxPageSize,
        Func<Task<JsonObject>> otherwise, CancellationToken ct)
    {
        if (Serves(target, operation))
        {
            try
            {
                return await CallPageAsync(target, operation, request, maxPageSize, ct);
            }
            catch (GatewayException) when (!Serves(target, operation))
            {
                // Learnt now: the adaptor has no such call.
            }
        }
        return await otherwise();
    }

    private static string UnservedKey(ResolvedCollection target, string operation) => target.CacheKey + "|" + operation;

    /// <summary>
    /// Calls a bulk operation whose <paramref name="entries"/> go under <paramref name="entriesKey"/> of
    /// <paramref name="envelope"/>, in as many calls as keep each within <see cref="GatewayOptions.MaxAdaptorRequestBytes"/>
    /// and <see cref="PagingLimits.MaxBulkItems"/> entries. Answers <c>{results}</c> with the adaptor's result of each
    /// entry, in the entries' order. A failure of the first call is thrown (nothing was written); a failure of a later
    /// call becomes the error of each entry of that call and of every entry not sent yet, since earlier calls did write
    /// (unless <paramref name="throwOnLaterFailure"/>, for callers that answer for the whole).
    /// </summary>
    public async Task<JsonObject> CallInBatchesAsync(ResolvedCollection target, string operation, JsonObject envelope, string entriesKey,
        IReadOnlyList<JsonNode?> entries, CancellationToken ct, bool throwOnLaterFailure = false)
    {
        var results = new JsonArray();
        var batches = Batches(envelope, entriesKey, entries);
        for (var b = 0; b < batches.Count; b++)
        {
            var request = envelope.DeepClone().AsObject();
            request[entriesKey] = new JsonArray([.. batches[b].Select(e => e?.DeepClone())]);
            JsonObject answer;
            try
            {
                answer = await CallAsync(target, operation, request, ct);
            }
            catch (GatewayException e) when (b > 0 && !throwOnLaterFailure)
            {
                var error = new JsonObject
                {
                    ["errorCode"] = e.ErrorData?["adaptorErrorCode"]?.DeepClone() ?? e.Code,
                    ["errorMessage"] = $"Call {b + 1} of {batches.Count} the gateway made for this bulk failed, so this entry may not be written: {e.Message}",
                };
                foreach (var _ in batches.Skip(b).SelectMany(x => x))
                {
                    results.Add(new JsonObject { ["error"] = error.DeepClone() });
                }
                break;
            }
            var answered = answer["results"] as JsonArray;
            for (var j = 0; j < batches[b].Count; j++)
            {
                results.Add(answered?.ElementAtOrDefault(j)?.DeepClone());
            }
        }
        return new JsonObject { ["results"] = results };
    }

    /// <summary>Consecutive runs of entries that fit one call each; an entry too large on its own goes alone (and is refused).</summary>
    private List<List<JsonNode?>> Batches(JsonObject envelope, string entriesKey, IReadOnlyList<JsonNode?> entries)
    {
        // The envelope with an empty array, plus room for what a protocol adds around the request (V3 claims, legacy context).
        var budget = options.Value.MaxAdaptorRequestBytes - Utf8Size(envelope) - entriesKey.Length - 4096;
        var batches = new List<List<JsonNode?>>();
        var current = new List<JsonNode?>();
        long used = 0;
        foreach (var entry in entries)
        {
            var size = Utf8Size(entry) + 1;
            if (current.Count > 0 && (used + size > budget || current.Count == PagingLimits.MaxBulkItems))
            {
                batches.Add(current);
                current = [];
                used = 0;
            }
            current.Add(entry);
            used += size;
        }
        if (current.Count > 0)
        {
            batches.Add(current);
        }
        return batches;
    }

    /// <summary>The size of <paramref name="node"/> as UTF-8 JSON, escaped as the protocol clients write it.</summary>
    public static long Utf8Size(JsonNode? node)
    {
        using var writer = new System.Text.Json.Utf8JsonWriter(Stream.Null);
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
        writer.Flush();
        return writer.BytesCommitted;
    }

    /// <summary>Refuses with 428 when the collection's adaptor does not offer <paramref name="operation"/> (a <see cref="DataOperations"/> name).</summary>
    public async Task RequireOperationAsync(ResolvedCollection target, string operation, string wixOperation, CancellationToken ct) =>
        CapabilityChecks.RequireOperation(await GetSchemaAsync(target, ct), target, operation, wixOperation);

    /// <summary>The item of ID <paramref name="id"/> as the adaptor stores it (only <paramref name="fields"/> when given); null when there is none.</summary>
    public async Task<JsonObject?> FindItemAsync(ResolvedCollection target, string id, JsonArray? fields, bool consistentRead, CancellationToken ct) =>
        (await QueryItemsAsync(target, new JsonObject { ["_id"] = new JsonObject { [QueryOperators.Eq] = id } }, 1, fields, consistentRead, id, ct)).FirstOrDefault();

    /// <summary>Which of <paramref name="ids"/> exist, in queries of at most 50 ids (fewer when the collection serves smaller pages).</summary>
    public async Task<HashSet<string>> ExistingIdsAsync(ResolvedCollection target, IEnumerable<string> ids, CancellationToken ct) =>
        new((await FindItemsAsync(target, ids, new JsonArray("_id"), consistentRead: true, ct)).Select(i => JsonRead.Text(i["_id"])).OfType<string>(), StringComparer.Ordinal);

    /// <summary>
    /// The items of <paramref name="ids"/> that exist (only <paramref name="fields"/> when given), in queries of at most
    /// 50 ids, or of the collection's page size when it serves smaller pages.
    /// </summary>
    public async Task<List<JsonObject>> FindItemsAsync(ResolvedCollection target, IEnumerable<string> ids, JsonArray? fields, bool consistentRead, CancellationToken ct)
    {
        var found = new List<JsonObject>();
        var idsPerQuery = Math.Min(PagingLimits.DefaultPageSize, PageRequest.MaxPageSizeOf(await GetSchemaAsync(target, ct)));
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(idsPerQuery))
        {
            var filter = new JsonObject { ["_id"] = new JsonObject { [QueryOperators.HasSome] = new JsonArray([.. chunk.Select(i => (JsonNode?)i)]) } };
            found.AddRange(await QueryItemsAsync(target, filter, chunk.Length, fields, consistentRead, null, ct));
        }
        return found;
    }

    private async Task<List<JsonObject>> QueryItemsAsync(ResolvedCollection target, JsonObject filter, int limit, JsonArray? fields, bool consistentRead,
        string? itemId, CancellationToken ct)
    {
        var query = new JsonObject { ["filter"] = filter, ["paging"] = new JsonObject { ["limit"] = limit, ["offset"] = 0 } };
        if (fields is { Count: > 0 })
        {
            query["fields"] = fields.DeepClone();
        }
        var answer = await CallAsync(target, AdaptorOperations.Query, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["query"] = query,
            ["consistentRead"] = consistentRead,
            ["returnTotalCount"] = false,
        }, ct, itemId);
        // Taken out of the answer, not copied: the answer is the gateway's own.
        var items = answer["items"] as JsonArray;
        var found = items?.OfType<JsonObject>().ToList() ?? [];
        items?.Clear();
        return found;
    }

    /// <summary>
    /// The collection's V3 description (cached); <c>WDE0025</c> when the adaptor does not have it — after asking it again
    /// when the cached list that lacks it is older than <see cref="MissRefreshInterval"/>.
    /// </summary>
    public async Task<JsonObject> GetSchemaAsync(ResolvedCollection target, CancellationToken ct)
    {
        var (fetched, collections) = await ListSchemasWithTimeAsync(target, refresh: false, ct);
        var found = Find(collections, target.CollectionId);
        if (found is null && time.GetUtcNow() - fetched >= MissRefreshInterval)
        {
            (_, collections) = await ListSchemasWithTimeAsync(target, refresh: true, ct);
            found = Find(collections, target.CollectionId);
        }
        return found ?? throw GatewayException.CollectionNotFound(target.FullId);
    }

    /// <summary>Every collection of the target's connection (cached for <see cref="GatewayOptions.SchemaCacheTtl"/>).</summary>
    public async Task<IReadOnlyList<JsonObject>> ListSchemasAsync(ResolvedCollection target, CancellationToken ct) =>
        (await ListSchemasWithTimeAsync(target, refresh: false, ct)).Collections;

    private async Task<(DateTimeOffset Fetched, IReadOnlyList<JsonObject> Collections)> ListSchemasWithTimeAsync(
        ResolvedCollection target, bool refresh, CancellationToken ct)
    {
        var key = target.CacheKey;
        var now = time.GetUtcNow();
        if (!refresh && _schemas.TryGetValue(key, out var cached) && cached.Fetched + options.Value.SchemaCacheTtl > now)
        {
            return cached;
        }
        var answer = await CallAsync(target, AdaptorOperations.ListCollections, new JsonObject { ["collectionIds"] = new JsonArray() }, ct);
        var collections = (answer["collections"] as JsonArray)?.OfType<JsonObject>().ToList()
            ?? throw new GatewayException(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{target.Connection.Name}] did not list its collections.");
        Invalidate(target.Connection);
        var entry = (now, (IReadOnlyList<JsonObject>)collections);
        _schemas[key] = entry;
        return entry;
    }

    /// <summary>The collection's description if the schema cache holds it (of any age), without calling the adaptor.</summary>
    private JsonObject? CachedSchema(ResolvedCollection target) =>
        _schemas.TryGetValue(target.CacheKey, out var cached) ? Find(cached.Collections, target.CollectionId) : null;

    /// <summary>
    /// The adaptor's <c>capabilities/get</c> answer (cached as the schemas are), for what collections do not say
    /// themselves (index limits); null when the adaptor does not answer it.
    /// </summary>
    public async Task<JsonObject?> GetAdaptorCapabilitiesAsync(ResolvedCollection target, CancellationToken ct)
    {
        var key = target.CacheKey;
        var now = time.GetUtcNow();
        if (_capabilities.TryGetValue(key, out var cached) && cached.Fetched + options.Value.SchemaCacheTtl > now)
        {
            return cached.Capabilities;
        }
        JsonObject? capabilities;
        try
        {
            capabilities = await CallAsync(target, AdaptorOperations.GetCapabilities, [], ct);
        }
        catch (GatewayException)
        {
            capabilities = null; // what depends on it (index limits) reads as "not said" until the cache entry expires
        }
        _capabilities[key] = (now, capabilities);
        return capabilities;
    }

    private static JsonObject? Find(IReadOnlyList<JsonObject> collections, string id) =>
        collections.FirstOrDefault(c => JsonRead.Text(c["id"]) == id);

    /// <summary>After a collection of <paramref name="connection"/> was changed through the gateway: this server and the others forget its schemas.</summary>
    public async Task CollectionsChangedAsync(ExternalDatabaseConnection connection, CancellationToken ct)
    {
        Invalidate(connection);
        await changes.PublishAsync(RegistryChangeKind.Schemas, connection.Name, ct);
    }

    /// <summary>
    /// Forgets the cached schemas of a connection (after the gateway's own collection changes). What its adaptor says of
    /// itself (capabilities) does not change with a collection and is kept for this version of the connection.
    /// </summary>
    public void Invalidate(ExternalDatabaseConnection connection) => InvalidateKey(ConnectionStore.NameKey(connection.Name), CacheKeyOf(connection));

    /// <summary>
    /// Forgets the cached schemas of the connection whose <see cref="ConnectionStore.NameKey"/> is <paramref name="nameKey"/>,
    /// and what is known of its adaptor except for the version <paramref name="keep"/> (all of it when null).
    /// </summary>
    public void InvalidateKey(string nameKey, string? keep = null)
    {
        // Entries of the connection's earlier versions (before an Update or a probe) go too.
        var prefix = nameKey + "/"; // "/" cannot appear in a name
        Forget(_schemas, prefix, keep: null);
        Forget(_capabilities, prefix, keep);
    }

    /// <summary>Removes the entries of <paramref name="prefix"/>'s connection but the one of version <paramref name="keep"/>.</summary>
    private static void Forget<T>(ConcurrentDictionary<string, T> cache, string prefix, string? keep)
    {
        foreach (var key in cache.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k != keep))
        {
            cache.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every cached schema (changes made meanwhile by other servers may have gone unheard).</summary>
    public void ClearSchemas() => _schemas.Clear();

    internal static string CacheKeyOf(ExternalDatabaseConnection c) =>
        ConnectionStore.NameKey(c.Name) + "/" + c.UpdatedDate.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Enum(CauseOfFailure cause) => System.Text.Json.JsonNamingPolicy.SnakeCaseUpper.ConvertName(cause.ToString());
}
