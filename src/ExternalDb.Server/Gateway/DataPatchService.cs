using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Webhooks;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data's PatchDataItem and BulkPatchDataItems. An adaptor that advertises ExternalDb's patch extension
/// (<c>externalDb.patch</c> in V3 capabilities, <c>patch</c> in a V2 schema's <c>allowedSchemaOperations</c>) gets one
/// <c>items/patch</c> call, which it applies atomically. Any other adaptor gets a read–modify–write (query the item,
/// apply the modifications here, update it), serialized per connection, collection and item ID among the patches that
/// pass through this server, so that two of them never both read the same old value.
/// </summary>
internal sealed class DataPatchService(DataGateway gw, ItemEvents events)
{
    // Striped locks: bounded memory whatever the number of items; two items may share a stripe (and then wait for each
    // other), never one item two stripes. One patch holds one stripe at a time, so they cannot deadlock.
    private const int LockStripes = 1024;
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<JsonObject> PatchAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var patch = ItemPatches.Read(body["patch"], "patch", schema);
        var answer = await ApplyAsync(target, schema, [patch], "PATCH", throwOnFailure: true, ct);
        var item = Items.ToDataItem(Items.Result(answer, 0, target, patch.ItemId), target.FullId);
        await events.WrittenAsync(target, EventTypes.ItemUpdated, answer, [patch.ItemId]);
        return new JsonObject { ["dataItem"] = item };
    }

    public async Task<JsonObject> BulkPatchAsync(JsonObject body, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(GatewayRequest.RequiredString(body, "dataCollectionId"), ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var patches = GatewayRequest.RequiredArray(body, "patches", PagingLimits.MaxBulkItems)
            .Select((p, i) => ItemPatches.Read(p, $"patches[{i}]", schema)).ToList();
        var returnEntity = GatewayRequest.Flag(body, "returnEntity");
        var answer = await ApplyAsync(target, schema, patches, "BULK_PATCH", throwOnFailure: false, ct);
        var bulkAnswer = Items.BulkAnswer([.. patches.Select((p, i) => Items.BulkResult(answer, i, "PATCH", i, p.ItemId, returnEntity, target))]);
        await events.WrittenAsync(target, EventTypes.ItemUpdated, answer, [.. patches.Select(p => p.ItemId)]);
        return bulkAnswer;
    }

    /// <summary>The adaptor's <c>{results: [{item} | {error}]}</c> for <paramref name="patches"/>, in their order.</summary>
    private async Task<JsonObject> ApplyAsync(ResolvedCollection target, JsonObject schema, IReadOnlyList<ItemPatch> patches, string wixOperation,
        bool throwOnFailure, CancellationToken ct)
    {
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Update, wixOperation);
        if (await ServesPatchAsync(target, ct))
        {
            var entries = patches.Select(p => (JsonNode?)new JsonObject { ["itemId"] = p.ItemId, ["fieldModifications"] = p.FieldModifications.DeepClone() }).ToList();
            return await gw.CallInBatchesAsync(target, AdaptorOperations.Patch, new JsonObject { ["collectionId"] = target.CollectionId }, "patches", entries, ct);
        }
        CapabilityChecks.RequireOperation(schema, target, DataOperations.Query, wixOperation);
        var results = new JsonArray();
        foreach (var patch in patches)
        {
            try
            {
                results.Add(await ReadModifyWriteAsync(target, patch, ct));
            }
            catch (GatewayException e) when (!throwOnFailure)
            {
                results.Add(new JsonObject
                {
                    ["error"] = new JsonObject { ["errorCode"] = e.ErrorData?["adaptorErrorCode"]?.DeepClone() ?? e.Code, ["errorMessage"] = e.Message },
                });
            }
        }
        return new JsonObject { ["results"] = results };
    }

    /// <summary>Reads the item, applies the modifications and writes it back, holding the item's lock throughout.</summary>
    private async Task<JsonNode?> ReadModifyWriteAsync(ResolvedCollection target, ItemPatch patch, CancellationToken ct)
    {
        var gate = _locks[Stripe(target, patch.ItemId)];
        await gate.WaitAsync(ct);
        try
        {
            var item = await gw.FindItemAsync(target, patch.ItemId, fields: null, consistentRead: true, ct);
            if (item is null)
            {
                return Failure(AdaptorErrorCodes.ItemNotFound, $"Item {patch.ItemId} not found", patch.ItemId);
            }
            if (ItemPatches.Apply(item, patch.FieldModifications) is { } why)
            {
                return Failure(AdaptorErrorCodes.ValidationError, why, patch.ItemId);
            }
            item["_id"] = patch.ItemId;
            var answer = await gw.CallAsync(target, AdaptorOperations.Update,
                new JsonObject { ["collectionId"] = target.CollectionId, ["items"] = new JsonArray(item.DeepClone()) }, ct, patch.ItemId);
            return (answer["results"] as JsonArray)?.FirstOrDefault()?.DeepClone();
        }
        finally
        {
            gate.Release();
        }
    }

    private static JsonObject Failure(string code, string message, string itemId) => new()
    {
        ["error"] = new JsonObject { ["errorCode"] = code, ["errorMessage"] = message, ["data"] = new JsonObject { ["itemId"] = itemId } },
    };

    private static int Stripe(ResolvedCollection target, string itemId) =>
        (int)((uint)StringComparer.Ordinal.GetHashCode(ConnectionStore.NameKey(target.Connection.Name) + "\n" + target.CollectionId + "\n" + itemId) % LockStripes);

    /// <summary>
    /// Whether the connection's adaptor advertises the patch extension (its <c>capabilities/get</c> answer, kept as the
    /// schemas are). A failed check reads as no.
    /// </summary>
    private async Task<bool> ServesPatchAsync(ResolvedCollection target, CancellationToken ct) =>
        await gw.GetAdaptorCapabilitiesAsync(target, ct) is { } capabilities
        && JsonRead.IsTrue(JsonRead.Member(capabilities[AdaptorExtensions.CapabilitiesMember], AdaptorExtensions.Patch));
}
