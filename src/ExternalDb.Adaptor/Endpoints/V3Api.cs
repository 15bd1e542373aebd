using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>The V3 operations: a verified <c>data.request</c> in, the response body out.</summary>
internal static class V3Api
{
    public delegate Task<JsonNode> Operation(AdaptorRuntime runtime, JsonObject request, CancellationToken ct);

    public static readonly IReadOnlyDictionary<string, Operation> Operations = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        [AdaptorOperations.Path(AdaptorOperations.Query)] = QueryAsync,
        [AdaptorOperations.Path(AdaptorOperations.Count)] = CountAsync,
        [AdaptorOperations.Path(AdaptorOperations.Aggregate)] = AggregateAsync,
        [AdaptorOperations.Path(AdaptorOperations.QueryDistinctValues)] = DistinctAsync,
        [AdaptorOperations.Path(AdaptorOperations.Insert)] = InsertAsync,
        [AdaptorOperations.Path(AdaptorOperations.Update)] = UpdateAsync,
        [AdaptorOperations.Path(AdaptorOperations.Remove)] = RemoveAsync,
        [AdaptorOperations.Path(AdaptorOperations.Truncate)] = TruncateAsync,
        [AdaptorOperations.Path(AdaptorOperations.QueryReferenced)] = QueryReferencedAsync,
        [AdaptorOperations.Path(AdaptorOperations.InsertReferences)] = InsertReferencesAsync,
        [AdaptorOperations.Path(AdaptorOperations.RemoveReferences)] = RemoveReferencesAsync,
        // ExternalDb extension (Wix's protocol has no patch call); see the README.
        [AdaptorOperations.Path(AdaptorOperations.Patch)] = PatchAsync,
        [AdaptorOperations.Path(AdaptorOperations.ListCollections)] = GetCollectionsAsync,
        [AdaptorOperations.Path(AdaptorOperations.CreateCollection)] = CreateCollectionAsync,
        [AdaptorOperations.Path(AdaptorOperations.UpdateCollection)] = UpdateCollectionAsync,
        [AdaptorOperations.Path(AdaptorOperations.DeleteCollection)] = DeleteCollectionAsync,
        [AdaptorOperations.Path(AdaptorOperations.GetCapabilities)] = CapabilitiesAsync,
        [AdaptorOperations.Path(AdaptorOperations.ListIndexes)] = ListIndexesAsync,
        [AdaptorOperations.Path(AdaptorOperations.CreateIndex)] = CreateIndexAsync,
        [AdaptorOperations.Path(AdaptorOperations.RemoveIndex)] = RemoveIndexAsync,
    };

    private static string CollectionId(JsonObject request) => QueryParsing.RequiredString(request["collectionId"], "collectionId");

    /// <summary>Offset or cursor paging; with a cursor the request it was made for replaces this one.</summary>
    private sealed record Paging(JsonObject Request, int Limit, int Offset, bool CursorMode, IReadOnlyList<object?>? After = null);

    private static Paging ResolvePaging(AdaptorRuntime runtime, JsonObject request, string kind)
    {
        var query = QueryParsing.OptionalObject(request["query"], "query");
        var (cursorPaging, cursorPath) = query?["cursorPaging"] is { } nestedCursor
            ? (QueryParsing.OptionalObject(nestedCursor, "query.cursorPaging"), "query.cursorPaging")
            : (QueryParsing.OptionalObject(request["cursorPaging"], "cursorPaging"), "cursorPaging");
        var (paging, pagingPath) = query?["paging"] is { } nestedPaging
            ? (QueryParsing.OptionalObject(nestedPaging, "query.paging"), "query.paging")
            : (QueryParsing.OptionalObject(request["paging"], "paging"), "paging");
        if (cursorPaging is not null)
        {
            var limit = QueryParsing.Limit(cursorPaging["limit"], cursorPath + ".limit");
            if (QueryParsing.OptionalString(cursorPaging["cursor"], cursorPath + ".cursor") is { Length: > 0 } cursor)
            {
                var (original, offset, after) = runtime.Cursors.Decode(cursor, kind);
                if (QueryParsing.Str(request["collectionId"]) is { } id && QueryParsing.Str(original["collectionId"]) != id)
                {
                    throw AdaptorException.Validation("cursorPaging.cursor", "The cursor belongs to another collection");
                }
                return new Paging(original, limit, offset, true, after);
            }
            return new Paging(request, limit, 0, true);
        }
        return new Paging(request, QueryParsing.Limit(paging?["limit"], pagingPath + ".limit"), QueryParsing.Offset(paging?["offset"], pagingPath + ".offset"), false);
    }

    private static JsonObject PagingMetadata<T>(AdaptorRuntime runtime, Paging paging, PageResult<T> page, string kind)
    {
        var meta = new JsonObject { ["count"] = page.Items.Count };
        if (!paging.CursorMode)
        {
            meta["offset"] = paging.Offset;
        }
        if (page.Total is { } total)
        {
            meta["total"] = total;
        }
        meta["hasNext"] = page.HasMore;
        if (paging.CursorMode)
        {
            var cursors = new JsonObject();
            if (page.HasMore)
            {
                // After the last row where the order allows (rows added or removed meanwhile then shift nothing), else by offset.
                cursors["next"] = runtime.Cursors.Encode(kind, paging.Request, paging.Offset + page.Items.Count, page.Keyset);
            }
            if (paging.Offset > 0)
            {
                cursors["prev"] = runtime.Cursors.Encode(kind, paging.Request, Math.Max(0, paging.Offset - paging.Limit));
            }
            meta["cursors"] = cursors;
        }
        return meta;
    }

    private static async Task<JsonNode> QueryAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        CollectionId(request);
        var paging = ResolvePaging(runtime, request, "query");
        var r = paging.Request;
        var query = QueryParsing.OptionalObject(r["query"], "query") ?? [];
        var itemQuery = new ItemQuery(
            FilterParser.Parse(query["filter"], "query.filter"),
            QueryParsing.Sort(query["sort"], "query.sort"),
            QueryParsing.StringList(query["fields"], "query.fields"),
            paging.Limit, paging.Offset, ReturnTotalCount(request))
        {
            Include = QueryParsing.Includes(r["includeReferencedItems"] ?? query["includeReferencedItems"]),
            Keyset = paging.CursorMode,
            After = paging.After,
        };
        var page = await runtime.Items.QueryAsync(QueryParsing.Str(r["collectionId"]), itemQuery, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["items"] = new JsonArray([.. page.Items]),
            ["pagingMetadata"] = PagingMetadata(runtime, paging, page, "query"),
        };
    }

    private static async Task<JsonNode> CountAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var total = await runtime.Items.CountAsync(CollectionId(request), FilterParser.Parse(request["filter"]), ct).ConfigureAwait(false);
        return new JsonObject { ["totalCount"] = total };
    }

    private static async Task<JsonNode> AggregateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        CollectionId(request);
        var paging = ResolvePaging(runtime, request, "aggregate");
        var r = paging.Request;
        var aggregation = QueryParsing.OptionalObject(r["aggregation"], "aggregation") ?? [];
        var groupBy = QueryParsing.StringList(aggregation["groupingFields"], "aggregation.groupingFields") ?? [];
        var operations = QueryParsing.OptionalArray(aggregation["operations"], "aggregation.operations") ?? [];
        var ops = operations.Select((o, i) => ParseOperation(o, $"aggregation.operations[{i}]")).ToList();
        var spec = new AggregateSpec(FilterParser.Parse(r["initialFilter"], "initialFilter"), groupBy, ops,
            FilterParser.Parse(r["finalFilter"], "finalFilter"), QueryParsing.Sort(r["sort"], "sort"),
            paging.Limit, paging.Offset, ReturnTotalCount(request));
        var page = await runtime.Items.AggregateAsync(QueryParsing.Str(r["collectionId"]), spec, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["items"] = new JsonArray([.. page.Items]),
            ["pagingMetadata"] = PagingMetadata(runtime, paging, page, "aggregate"),
        };
    }

    private static AggregateOp ParseOperation(JsonNode? node, string path)
    {
        var op = node as JsonObject ?? throw AdaptorException.Validation(path, "An operation is {resultFieldName, <function>: {...}}", node);
        var result = QueryParsing.RequiredString(op["resultFieldName"], path + ".resultFieldName");
        foreach (var (name, function) in new[] { ("average", "avg"), ("min", "min"), ("max", "max"), ("sum", "sum"), ("count", "count") })
        {
            if (op.ContainsKey(name))
            {
                var arguments = QueryParsing.OptionalObject(op[name], $"{path}.{name}");
                return new AggregateOp(result, function, QueryParsing.OptionalString(arguments?["itemFieldName"], $"{path}.{name}.itemFieldName"));
            }
        }
        throw AdaptorException.Validation(path, "An operation needs one of average, min, max, sum, count", node);
    }

    private static async Task<JsonNode> DistinctAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        CollectionId(request);
        var paging = ResolvePaging(runtime, request, "distinct");
        var r = paging.Request;
        var page = await runtime.Items.DistinctAsync(QueryParsing.Str(r["collectionId"]), QueryParsing.RequiredString(r["fieldName"], "fieldName"),
            FilterParser.Parse(r["filter"]), QueryParsing.Descending(r["order"], "order"), paging.Limit, paging.Offset, ReturnTotalCount(request), ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["distinctValues"] = new JsonArray([.. page.Items.Select(v => v?.DeepClone())]),
            ["pagingMetadata"] = PagingMetadata(runtime, paging, page, "distinct"),
        };
    }

    private static List<JsonNode?> Items(JsonObject request) =>
        request["items"] is JsonArray { Count: > 0 } items ? [.. items]
            : throw AdaptorException.Validation("items", "items must be a non-empty array", request["items"]);

    private static JsonObject Results(IEnumerable<ItemResult> results, string valueName) => new()
    {
        ["results"] = new JsonArray([.. results.Select(r => r.Error is { } e
            ? new JsonObject { ["error"] = e.ToV3Body() }
            : valueName == "" ? r.Value!.DeepClone() : new JsonObject { [valueName] = r.Value?.DeepClone() })]),
    };

    private static async Task<JsonNode> InsertAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Results(await runtime.Items.InsertAsync(CollectionId(request), Items(request), false, ct).ConfigureAwait(false), "item");

    private static async Task<JsonNode> UpdateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Results(await runtime.Items.UpdateAsync(CollectionId(request), Items(request), false, ct).ConfigureAwait(false), "item");

    private static async Task<JsonNode> RemoveAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var ids = QueryParsing.StringList(request["itemIds"], "itemIds");
        if (ids is not { Count: > 0 })
        {
            throw AdaptorException.Validation("itemIds", "itemIds must be a non-empty array");
        }
        return Results(await runtime.Items.RemoveAsync(CollectionId(request), ids, false, ct).ConfigureAwait(false), "item");
    }

    /// <summary>Extension: patches items, each in one statement; answers like <c>items/update</c>. Also serves the legacy <c>/data/patch</c>.</summary>
    internal static async Task<JsonNode> PatchAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Results(await runtime.Patcher.PatchAsync(CollectionId(request), PatchParsing.Parse(request), ct).ConfigureAwait(false), "item");

    private static async Task<JsonNode> TruncateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        await runtime.Items.TruncateAsync(CollectionId(request), ct).ConfigureAwait(false);
        return new JsonObject();
    }

    private static List<ItemReference> References(JsonObject request)
    {
        if (request["references"] is not JsonArray { Count: > 0 } refs)
        {
            throw AdaptorException.Validation("references", "references must be a non-empty array", request["references"]);
        }
        return [.. refs.Select((r, i) =>
        {
            var reference = r as JsonObject
                ?? throw AdaptorException.Validation($"references[{i}]", "A reference is {referringItemId, referencedItemId}", r);
            return new ItemReference(
                QueryParsing.RequiredString(reference["referringItemId"], $"references[{i}].referringItemId"),
                QueryParsing.RequiredString(reference["referencedItemId"], $"references[{i}].referencedItemId"));
        })];
    }

    private static string ReferringField(JsonObject request) =>
        QueryParsing.OptionalString(request["referringFieldKey"], "referringFieldKey") ?? QueryParsing.OptionalString(request["fieldKey"], "fieldKey")
        ?? throw AdaptorException.Validation("referringFieldKey", "referringFieldKey is required");

    private static bool ReturnTotalCount(JsonObject request) => QueryParsing.Bool(request["returnTotalCount"], "returnTotalCount");

    // The reference operations also serve the legacy extension paths /data/references/* (LegacyApi), with the same request and answer.

    internal static async Task<JsonNode> InsertReferencesAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Results(await runtime.Items.InsertReferencesAsync(CollectionId(request), ReferringField(request), References(request), ct).ConfigureAwait(false), "");

    internal static async Task<JsonNode> RemoveReferencesAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Results(await runtime.Items.RemoveReferencesAsync(CollectionId(request), ReferringField(request), References(request), ct).ConfigureAwait(false), "");

    internal static async Task<JsonNode> QueryReferencedAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        CollectionId(request);
        var paging = ResolvePaging(runtime, request, "referenced");
        var r = paging.Request;
        var includeItems = r["includeReferencedItems"] is not null
            ? QueryParsing.Bool(r["includeReferencedItems"], "includeReferencedItems")
            : r["returnFullItems"] is null || QueryParsing.Bool(r["returnFullItems"], "returnFullItems");
        var page = await runtime.Items.QueryReferencedAsync(QueryParsing.Str(r["collectionId"]), ReferringField(r),
            QueryParsing.StringList(r["referringItemIds"], "referringItemIds"), QueryParsing.StringList(r["referencedItemIds"], "referencedItemIds"),
            QueryParsing.Descending(r["order"], "order"), paging.Limit, paging.Offset, ReturnTotalCount(request), includeItems,
            QueryParsing.StringList(r["fields"], "fields"), ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["items"] = new JsonArray([.. page.Items]),
            ["pagingMetadata"] = PagingMetadata(runtime, paging, page, "referenced"),
        };
    }

    private static async Task<JsonNode> GetCollectionsAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var ids = QueryParsing.StringList(request["collectionIds"], "collectionIds") ?? [];
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        var all = await runtime.Catalog.ListAsync(connection, null, null, ct).ConfigureAwait(false);
        var selected = ids.Count == 0 ? all : [.. all.Where(c => ids.Contains(c.Id, StringComparer.Ordinal))];
        return new JsonObject { ["collections"] = new JsonArray([.. selected.Select(c => CollectionJson.V3(c, runtime.Options.ReadOnly, runtime.Permissions.V3Permissions(c.Id)))]) };
    }

    private static void RequireWritableSchema(AdaptorRuntime runtime, string collectionId, string operation)
    {
        if (runtime.Options.ReadOnly)
        {
            throw AdaptorException.Unsupported(collectionId, operation, "The adaptor is read-only");
        }
    }

    private static (string Id, string? DisplayName, List<FieldSpec> Fields) CollectionSpec(JsonObject request)
    {
        var c = QueryParsing.RequiredObject(request["collection"], "collection");
        var id = QueryParsing.RequiredString(c["id"], "collection.id");
        var fields = (QueryParsing.OptionalArray(c["fields"], "collection.fields") ?? []).Select((f, i) => CollectionJson.ParseV3Field(f, $"collection.fields[{i}]")).ToList();
        return (id, QueryParsing.OptionalString(c["displayName"], "collection.displayName"), fields);
    }

    private static async Task<JsonNode> CreateCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var (id, displayName, fields) = CollectionSpec(request);
        return await ChangeCollectionAsync(runtime, id, "createCollection",
            (connection, tx) => runtime.Catalog.CreateAsync(connection, tx, id, displayName, fields, ct), ct).ConfigureAwait(false);
    }

    private static async Task<JsonNode> UpdateCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var (id, displayName, fields) = CollectionSpec(request);
        return await ChangeCollectionAsync(runtime, id, "updateCollection", async (connection, tx) =>
        {
            var current = await runtime.Catalog.GetAsync(connection, tx, id, ct).ConfigureAwait(false);
            if (current.IsView)
            {
                throw AdaptorException.ChangeNotSupported("", $"{id} is a view");
            }
            await runtime.Catalog.UpdateAsync(connection, tx, current, displayName, fields, ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Makes a change to a collection's structure in one transaction under the write gate, then answers the collection as it is now.</summary>
    private static async Task<JsonNode> ChangeCollectionAsync(AdaptorRuntime runtime, string id, string operation,
        Func<DbConnection, DbTransaction, Task> change, CancellationToken ct)
    {
        RequireWritableSchema(runtime, id, operation);
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await runtime.Catalog.Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using (var tx = await connection.BeginTransactionAsync(runtime.Dialect.WriteIsolation, ct).ConfigureAwait(false))
        {
            await change(connection, tx).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            runtime.Catalog.Invalidate();
        }
        var changed = await runtime.Catalog.GetAsync(connection, null, id, ct).ConfigureAwait(false);
        return new JsonObject { ["collection"] = CollectionJson.V3(changed, runtime.Options.ReadOnly, runtime.Permissions.V3Permissions(changed.Id)) };
    }

    private static async Task<JsonNode> DeleteCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var deleted = await DropCollectionAsync(runtime, CollectionId(request), "deleteCollection", ct).ConfigureAwait(false);
        return new JsonObject { ["collection"] = CollectionJson.V3(deleted, runtime.Options.ReadOnly, runtime.Permissions.V3Permissions(deleted.Id)) };
    }

    /// <summary>
    /// Drops a collection with its metadata and references and returns what it was; shared by V3
    /// <c>collections/delete</c> and the legacy extension <c>/schemas/delete</c>.
    /// </summary>
    internal static async Task<CollectionInfo> DropCollectionAsync(AdaptorRuntime runtime, string id, string operation, CancellationToken ct)
    {
        RequireWritableSchema(runtime, id, operation);
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await runtime.Catalog.Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(runtime.Dialect.WriteIsolation, ct).ConfigureAwait(false);
        var current = await runtime.Catalog.GetAsync(connection, tx, id, ct).ConfigureAwait(false);
        await runtime.Catalog.DropAsync(connection, tx, current, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        runtime.Catalog.Invalidate();
        return current;
    }

    // The index operations also serve the legacy extension paths /indexes/* (LegacyApi).

    internal static async Task<JsonNode> ListIndexesAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        new JsonObject { ["indexes"] = new JsonArray([.. (await runtime.Indexes.ListAsync(CollectionId(request), ct).ConfigureAwait(false)).Select(IndexJson.Write)]) };

    internal static async Task<JsonNode> CreateIndexAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var collectionId = CollectionId(request);
        var index = await runtime.Indexes.CreateAsync(collectionId, IndexJson.Read(request), ct).ConfigureAwait(false);
        return new JsonObject { ["index"] = IndexJson.Write(index) };
    }

    internal static async Task<JsonNode> RemoveIndexAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        await runtime.Indexes.RemoveAsync(CollectionId(request), QueryParsing.RequiredString(request["indexName"], "indexName"), ct).ConfigureAwait(false);
        return new JsonObject();
    }

    private static Task<JsonNode> CapabilitiesAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Task.FromResult<JsonNode>(new JsonObject
        {
            ["supportsCollectionModifications"] = !runtime.Options.ReadOnly,
            ["supportedFieldTypes"] = new JsonArray([.. FieldTypes.V3.Select(t => (JsonNode)t)]),
            ["indexOptions"] = CollectionJson.IndexOptions(runtime.Options.ReadOnly),
            // velo-external-db's spelling of the same key, for clients written against it.
            ["indexptions"] = CollectionJson.IndexOptions(runtime.Options.ReadOnly),
            [AdaptorExtensions.CapabilitiesMember] = CollectionJson.Extensions(runtime.Options.ReadOnly),
        });
}
