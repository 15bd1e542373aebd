using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>The reference methods of Wix Data Items v2, over the adaptor's reference operations.</summary>
internal sealed class DataReferencesService(DataGateway gw)
{
    /// <summary>How many references of one item's field Replace reads at most (a bound on a misbehaving adaptor).</summary>
    private const int MaxReferencesPerItem = 100_000;

    public async Task<JsonObject> QueryReferencedAsync(JsonObject body, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var page = PageRequest.Read(body, Without(body, "paging", "cursorPaging"), fullId, "referenced", "", gw.Cursors).ClampTo(schema);
        var effective = page.Request;
        var field = GatewayRequest.RequiredString(effective, "referringItemFieldName");
        var referring = effective["referringItemIds"] is JsonArray many ? many.Select(JsonRead.Text).OfType<string>().ToList()
            : [GatewayRequest.RequiredString(effective, "referringItemId")];
        CapabilityChecks.RequireOperation(schema, target, DataOperations.QueryReferenced, "QUERY_REFERENCED");
        CapabilityChecks.RequireReferenceField(schema, target, field, "referringItemFieldName");
        var wantTotal = !page.CursorMode && GatewayRequest.Flag(body, "returnTotalCount");
        var request = new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["referringItemIds"] = new JsonArray([.. referring.Select(r => (JsonNode?)r)]),
            ["referencedItemIds"] = new JsonArray(),
            ["referringFieldKey"] = field,
            ["order"] = GatewayRequest.OptionalString(effective, "order") ?? "ASC",
            ["paging"] = page.Paging(),
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = wantTotal,
            ["includeReferencedItems"] = true,
        };
        if (effective["fields"] is JsonArray fields && fields.Count > 0)
        {
            request["fields"] = fields.DeepClone();
        }
        var answer = await gw.CallPageAsync(target, AdaptorOperations.QueryReferenced, request, page.MaxPageSize, ct);
        var (rows, metadata) = page.Finish(answer, Entries(answer), wantTotal ? Items.Total(answer) : null, fullId, "referenced", gw.Cursors);
        var referencedCollection = ReferencedCollection(schema, field);
        var results = new JsonArray();
        foreach (var row in rows.OfType<JsonObject>())
        {
            var referencedId = ReferencedId(row);
            var result = new JsonObject { ["referringItemId"] = JsonRead.Text(row["referringItemId"]) };
            if ((row["referencedItem"] ?? row["item"]) is JsonObject item)
            {
                result["dataItem"] = Items.ToDataItem(item, target.Connection.Name + "/" + (referencedCollection ?? target.CollectionId));
            }
            else
            {
                result["unresolvedReference"] = new JsonObject { ["referencedItemId"] = referencedId, ["unauthorized"] = false };
            }
            results.Add(result);
        }
        return new JsonObject { ["results"] = results, ["pagingMetadata"] = metadata };
    }

    public async Task<JsonObject> IsReferencedAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var field = GatewayRequest.RequiredString(body, "referringItemFieldName");
        var referring = GatewayRequest.RequiredString(body, "referringItemId");
        var referenced = GatewayRequest.RequiredString(body, "referencedItemId");
        await RequireReferenceAsync(target, DataOperations.QueryReferenced, "IS_REFERENCED", field, "referringItemFieldName", ct);
        var answer = await gw.CallAsync(target, AdaptorOperations.QueryReferenced, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["referringItemIds"] = new JsonArray(referring),
            ["referencedItemIds"] = new JsonArray(referenced),
            ["referringFieldKey"] = field,
            ["paging"] = new JsonObject { ["limit"] = 1, ["offset"] = 0 },
            ["consistentRead"] = GatewayRequest.Flag(body, "consistentRead"),
            ["returnTotalCount"] = false,
            ["includeReferencedItems"] = false,
        }, ct);
        var found = Entries(answer)?.OfType<JsonObject>().Any(e =>
            ReferencedId(e) == referenced) == true;
        return new JsonObject { ["isReferenced"] = found };
    }

    public Task<JsonObject> InsertOneAsync(JsonObject body, CancellationToken ct) => OneAsync(body, AdaptorOperations.InsertReferences, DataOperations.InsertReferences, "INSERT_REFERENCE", ct);

    public Task<JsonObject> RemoveOneAsync(JsonObject body, CancellationToken ct) => OneAsync(body, AdaptorOperations.RemoveReferences, DataOperations.RemoveReferences, "REMOVE_REFERENCE", ct);

    public Task<JsonObject> BulkInsertAsync(JsonObject body, CancellationToken ct) => BulkAsync(body, AdaptorOperations.InsertReferences, DataOperations.InsertReferences, "INSERT", ct);

    public Task<JsonObject> BulkRemoveAsync(JsonObject body, CancellationToken ct) => BulkAsync(body, AdaptorOperations.RemoveReferences, DataOperations.RemoveReferences, "DELETE", ct);

    public async Task<JsonObject> ReplaceAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var field = GatewayRequest.RequiredString(body, "referringItemFieldName");
        var referring = GatewayRequest.RequiredString(body, "referringItemId");
        var wanted = (body["newReferencedItemIds"] as JsonArray ?? []).Select(JsonRead.Text).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        await gw.RequireOperationAsync(target, DataOperations.InsertReferences, "REPLACE_REFERENCES", ct);
        await RequireReferenceAsync(target, DataOperations.RemoveReferences, "REPLACE_REFERENCES", field, "referringItemFieldName", ct);

        // Every current reference, page after page as large as the collection serves, for as long as a next page follows.
        var pageSize = PageRequest.MaxPageSizeOf(await gw.GetSchemaAsync(target, ct));
        var current = new List<string>();
        for (var offset = 0; ; offset += pageSize)
        {
            if (offset >= MaxReferencesPerItem)
            {
                throw new GatewayException(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{target.FullId}] lists more than {MaxReferencesPerItem} references for one item.");
            }
            var answer = await gw.CallPageAsync(target, AdaptorOperations.QueryReferenced, new JsonObject
            {
                ["collectionId"] = target.CollectionId,
                ["referringItemIds"] = new JsonArray(referring),
                ["referencedItemIds"] = new JsonArray(),
                ["referringFieldKey"] = field,
                ["paging"] = new JsonObject { ["limit"] = pageSize, ["offset"] = offset },
                ["consistentRead"] = true,
                ["returnTotalCount"] = false,
                ["includeReferencedItems"] = false,
            }, pageSize, ct);
            current.AddRange(Entries(answer)?.OfType<JsonObject>().Select(ReferencedId).OfType<string>() ?? []);
            if (AdaptorPaging.HasNext(answer) != true)
            {
                break;
            }
        }
        var removed = current.Except(wanted, StringComparer.Ordinal).ToList();
        var added = wanted.Except(current, StringComparer.Ordinal).ToList();
        if (removed.Count > 0)
        {
            await CallInBatchesAsync(target, AdaptorOperations.RemoveReferences, field, removed.Select(r => (referring, r)), ct, throwOnLaterFailure: true);
        }
        if (added.Count > 0)
        {
            await CallInBatchesAsync(target, AdaptorOperations.InsertReferences, field, added.Select(a => (referring, a)), ct, throwOnLaterFailure: true);
        }
        return new JsonObject
        {
            ["dataItemReferences"] = new JsonArray([.. wanted.Select(w => (JsonNode?)Reference(field, referring, w))]),
        };
    }

    private async Task<JsonObject> OneAsync(JsonObject body, string operation, string capability, string wixOperation, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var (field, referring, referenced) = ReadReference(body["dataItemReference"], "dataItemReference");
        await RequireReferenceAsync(target, capability, wixOperation, field, "dataItemReference.referringItemFieldName", ct);
        var answer = await gw.CallAsync(target, operation, Request(target, field, [(referring, referenced)]), ct, referring);
        if ((answer["results"] as JsonArray)?.FirstOrDefault()?["error"] is JsonObject error)
        {
            throw GatewayException.ForItem(error, target, referring);
        }
        return new JsonObject { ["dataItemReference"] = Reference(field, referring, referenced) };
    }

    private async Task<JsonObject> BulkAsync(JsonObject body, string operation, string capability, string action, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var references = GatewayRequest.RequiredArray(body, "dataItemReferences", PagingLimits.MaxBulkItems)
            .Select((r, i) => ReadReference(r, $"dataItemReferences[{i}]")).ToList();
        await gw.RequireOperationAsync(target, capability, "BULK_" + capability, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        foreach (var (reference, i) in references.Select((r, i) => (r, i)))
        {
            CapabilityChecks.RequireReferenceField(schema, target, reference.Field, $"dataItemReferences[{i}].referringItemFieldName");
        }
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");
        var results = new JsonObject?[references.Count];
        foreach (var group in references.Select((r, i) => (r, i)).GroupBy(x => x.r.Field, StringComparer.Ordinal))
        {
            var batch = group.ToList();
            var answer = await CallInBatchesAsync(target, operation, group.Key, batch.Select(b => (b.r.Referring, b.r.Referenced)), ct);
            for (var j = 0; j < batch.Count; j++)
            {
                var (r, i) = batch[j];
                var metadata = new JsonObject { ["originalIndex"] = i };
                var entry = new JsonObject { ["action"] = action, ["referenceMetadata"] = metadata };
                if ((answer["results"] as JsonArray)?.ElementAtOrDefault(j)?["error"] is JsonObject error)
                {
                    metadata["success"] = false;
                    metadata["error"] = GatewayException.ItemError(error, target, r.Referring);
                }
                else
                {
                    metadata["success"] = true;
                    if (returnEntity)
                    {
                        entry["dataItemReference"] = Reference(r.Field, r.Referring, r.Referenced);
                    }
                }
                results[i] = entry;
            }
        }
        return Items.BulkAnswer(results, "referenceMetadata");
    }

    /// <summary>Refuses before any call an operation the collection does not offer, or a field that holds no references.</summary>
    private async Task RequireReferenceAsync(ResolvedCollection target, string capability, string wixOperation, string field, string path, CancellationToken ct)
    {
        var schema = await gw.GetSchemaAsync(target, ct);
        CapabilityChecks.RequireOperation(schema, target, capability, wixOperation);
        CapabilityChecks.RequireReferenceField(schema, target, field, path);
    }

    private static JsonObject Request(ResolvedCollection target, string field, IEnumerable<(string Referring, string Referenced)> references) => new()
    {
        ["collectionId"] = target.CollectionId,
        ["referringFieldKey"] = field,
        ["references"] = new JsonArray([.. references.Select(Entry)]),
    };

    private Task<JsonObject> CallInBatchesAsync(ResolvedCollection target, string operation, string field,
        IEnumerable<(string Referring, string Referenced)> references, CancellationToken ct, bool throwOnLaterFailure = false) =>
        gw.CallInBatchesAsync(target, operation, new JsonObject { ["collectionId"] = target.CollectionId, ["referringFieldKey"] = field }, "references",
            [.. references.Select(Entry)], ct, throwOnLaterFailure);

    private static JsonNode? Entry((string Referring, string Referenced) reference) =>
        new JsonObject { ["referringItemId"] = reference.Referring, ["referencedItemId"] = reference.Referenced };

    private static (string Field, string Referring, string Referenced) ReadReference(JsonNode? node, string path)
    {
        if (node is not JsonObject reference)
        {
            throw GatewayException.Invalid(path, node is null ? "is required" : "must be an object", node is null ? "REQUIRED" : "FORMAT");
        }
        return (GatewayRequest.RequiredString(reference, "referringItemFieldName", path + ".referringItemFieldName"),
            GatewayRequest.RequiredString(reference, "referringItemId", path + ".referringItemId"),
            GatewayRequest.RequiredString(reference, "referencedItemId", path + ".referencedItemId"));
    }

    private static JsonObject Reference(string field, string referring, string referenced) => new()
    {
        ["referringItemFieldName"] = field,
        ["referringItemId"] = referring,
        ["referencedItemId"] = referenced,
    };

    internal static JsonArray? Entries(JsonObject answer) => AdaptorPaging.Rows(AdaptorOperations.QueryReferenced, answer);

    /// <summary>The referenced item's ID of an entry of a query-referenced answer: its own, or its item's.</summary>
    private static string? ReferencedId(JsonObject entry) =>
        JsonRead.Text(entry["referencedItemId"]) ?? JsonRead.Text((entry["item"] ?? entry["referencedItem"])?["_id"]);

    /// <summary>The collection a (multi-)reference field of the schema points at.</summary>
    internal static string? ReferencedCollection(JsonObject schema, string fieldKey) =>
        (schema["fields"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => JsonRead.Text(f["key"]) == fieldKey) is { } field
            ? LegacySchemas.ReferencedCollection(field) ?? JsonRead.Text(field["referenceOptions"]?["referencedCollectionId"])
            : null;

    private static JsonObject Without(JsonObject body, params string[] keys)
    {
        var copy = body.DeepClone().AsObject();
        foreach (var key in keys)
        {
            copy.Remove(key);
        }
        return copy;
    }
}
