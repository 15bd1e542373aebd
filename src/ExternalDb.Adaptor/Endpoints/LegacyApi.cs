using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>The legacy V1/V2 operations (secret-key auth, <c>collectionName</c>, <c>{message}</c> errors).</summary>
internal static class LegacyApi
{
    public delegate Task<JsonNode> Operation(AdaptorRuntime runtime, JsonObject request, CancellationToken ct);

    public static readonly IReadOnlyDictionary<string, Operation> Operations = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        [LegacyPaths.Provision] = ProvisionAsync,
        [LegacyPaths.SchemasList] = ListSchemasAsync,
        [LegacyPaths.SchemasListHeaders] = ListHeadersAsync,
        [LegacyPaths.SchemasFind] = FindSchemasAsync,
        [LegacyPaths.SchemasCreate] = Checked(Access.Write, CreateSchemaAsync),
        [LegacyPaths.ColumnAdd] = Checked(Access.Write, AddColumnAsync),
        [LegacyPaths.ColumnRemove] = Checked(Access.Write, RemoveColumnAsync),
        [LegacyPaths.Find] = Checked(Access.Read, FindAsync),
        [LegacyPaths.Get] = Checked(Access.Read, GetAsync),
        [LegacyPaths.Count] = Checked(Access.Read, CountAsync),
        [LegacyPaths.Insert] = Checked(Access.Write, InsertAsync),
        [LegacyPaths.InsertBulk] = Checked(Access.Write, InsertBulkAsync),
        [LegacyPaths.Update] = Checked(Access.Write, UpdateAsync),
        [LegacyPaths.UpdateBulk] = Checked(Access.Write, UpdateBulkAsync),
        [LegacyPaths.Remove] = Checked(Access.Write, RemoveAsync),
        [LegacyPaths.RemoveBulk] = Checked(Access.Write, RemoveBulkAsync),
        [LegacyPaths.Aggregate] = Checked(Access.Read, AggregateAsync),
        [LegacyPaths.Truncate] = Checked(Access.Write, TruncateAsync),
        // ExternalDb extensions of the legacy protocol (velo has no such calls); see the README.
        [LegacyPaths.SchemasDelete] = Checked(Access.Write, DeleteSchemaAsync),
        [LegacyPaths.ReferencesInsert] = Checked(Access.Write, ViaV3(V3Api.InsertReferencesAsync)),
        [LegacyPaths.ReferencesRemove] = Checked(Access.Write, ViaV3(V3Api.RemoveReferencesAsync)),
        [LegacyPaths.ReferencesQuery] = Checked(Access.Read, ViaV3(V3Api.QueryReferencedAsync)),
        [LegacyPaths.Patch] = Checked(Access.Write, ViaV3(V3Api.PatchAsync)),
        [LegacyPaths.IndexesList] = Checked(Access.Read, ViaV3(V3Api.ListIndexesAsync)),
        [LegacyPaths.IndexesCreate] = Checked(Access.Write, ViaV3(V3Api.CreateIndexAsync)),
        [LegacyPaths.IndexesRemove] = Checked(Access.Write, ViaV3(V3Api.RemoveIndexAsync)),
    };

    /// <summary>The operation, once the role of <c>requestContext.role</c> may read or write the collection (<c>Adaptor:Permissions</c>).</summary>
    private static Operation Checked(Access access, Operation operation) => (runtime, request, ct) =>
    {
        runtime.Permissions.Check(request, Collection(request), access);
        return operation(runtime, request, ct);
    };

    private static string Collection(JsonObject request) => QueryParsing.RequiredString(request["collectionName"], "collectionName");

    private static Task<JsonNode> ProvisionAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Task.FromResult<JsonNode>(new JsonObject
        {
            ["type"] = runtime.Dialect.Name,
            ["vendor"] = "externaldb",
            ["protocolVersion"] = 2,
            // ExternalDb extension: what the adaptor can do to schemas, so that an empty database still says it.
            ["allowedSchemaOperations"] = new JsonArray([.. CollectionJson.SchemaOperations(runtime.Options.ReadOnly).Select(o => (JsonNode)o)]),
        });

    private static async Task<List<CollectionInfo>> AllAsync(AdaptorRuntime runtime, CancellationToken ct)
    {
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        return await runtime.Catalog.ListAsync(connection, null, null, ct).ConfigureAwait(false);
    }

    private static async Task<JsonNode> ListSchemasAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        new JsonObject { ["schemas"] = new JsonArray([.. (await AllAsync(runtime, ct).ConfigureAwait(false)).Select(c => CollectionJson.LegacySchema(c, runtime.Options.ReadOnly))]) };

    private static async Task<JsonNode> ListHeadersAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        new JsonObject
        {
            ["schemas"] = new JsonArray([.. (await AllAsync(runtime, ct).ConfigureAwait(false)).Select(c => new JsonObject
            {
                ["id"] = c.Id, ["displayName"] = c.DisplayName ?? c.Id, ["maxPageSize"] = PagingLimits.MaxPageSize, ["ttl"] = 3600,
            })]),
        };

    private static async Task<JsonNode> FindSchemasAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var ids = QueryParsing.StringList(request["schemaIds"], "schemaIds") ?? [];
        var found = (await AllAsync(runtime, ct).ConfigureAwait(false)).Where(c => ids.Contains(c.Id, StringComparer.Ordinal)).ToList();
        if (ids.Count > 0 && found.Count == 0)
        {
            throw AdaptorException.CollectionNotFound(string.Join(", ", ids));
        }
        return new JsonObject { ["schemas"] = new JsonArray([.. found.Select(c => CollectionJson.LegacySchema(c, runtime.Options.ReadOnly))]) };
    }

    private static async Task<JsonNode> SchemaChangeAsync(AdaptorRuntime runtime, string collectionId, string operation,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task> change, CancellationToken ct)
    {
        if (runtime.Options.ReadOnly)
        {
            throw AdaptorException.Unsupported(collectionId, operation, "The adaptor is read-only");
        }
        await using var connection = await runtime.Items.OpenAsync(ct).ConfigureAwait(false);
        using var writeGate = await runtime.Catalog.Dialect.EnterWriteAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(runtime.Dialect.WriteIsolation, ct).ConfigureAwait(false);
        await change(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        runtime.Catalog.Invalidate();
        return new JsonObject();
    }

    private static Task<JsonNode> CreateSchemaAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var id = Collection(request);
        return SchemaChangeAsync(runtime, id, "createCollection",
            (c, tx) => runtime.Catalog.CreateAsync(c, tx, id, QueryParsing.OptionalString(request["displayName"], "displayName"), [], ct), ct);
    }

    /// <summary>Extension: drops the collection (V3 <c>collections/delete</c>); an unknown one is 404 "Collection x does not exist".</summary>
    private static async Task<JsonNode> DeleteSchemaAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var id = Collection(request);
        try
        {
            await V3Api.DropCollectionAsync(runtime, id, "dropCollection", ct).ConfigureAwait(false);
        }
        catch (AdaptorException e) when (e.ErrorCode == AdaptorErrorCodes.CollectionNotFound)
        {
            throw new AdaptorException(e.ErrorCode, 404, $"Collection {id} does not exist", e.ErrorData);
        }
        return new JsonObject();
    }

    /// <summary>
    /// Extension: a V3 operation served on a legacy path. The body is the V3 request with <c>collectionName</c> for
    /// <c>collectionId</c> (a <c>collectionId</c> that is also sent must name the same collection) plus
    /// <c>requestContext</c>, which is not passed on (so it never ends up inside a cursor); the answer is the V3 answer.
    /// </summary>
    private static Operation ViaV3(V3Api.Operation operation) => (runtime, request, ct) =>
    {
        var id = Collection(request);
        if (request["collectionId"] is { } given && QueryParsing.Str(given) != id)
        {
            throw AdaptorException.Validation("collectionId", "collectionId, when sent, must equal collectionName", given);
        }
        var v3 = new JsonObject();
        foreach (var (key, value) in request)
        {
            if (key is not ("requestContext" or "collectionName" or "collectionId"))
            {
                v3[key] = value?.DeepClone();
            }
        }
        v3["collectionId"] = id;
        return operation(runtime, v3, ct);
    };

    private static Task<JsonNode> AddColumnAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var id = Collection(request);
        var column = QueryParsing.RequiredObject(request["column"], "column");
        var name = QueryParsing.RequiredString(column["name"], "column.name");
        var type = FieldTypeMap.FromLegacyColumn(QueryParsing.OptionalString(column["type"], "column.type"), QueryParsing.OptionalString(column["subtype"], "column.subtype"))
            ?? throw AdaptorException.Validation("column.type", "column.type must be text, number, boolean, url, datetime, image or object", column["type"]);
        var referenced = type is "REFERENCE" or "MULTI_REFERENCE" ? QueryParsing.OptionalString(column["referencedCollectionId"], "column.referencedCollectionId") : null;
        return SchemaChangeAsync(runtime, id, "addColumn", async (c, tx) =>
        {
            var collection = await runtime.Catalog.GetAsync(c, tx, id, ct).ConfigureAwait(false);
            if (collection.Fields.Any(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new AdaptorException(AdaptorErrorCodes.FieldAlreadyExists, 409, $"Field {name} already exists", new JsonObject { ["collectionId"] = id, ["fieldName"] = name });
            }
            await runtime.Catalog.AddFieldAsync(c, tx, collection.Id, new FieldSpec(name, type, null, referenced), ct).ConfigureAwait(false);
        }, ct);
    }

    private static Task<JsonNode> RemoveColumnAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var id = Collection(request);
        var name = QueryParsing.RequiredString(request["columnName"], "columnName");
        return SchemaChangeAsync(runtime, id, "removeColumn", async (c, tx) =>
        {
            var collection = await runtime.Catalog.GetAsync(c, tx, id, ct).ConfigureAwait(false);
            if (collection.Find(name) is null)
            {
                throw new AdaptorException(AdaptorErrorCodes.FieldDoesNotExist, 404, $"Field {name} does not exist", new JsonObject { ["collectionId"] = id, ["fieldName"] = name });
            }
            await runtime.Catalog.RemoveFieldAsync(c, tx, collection, name, ct).ConfigureAwait(false);
        }, ct);
    }

    private static async Task<JsonNode> FindAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var query = new ItemQuery(FilterParser.Parse(request["filter"]), QueryParsing.Sort(request["sort"], "sort"),
            QueryParsing.StringList(request["projection"], "projection"),
            QueryParsing.Limit(request["limit"], "limit"), QueryParsing.Offset(request["skip"], "skip"),
            !QueryParsing.Bool(request["omitTotalCount"], "omitTotalCount"));
        var page = await runtime.Items.QueryAsync(Collection(request), query, ct).ConfigureAwait(false);
        var result = new JsonObject { ["items"] = new JsonArray([.. page.Items]) };
        if (page.Total is { } total)
        {
            result["totalCount"] = total;
        }
        return result;
    }

    private static string ItemId(JsonObject request) => QueryParsing.RequiredString(request["itemId"], "itemId");

    private static async Task<JsonNode> GetAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var id = ItemId(request);
        var item = await runtime.Items.GetAsync(Collection(request), id, QueryParsing.StringList(request["projection"], "projection"), ct).ConfigureAwait(false)
            ?? throw AdaptorException.ItemNotFound(id);
        return new JsonObject { ["item"] = item };
    }

    private static async Task<JsonNode> CountAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        new JsonObject { ["totalCount"] = await runtime.Items.CountAsync(Collection(request), FilterParser.Parse(request["filter"]), ct).ConfigureAwait(false) };

    private static JsonNode Single(List<ItemResult> results) => results[0].Error is { } e ? throw e : new JsonObject { ["item"] = results[0].Value?.DeepClone() };

    private static JsonNode Many(List<ItemResult> results) => new JsonObject { ["items"] = new JsonArray([.. results.Select(r => r.Value?.DeepClone())]) };

    private static List<JsonNode?> ItemsOf(JsonObject request) => request["items"] is JsonArray { Count: > 0 } a ? [.. a]
        : throw AdaptorException.Validation("items", "items must be a non-empty array", request["items"]);

    private static JsonNode? ItemOf(JsonObject request) => request["item"] ?? throw AdaptorException.Validation("item", "item is required");

    private static async Task<JsonNode> InsertAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Single(await runtime.Items.InsertAsync(Collection(request), [ItemOf(request)], true, ct).ConfigureAwait(false));

    private static async Task<JsonNode> InsertBulkAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Many(await runtime.Items.InsertAsync(Collection(request), ItemsOf(request), true, ct).ConfigureAwait(false));

    private static async Task<JsonNode> UpdateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Single(await runtime.Items.UpdateAsync(Collection(request), [ItemOf(request)], true, ct).ConfigureAwait(false));

    private static async Task<JsonNode> UpdateBulkAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Many(await runtime.Items.UpdateAsync(Collection(request), ItemsOf(request), true, ct).ConfigureAwait(false));

    private static async Task<JsonNode> RemoveAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct) =>
        Single(await runtime.Items.RemoveAsync(Collection(request), [ItemId(request)], true, ct).ConfigureAwait(false));

    private static async Task<JsonNode> RemoveBulkAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var ids = QueryParsing.StringList(request["itemIds"], "itemIds") is { Count: > 0 } l ? l : throw AdaptorException.Validation("itemIds", "itemIds must be a non-empty array");
        return Many(await runtime.Items.RemoveAsync(Collection(request), ids, true, ct).ConfigureAwait(false));
    }

    private static async Task<JsonNode> TruncateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        await runtime.Items.TruncateAsync(Collection(request), ct).ConfigureAwait(false);
        return new JsonObject();
    }

    /// <summary>
    /// <c>processingStep</c> is a Mongo <c>$group</c>: <c>_id</c> names the grouping fields (<c>"$f"</c> or
    /// <c>{alias: "$f"}</c>), other keys are <c>{alias: {$avg|$min|$max|$sum: "$f"}}</c>, <c>{$sum: 1}</c> counts.
    /// </summary>
    private static async Task<JsonNode> AggregateAsync(AdaptorRuntime runtime, JsonObject request, CancellationToken ct)
    {
        var nested = QueryParsing.OptionalObject(request["aggregation"], "aggregation");
        var step = QueryParsing.RequiredObject(request["processingStep"] ?? nested?["processingStep"], "processingStep");
        var postFilter = request["postFilteringStep"] ?? nested?["postFilteringStep"];
        static string Field(JsonNode? n, string path) => QueryParsing.Str(n) is { Length: > 0 } s ? s.TrimStart('$')
            : throw AdaptorException.Validation(path, "Expected a field reference \"$field\"", n);
        var groupBy = step["_id"] switch
        {
            null => [],
            JsonObject o => o.Select(p => Field(p.Value, "processingStep._id." + p.Key)).ToList(),
            var n => new List<string> { Field(n, "processingStep._id") },
        };
        var ops = new List<AggregateOp>();
        foreach (var (alias, spec) in step.Where(p => p.Key != "_id"))
        {
            var path = "processingStep." + alias;
            var (name, arg) = spec is JsonObject { Count: 1 } so ? so.First() : throw AdaptorException.Validation(path, "Expected {$avg|$min|$max|$sum: \"$field\"}", spec);
            var function = name switch
            {
                LegacyAccumulators.Avg => "avg", LegacyAccumulators.Min => "min", LegacyAccumulators.Max => "max",
                LegacyAccumulators.Sum => "sum", LegacyAccumulators.Count => "count", _ => null,
            }
                ?? throw AdaptorException.Validation(path, $"Unknown aggregation {name}", name);
            if (function == "sum" && arg is JsonValue v && v.TryGetValue<double>(out var one) && one == 1)
            {
                function = "count";
            }
            ops.Add(new AggregateOp(alias, function, function == "count" ? null : Field(arg, path + "." + name)));
        }
        var spec2 = new AggregateSpec(FilterParser.Parse(request["filter"]), groupBy, ops, FilterParser.Parse(postFilter, "postFilteringStep"),
            QueryParsing.Sort(request["sort"], "sort"), QueryParsing.Limit(request["limit"] ?? PagingLimits.MaxPageSize, "limit"),
            QueryParsing.Offset(request["skip"], "skip"), false);
        var page = await runtime.Items.AggregateAsync(Collection(request), spec2, ct).ConfigureAwait(false);
        return new JsonObject { ["items"] = new JsonArray([.. page.Items]), ["totalCount"] = 0 };
    }
}
