using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// The changes a patch makes to an item's fields, applied in order and together (Wix's field modifications; at most
/// 100). A field path may lead into an OBJECT field (<c>address.city</c>); system fields cannot be patched.
/// <code>
/// var item = await client.Items.PatchDataItemAsync("shop/products", "p-1",
///     new FieldModifications().SetField("title", "Oak shelf").IncrementField("stock", -1).AppendToArray("tags", "sale"));
/// </code>
/// </summary>
public sealed class FieldModifications
{
    private readonly List<JsonObject> _modifications = [];

    /// <summary>How many modifications were added.</summary>
    public int Count => _modifications.Count;

    /// <summary>Sets the field to <paramref name="value"/> (converted by <see cref="DataValue.From"/>).</summary>
    public FieldModifications SetField(string fieldPath, object? value) => Add("SET_FIELD", fieldPath, "setFieldOptions", DataValue.From(value));

    /// <summary>Removes the field (or the key at a nested path).</summary>
    public FieldModifications RemoveField(string fieldPath) => Add("REMOVE_FIELD", fieldPath, null, null);

    /// <summary>Adds <paramref name="by"/> (negative to subtract) to a number; a missing value counts as 0. Atomic on the server.</summary>
    public FieldModifications IncrementField(string fieldPath, double by) => Add("INCREMENT_FIELD", fieldPath, "incrementFieldOptions", JsonValue.Create(by));

    /// <summary>Adds <paramref name="value"/> as the last element of an array field (a missing array becomes <c>[value]</c>).</summary>
    public FieldModifications AppendToArray(string fieldPath, object? value) => Add("APPEND_TO_ARRAY", fieldPath, "appendToArrayOptions", DataValue.From(value));

    /// <summary>Removes every element equal to <paramref name="value"/> from an array field.</summary>
    public FieldModifications RemoveFromArray(string fieldPath, object? value) => Add("REMOVE_FROM_ARRAY", fieldPath, "removeFromArrayOptions", DataValue.From(value));

    private FieldModifications Add(string action, string fieldPath, string? options, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldPath);
        var modification = new JsonObject { ["fieldPath"] = fieldPath, ["action"] = action };
        if (options is not null)
        {
            modification[options] = new JsonObject { ["value"] = value };
        }
        _modifications.Add(modification);
        return this;
    }

    internal JsonArray ToJson() => _modifications.Count == 0
        ? throw new ArgumentException("A patch needs at least one field modification.")
        : new JsonArray([.. _modifications.Select(m => (JsonNode)m.DeepClone())]);
}

/// <summary>One item's patch in a bulk patch.</summary>
/// <param name="DataItemId">The item.</param>
/// <param name="FieldModifications">Its changes.</param>
public sealed record DataItemPatch(string DataItemId, FieldModifications FieldModifications)
{
    /// <summary>The same changes for each of <paramref name="dataItemIds"/> (as Wix's <c>bulkPatch(collection, ids)</c>).</summary>
    public static IEnumerable<DataItemPatch> ForEach(IEnumerable<string> dataItemIds, FieldModifications modifications)
    {
        ArgumentNullException.ThrowIfNull(dataItemIds);
        ArgumentNullException.ThrowIfNull(modifications);
        return dataItemIds.Select(id => new DataItemPatch(id, modifications));
    }
}

/// <summary>A reference field whose referenced items a query or get returns in full, instead of their IDs.</summary>
/// <param name="Field">The REFERENCE or MULTI_REFERENCE field.</param>
/// <param name="Limit">At most this many referenced items per item of a MULTI_REFERENCE field (server default 50).</param>
public sealed record IncludedReference(string Field, int? Limit = null);

public sealed partial class DataItemsClient
{
    /// <summary>
    /// Changes fields of an item in place (<c>POST /wix-data/v2/items/patch</c>): only the modified fields change, and
    /// increments made at the same time by other clients all count.
    /// </summary>
    /// <returns>The patched item.</returns>
    /// <exception cref="ExternalDbException">404 <c>WDE0073</c> when no such item exists; 400 naming the modification that is wrong.</exception>
    public async Task<DataItem> PatchDataItemAsync(string dataCollectionId, string dataItemId, FieldModifications modifications, CancellationToken ct = default)
    {
        var body = Body(dataCollectionId);
        body["patch"] = PatchNode(new DataItemPatch(dataItemId, modifications));
        return (await _transport.SendAsync<ItemEnvelope>(HttpMethod.Post, Items + "/patch", body, ct).ConfigureAwait(false)).DataItem;
    }

    /// <summary>
    /// Patches up to 1000 items in one call (<c>POST /wix-data/v2/bulk/items/patch</c>); a missing item fails its result
    /// with <c>WDE0073</c> (action <see cref="BulkActionType.Patch"/>), the others are patched.
    /// </summary>
    /// <param name="dataCollectionId">The collection.</param>
    /// <param name="patches">Each item's changes, at most 1000.</param>
    /// <param name="returnEntity">Whether each result carries the patched item.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BulkDataItemsResponse> BulkPatchDataItemsAsync(string dataCollectionId, IEnumerable<DataItemPatch> patches, bool returnEntity = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(patches);
        var body = Body(dataCollectionId);
        body["patches"] = new JsonArray([.. patches.Select(p => (JsonNode)PatchNode(p))]);
        if (returnEntity)
        {
            body["returnEntity"] = true;
        }
        return _transport.SendAsync<BulkDataItemsResponse>(HttpMethod.Post, BulkItems + "/patch", body, ct);
    }

    private static JsonObject PatchNode(DataItemPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentException.ThrowIfNullOrEmpty(patch.DataItemId);
        ArgumentNullException.ThrowIfNull(patch.FieldModifications);
        return new JsonObject { ["dataItemId"] = patch.DataItemId, ["fieldModifications"] = patch.FieldModifications.ToJson() };
    }

    /// <summary>The <c>includeReferences</c> of a request: <c>[{field, limit?}]</c>.</summary>
    internal static JsonArray IncludeReferencesNode(IEnumerable<IncludedReference> includes) =>
        new([.. includes.Select(i =>
        {
            var entry = new JsonObject { ["field"] = i.Field };
            if (i.Limit is { } limit)
            {
                entry["limit"] = limit;
            }
            return (JsonNode)entry;
        })]);
}
