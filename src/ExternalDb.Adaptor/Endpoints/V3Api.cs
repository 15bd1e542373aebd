using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>The V3 operations: a verified <c>data.request</c> in, the response body out.</summary>
internal static class V3Api
{
    public delegate Task<JsonNode> Operation(AdaptorRuntime runtime, JsonObject request, CancellationToken ct);

    public static readonly IReadOnlyDictionary<string, Operation> Operations = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        ["/v3/items/query"] = QueryAsync,
        ["/v3/items/count"] = CountAsync,
        ["/v3/items/aggregate"] = AggregateAsync,
        ["/v3/items/query-distinct-values"] = DistinctAsync,
        ["/v3/items/insert"] = InsertAsync,
        ["/v3/items/update"] = UpdateAsync,
        ["/v3/items/remove"] = RemoveAsync,
        ["/v3/items/truncate"] = TruncateAsync,
        ["/v3/items/query-referenced"] = QueryReferencedAsync,
        ["/v3/items/insert-references"] = InsertReferencesAsync,
        ["/v3/items/remove-references"] = RemoveReferencesAsync,
        ["/v3/collections/get"] = GetCollectionsAsync,
        ["/v3/collections/create"] = CreateCollectionAsync,
        ["/v3/collections/update"] = UpdateCollectionAsync,
        ["/v3/collections/delete"] = DeleteCollectionAsync,
        ["/v3/capabilities/get"] = CapabilitiesAsync,
    };

    private static string? CollectionId(JsonObject request) => QueryParsing.Str(request["collectionId"])
        ?? throw AdaptorException.Validation("collectionId", "collectionId is required");

    /// <summary>Offset or cursor paging; with a cursor the request it was made for replaces this one.</summary>
    private sealed record Paging(JsonObject Request, int Limit, int Offset, bool CursorMode);

    private static Paging ResolvePaging(AdaptorRuntime runtime, JsonObject request, string kind)
    {
        var query = request["query"] as JsonObject;
        var cursorPaging = (query?["cursorPaging"] ?? request["cursorPaging"]) as JsonObject;
        var paging = (query?["paging"] ?? request["paging"]) as JsonObject;
        if (cursorPaging is not null)
        {
            var limit = QueryParsing.Limit(cursorPaging["limit"], "cursorPaging.limit");
            if (QueryParsing.Str(cursorPaging["cursor"]) is { Length: > 0 } cursor)
            {
                var (original, offset) = runtime.Cursors.Decode(cursor, kind);
                if (QueryParsing.Str(request["collectionId"]) is { } id && QueryParsing.Str(original["collectionId"]) != id)
                {
                    throw AdaptorException.Validation("cursorPaging.cursor", "The cursor belongs to another collection");
                }
                return new Paging(original, limit, offset, true);
            }
            return new Paging(request, limit, 0, true);
        }
        return new Paging(request, QueryParsing.Limit(paging?["limit"], "paging.limit"), QueryParsing.Offset(paging?["offset"], "paging.offset"), false);
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
                var original = (JsonObject)paging.Request.DeepClone();
                cursors["next"] = runtime.Cursors.Encode(kind, original, paging.Offset + page.Items.Count);
            }
            if (paging.Offset > 0)
            {
                cursors["prev"] = runtime.Cursors.Encode(kind, (JsonObject)paging.Request.DeepClone(), Math.Max(0, paging.Offset - paging.Limit));
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
        var query = r["query"] as JsonObject ?? [];
        var itemQuery = new ItemQuery(
            FilterParser.Parse(query["filter"], "query.filter"),
            QueryParsing.Sort(query["sort"], "query.sort"),
            QueryParsing.StringList(query["fields"], "query.fields"),
            paging.Limit, paging.Offset, QueryParsing.Bool(request["returnTotalCount"]))
        {
            Include = QueryParsing.Includes(r["includeReferencedItems"] ?? query["includeReferencedItems"]),
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
        var aggregation = r["aggregation"] as JsonObject ?? [];
        var groupBy = QueryParsing.StringList(aggregation["groupingFields"], "aggregation.groupingFields") ?? [];
        var ops = new List<AggregateOp>();
        if (aggregation["operations"] is JsonArray operations)
        {
            for (var i = 0; i < operations.Count; i++)
            {
                ops.Add(ParseOperation(operations[i], $"aggregation.operations[{i}]"));
            }
        }
        var spec = new AggregateSpec(FilterParser.Parse(r["initialFilter"], "initialFilter"), groupBy, ops,
            FilterParser.Parse(r["finalFilter"], "finalFilter"), QueryParsing.Sort(r["sort"], "sort"),
            paging.Limit, paging.Offset, QueryParsing.Bool(request["returnTotalCount"]));
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
        var result = QueryParsing.Str(op["resultFieldName"]) ?? throw AdaptorException.Validation(path + ".resultFieldName", "resultFieldName is required");
        foreach (var (name, function) in new[] { ("average", "avg"), ("min", "min"), ("max", "max"), ("sum", "sum"), ("count", "count") })
        {
            if (op.ContainsKey(name))
            {
                return new AggregateOp(result, function, QueryParsing.Str(op[name]?["itemFieldName"]));
            }
        }
        throw AdaptorException.Validation(path, "An operation needs one of average, min, max, sum, count", node);
    }

    private static async Task<JsonNode> DistinctAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        CollectionId(request);
        var paging = ResolvePaging(runtime, request, "distinct");
        var r = paging.Request;
        var order = (QueryParsing.Str(r["order"]) ?? "ASC").ToUpperInvariant();
        if (order is not ("ASC" or "DESC"))
        {
            throw AdaptorException.Validation("order", "order must be ASC or DESC", order);
        }
        var page = await runtime.Items.DistinctAsync(QueryParsing.Str(r["collectionId"]), QueryParsing.Str(r["fieldName"]),
            FilterParser.Parse(r["filter"]), order == "DESC", paging.Limit, paging.Offset, QueryParsing.Bool(request["returnTotalCount"]), ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["distinctValues"] = new JsonArray([.. page.Items.Select(v => v?.DeepClone())]),
            ["pagingMetadata"] = PagingMetadata(runtime, paging, page, "distinct"),
        };
    }

    private static List<JsonNode?> Items(JsonObject request) =>
        request["items"] is JsonArray { Count: > 0 } items ? [.. items]
            : throw AdaptorException.Validation("items", "items must be a non-empty array");

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

    private static async Task<JsonNode> TruncateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        await runtime.Items.TruncateAsync(CollectionId(request), ct).ConfigureAwait(false);
        return new JsonObject();
    }

    private static List<ItemReference> References(JsonObject request)
    {
        if (request["references"] is not JsonArray { Count: > 0 } refs)
        {
            throw AdaptorException.Validation("references", "references must be a non-empty array");
        }
        return [.. refs.Select((r, i) => new ItemReference(
            QueryParsing.Str(r?["referringItemId"]) ?? throw AdaptorException.Validation($"references[{i}].referringItemId", "referringItemId is required"),
            QueryParsing.Str(r?["referencedItemId"]) ?? throw AdaptorException.Validation($"references[{i}].referencedItemId", "referencedItemId is required")))];
    }

    private static string? ReferringField(JsonObject request) =>
        QueryParsing.Str(request["referringFieldKey"]) ?? QueryParsing.Str(request["fieldKey"])
        ?? throw AdaptorException.Validation("referringFieldKey", "referringFieldKey is required");

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
        var order = (QueryParsing.Str(r["order"]) ?? "ASC").ToUpperInvariant();
        var includeItems = r["includeReferencedItems"] is JsonValue
            ? QueryParsing.Bool(r["includeReferencedItems"])
            : !(r["returnFullItems"] is JsonValue v && v.TryGetValue<bool>(out var full) && !full);
        var page = await runtime.Items.QueryReferencedAsync(QueryParsing.Str(r["collectionId"]), ReferringField(r),
            QueryParsing.StringList(r["referringItemIds"], "referringItemIds"), QueryParsing.StringList(r["referencedItemIds"], "referencedItemIds"),
            order == "DESC", paging.Limit, paging.Offset, QueryParsing.Bool(request["returnTotalCount"]), includeItems,
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
        return new JsonObject { ["collections"] = new JsonArray([.. selected.Select(c => CollectionJson.V3(c, runtime.Options.ReadOnly))]) };
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
        var c = request["collection"] as JsonObject ?? throw AdaptorException.Validation("collection", "collection is required");
        var id = QueryParsing.Str(c["id"]) ?? throw AdaptorException.Validation("collection.id", "collection.id is required");
        var fields = c["fields"] is JsonArray a ? a.Select((f, i) => CollectionJson.ParseV3Field(f, $"collection.fields[{i}]")).ToList() : [];
        return (id, QueryParsing.Str(c["displayName"]), fields);
    }

    private static async Task<JsonNode> CreateCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var (id, displayName, fields) = CollectionSpec(request);
        RequireWritableSchema(runtime, id, "createCollection");
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await runtime.Catalog.Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using (var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            await runtime.Catalog.CreateAsync(connection, tx, id, displayName, fields, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            runtime.Catalog.Invalidate();
        }
        var created = await runtime.Catalog.GetAsync(connection, null, id, ct).ConfigureAwait(false);
        return new JsonObject { ["collection"] = CollectionJson.V3(created, runtime.Options.ReadOnly) };
    }

    private static async Task<JsonNode> UpdateCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var (id, displayName, fields) = CollectionSpec(request);
        RequireWritableSchema(runtime, id, "updateCollection");
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await runtime.Catalog.Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using (var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            var current = await runtime.Catalog.GetAsync(connection, tx, id, ct).ConfigureAwait(false);
            if (current.IsView)
            {
                throw AdaptorException.ChangeNotSupported("", $"{id} is a view");
            }
            await runtime.Catalog.UpdateAsync(connection, tx, current, displayName, fields, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            runtime.Catalog.Invalidate();
        }
        var updated = await runtime.Catalog.GetAsync(connection, null, id, ct).ConfigureAwait(false);
        return new JsonObject { ["collection"] = CollectionJson.V3(updated, runtime.Options.ReadOnly) };
    }

    private static async Task<JsonNode> DeleteCollectionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var deleted = await DropCollectionAsync(runtime, CollectionId(request)!, "deleteCollection", ct).ConfigureAwait(false);
        return new JsonObject { ["collection"] = CollectionJson.V3(deleted, runtime.Options.ReadOnly) };
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
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var current = await runtime.Catalog.GetAsync(connection, tx, id, ct).ConfigureAwait(false);
        await runtime.Catalog.DropAsync(connection, tx, current, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        runtime.Catalog.Invalidate();
        return current;
    }

    private static Task<JsonNode> CapabilitiesAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Task.FromResult<JsonNode>(new JsonObject
        {
            ["supportsCollectionModifications"] = !runtime.Options.ReadOnly,
            ["supportedFieldTypes"] = new JsonArray([.. FieldTypeMap.SupportedTypes.Select(t => (JsonNode)t)]),
        });
}
