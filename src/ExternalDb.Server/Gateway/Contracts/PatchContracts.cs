using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway.Contracts;

// Patch and bulk patch of Wix Data Items v2 (wix-data-items-api.md §3, "Patch body").

/// <summary>The value of a field modification.</summary>
internal sealed record FieldModificationValue(JsonNode? Value);

/// <summary>
/// One change of an item's field. <c>action</c>: <c>SET_FIELD</c> (with <c>setFieldOptions.value</c>),
/// <c>REMOVE_FIELD</c>, <c>INCREMENT_FIELD</c> (<c>incrementFieldOptions.value</c>, a number; a missing value counts
/// as 0), <c>APPEND_TO_ARRAY</c> (<c>appendToArrayOptions.value</c>), <c>REMOVE_FROM_ARRAY</c>
/// (<c>removeFromArrayOptions.value</c>: every equal element goes). <c>fieldPath</c> may lead into an OBJECT field
/// (<c>address.city</c>); system fields cannot be patched.
/// </summary>
internal sealed record FieldModification(
    string FieldPath,
    string Action,
    FieldModificationValue? SetFieldOptions,
    FieldModificationValue? IncrementFieldOptions,
    FieldModificationValue? AppendToArrayOptions,
    FieldModificationValue? RemoveFromArrayOptions);

/// <summary>The changes of one item, applied in order and together (1 to 100).</summary>
internal sealed record DataItemPatch(string DataItemId, IReadOnlyList<FieldModification> FieldModifications);

/// <summary>The body of PatchDataItem.</summary>
internal sealed record PatchDataItemRequest(string DataCollectionId, DataItemPatch Patch);

/// <summary>The body of BulkPatchDataItems (at most 1000 patches); the answer's results have <c>action: PATCH</c>.</summary>
internal sealed record BulkPatchDataItemsRequest(string DataCollectionId, IReadOnlyList<DataItemPatch> Patches, bool? ReturnEntity);
