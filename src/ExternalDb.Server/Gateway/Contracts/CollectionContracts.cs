using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway.Contracts;

// The shapes of Wix Data Collections v2 (wix-data-items-api.md §6).

/// <summary>Whether a field can be sorted by, and the operators it can be filtered with (<c>EQ</c>, <c>LT</c>, ...).</summary>
internal sealed record FieldCapabilities(bool? Sortable, IReadOnlyList<string>? QueryOperators);

/// <summary>A field of a collection.</summary>
/// <param name="Type"><c>TEXT</c>, <c>NUMBER</c>, <c>DATETIME</c>, <c>REFERENCE</c>, ...</param>
/// <param name="TypeMetadata">For reference, multi-reference, object and array fields: <c>reference.referencedCollectionId</c>, ...</param>
internal sealed record Field(
    string Key,
    string? DisplayName,
    string Type,
    JsonObject? TypeMetadata,
    bool? SystemField,
    FieldCapabilities? Capabilities,
    bool? Encrypted);

/// <summary>What a collection can do: its data operations (<c>QUERY</c>, <c>INSERT</c>, ...) and collection operations.</summary>
internal sealed record CollectionCapabilities(IReadOnlyList<string>? DataOperations, IReadOnlyList<string>? CollectionOperations, JsonObject? IndexLimits);

/// <summary>
/// The lowest role allowed per action: <c>ADMIN</c>, <c>SITE_MEMBER_AUTHOR</c>, <c>SITE_MEMBER</c>, <c>ANYONE</c>. Kept by
/// the gateway as sent (all four on create and update); without any, the adaptor's, else <c>ADMIN</c>.
/// </summary>
internal sealed record CollectionPermissions(string Insert, string Update, string Remove, string Read);

/// <summary>A collection, <c>id</c> being <c>connectionName/collectionId</c>.</summary>
/// <param name="Revision">Required on update: the revision read; the update applies only if it is still current.</param>
internal sealed record DataCollection(
    string Id,
    string? CollectionType,
    string? DisplayName,
    string? DisplayField,
    int? MaxPageSize,
    CollectionCapabilities? Capabilities,
    IReadOnlyList<Field>? Fields,
    CollectionPermissions? Permissions,
    string? Revision,
    IReadOnlyList<JsonObject>? Plugins,
    IReadOnlyList<string>? PagingModes);

/// <summary>The body of CreateDataCollection and UpdateDataCollection.</summary>
internal sealed record DataCollectionRequest(DataCollection Collection);

/// <summary>The answer of Create, Get and UpdateDataCollection.</summary>
internal sealed record DataCollectionAnswer(DataCollection Collection);

/// <summary>
/// Where a page of collections stands (offset paging). <c>hasNext</c> tells whether another page follows.
/// </summary>
internal sealed record CollectionsPagingMetadata(int Count, int Offset, int Total, bool TooManyToCount, bool HasNext);

/// <summary>The answer of ListDataCollections.</summary>
internal sealed record ListDataCollectionsAnswer(IReadOnlyList<DataCollection> Collections, CollectionsPagingMetadata PagingMetadata);

/// <summary>The body of CreateDataCollectionField and UpdateDataCollectionField: the field as it should be.</summary>
internal sealed record DataCollectionFieldRequest(string DataCollectionId, Field Field);

/// <summary>What PatchDataCollectionField changes of a field (by <c>key</c>): its display name, its type, its type details.</summary>
internal sealed record FieldPatch(string Key, string? DisplayName, string? Type, JsonObject? TypeMetadata);

/// <summary>The body of PatchDataCollectionField; <c>dataCollectionId</c>, when sent, must be the path's.</summary>
internal sealed record PatchDataCollectionFieldRequest(string? DataCollectionId, FieldPatch Field);

/// <summary>The body of DeleteDataCollectionField.</summary>
internal sealed record DeleteDataCollectionFieldRequest(string DataCollectionId, string FieldKey);

/// <summary>Permissions to change: each action sent gets that role, the others stay.</summary>
internal sealed record CollectionPermissionsPatch(string? Insert, string? Update, string? Remove, string? Read);

/// <summary>
/// What PatchDataCollection changes: the display name, permissions, fields' display names. <c>id</c> (or <c>_id</c>),
/// when sent, must be the path's.
/// </summary>
internal sealed record DataCollectionPatch(string? Id, string? DisplayName, CollectionPermissionsPatch? Permissions, IReadOnlyList<FieldPatch>? Fields);

/// <summary>The body of PatchDataCollection.</summary>
internal sealed record PatchDataCollectionRequest(DataCollectionPatch DataCollection);

/// <summary>The answer of the field operations and of PatchDataCollection: the collection as Get shows it.</summary>
internal sealed record DataCollectionChangeAnswer(DataCollection DataCollection);
