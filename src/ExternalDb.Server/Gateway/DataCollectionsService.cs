using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Collections v2 over every connection: list (all collections of all connections), get, create, update
/// (revision checked), patch and delete, and one field at a time (<c>DataCollectionsService.Fields.cs</c>), reaching the
/// adaptors' collection operations. What an adaptor cannot keep (display names, Wix permissions, reference details) is
/// kept by the gateway (<see cref="CollectionMetadata"/>) and laid over the adaptor's answer.
/// </summary>
internal sealed partial class DataCollectionsService(DataGateway gw, ConnectionStore store, ResolvedConnections connections, CollectionMetadataStore kept)
{
    public async Task<JsonObject> ListAsync(JsonObject query, CancellationToken ct)
    {
        var paging = OffsetPaging.Read(query);
        var descending = string.Equals(GatewayRequest.OptionalString(query["sort"] as JsonObject ?? new JsonObject(), "order"), "DESC", StringComparison.OrdinalIgnoreCase);

        // The adaptors are asked side by side (a few at a time): one slow adaptor costs its own time, not the sum.
        var names = new List<string>();
        for (var connectionOffset = 0; ; connectionOffset += 500)
        {
            var (page, total) = await store.ListAsync(connectionOffset, 500, ct);
            names.AddRange(page.Where(c => c.ConnectionStatus.Successful).Select(c => c.Name));
            if (connectionOffset + page.Count >= total)
            {
                break;
            }
        }
        var all = new System.Collections.Concurrent.ConcurrentBag<JsonObject>();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (name, token) =>
        {
            if (await connections.GetAsync(name, token) is not { } resolved)
            {
                return;
            }
            try
            {
                foreach (var collection in await CollectionsOfAsync(resolved, token))
                {
                    all.Add(collection);
                }
            }
            catch (GatewayException)
            {
                // An adaptor that fails now costs only its own collections in the list.
            }
        });
        var ordered = (descending
            ? all.OrderByDescending(c => JsonRead.Text(c["id"]), StringComparer.Ordinal)
            : all.OrderBy(c => JsonRead.Text(c["id"]), StringComparer.Ordinal)).ToList();
        return paging.Answer("collections", ordered);
    }

    /// <summary>The collections of one connection, <c>{collections}</c>; 404 when it does not exist.</summary>
    public async Task<JsonObject> ListOfConnectionAsync(string connectionName, CancellationToken ct)
    {
        var resolved = await connections.GetAsync(connectionName, ct)
            ?? throw new GatewayException(404, "NOT_FOUND", $"No connection named '{connectionName}' exists.");
        return new JsonObject { ["collections"] = new JsonArray([.. await CollectionsOfAsync(resolved, ct)]) };
    }

    /// <summary>A connection's collections as Wix DataCollection objects.</summary>
    private async Task<IReadOnlyList<JsonObject>> CollectionsOfAsync(ResolvedConnection resolved, CancellationToken ct)
    {
        var target = gw.Resolve(resolved, "*");
        var schemas = await gw.ListSchemasAsync(target, ct);
        var metadata = await kept.ListAsync(resolved.Connection.Name, ct);
        var collections = new List<JsonObject>();
        foreach (var schema in schemas)
        {
            var id = JsonRead.Text(schema["id"]) ?? "";
            collections.Add(await ToWixAsync(schema, gw.Resolve(resolved, id), metadata.GetValueOrDefault(id), ct));
        }
        return collections;
    }

    public async Task<JsonObject> GetAsync(string fullId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        return new JsonObject { ["collection"] = await CurrentAsync(target, ct) };
    }

    /// <summary>The collection as Get shows it: the adaptor's schema (cached) with what the gateway keeps laid over it.</summary>
    private async Task<JsonObject> CurrentAsync(ResolvedCollection target, CancellationToken ct) =>
        await ToWixAsync(await gw.GetSchemaAsync(target, ct), target, await kept.GetAsync(target.Connection.Name, target.CollectionId, ct), ct);

    /// <summary>A Wix DataCollection for an adaptor's collection, what the gateway keeps laid over it.</summary>
    private async Task<JsonObject> ToWixAsync(JsonObject collection, ResolvedCollection target, JsonObject? metadata, CancellationToken ct)
    {
        // Index limits are the adaptor's (capabilities/get), asked only of collections that can have indexes made.
        var indexing = JsonRead.Member(collection["capabilities"], IndexingOperations.CapabilityName) as JsonArray;
        var capabilities = indexing?.Any(o => JsonRead.Text(o) == IndexingOperations.Create) == true && target.Connection.ProtocolVersion == ProtocolVersion.V3
            ? await gw.GetAdaptorCapabilitiesAsync(target, ct)
            : null;
        var wix = ToWix(collection, target, capabilities, metadata);
        CollectionMetadata.Overlay(wix, metadata);
        return wix;
    }

    public async Task<JsonObject> CreateAsync(JsonObject body, CancellationToken ct)
    {
        var collection = body["collection"] as JsonObject ?? throw GatewayException.Invalid("collection", "is required", "REQUIRED");
        var fullId = GatewayRequest.RequiredString(collection, "id", "collection.id");
        var fields = ReadFields(collection);
        var permissions = CollectionMetadata.ReadPermissions(collection["permissions"], "collection.permissions", complete: true);
        var target = await gw.ResolveAsync(fullId, ct);
        if (!await EmptyLegacyDatabaseAsync(target, ct))
        {
            CapabilityChecks.RequireCollectionChanges(target, fields, "CREATE_COLLECTION");
        }
        var v3 = ToV3(collection, target, fields);
        if (target.Connection.ProtocolVersion == ProtocolVersion.V3)
        {
            WithSystemFields(v3);
        }
        var answer = await gw.CallAsync(target, AdaptorOperations.CreateCollection, new JsonObject { ["collection"] = v3 }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
        // What was kept for a collection of that id before (deleted behind the gateway's back) goes: this one is new.
        var metadata = await KeepAsync(target, CollectionMetadata.FromCollection(collection, permissions), ct);
        return new JsonObject { ["collection"] = await ToWixAsync(await CompleteAsync(answer, target, ct), target, metadata, ct) };
    }

    public async Task<JsonObject> UpdateAsync(JsonObject body, CancellationToken ct)
    {
        var collection = body["collection"] as JsonObject ?? throw GatewayException.Invalid("collection", "is required", "REQUIRED");
        var fullId = GatewayRequest.RequiredString(collection, "id", "collection.id");
        var revision = collection["revision"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw GatewayException.Invalid("collection.revision", "is required: send the revision the collection was read at", "REQUIRED"),
        };
        var fields = ReadFields(collection);
        var permissions = CollectionMetadata.ReadPermissions(collection["permissions"], "collection.permissions", complete: true);
        var target = await gw.ResolveAsync(fullId, ct);
        using var turn = await TurnAsync(target, ct);
        gw.Invalidate(target.Connection);
        var current = await gw.GetSchemaAsync(target, ct);
        CapabilityChecks.RequireCollectionChanges(target, fields, "UPDATE_COLLECTION", current);
        var currentRevision = Revision(current, await kept.GetAsync(target.Connection.Name, target.CollectionId, ct));
        if (currentRevision != revision)
        {
            throw new GatewayException(409, "WDE0098", $"Collection [{fullId}] changed since revision {revision} (it is at {currentRevision}): read it again.",
                new JsonObject { ["collectionName"] = fullId, ["revision"] = currentRevision });
        }
        var v3 = ToV3(collection, target, fields);
        if (target.Connection.ProtocolVersion == ProtocolVersion.V3)
        {
            WithSystemFields(v3); // an update's fields replace the collection's: leaving them out would ask to drop them
        }
        var answer = await gw.CallAsync(target, AdaptorOperations.UpdateCollection, new JsonObject { ["collection"] = v3 }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
        // An update is a full replacement: what it does not send is no longer kept.
        var metadata = await KeepAsync(target, CollectionMetadata.FromCollection(collection, permissions), ct);
        return new JsonObject { ["collection"] = await ToWixAsync(await CompleteAsync(answer, target, ct), target, metadata, ct) };
    }

    /// <summary>
    /// A V2 adaptor tells what it can do to schemas in its schemas only (ours also in its <c>/provision</c> answer): of an
    /// empty database the gateway cannot tell, so a create is tried and the adaptor's answer decides.
    /// </summary>
    private async Task<bool> EmptyLegacyDatabaseAsync(ResolvedCollection target, CancellationToken ct) =>
        target.Connection.ProtocolVersion == ProtocolVersion.V2 && !target.Connection.Capabilities.CollectionModificationsSupported
        && (await gw.ListSchemasAsync(target, ct)).Count == 0;

    /// <summary>The protocol's system fields a V3 adaptor requires in a created collection, added where the caller left them out.</summary>
    private static void WithSystemFields(JsonObject collection)
    {
        var fields = (JsonArray)collection["fields"]!;
        var present = fields.Select(f => JsonRead.Text(f?["key"])).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = SystemFields.All.Where(f => !present.Contains(f.Key)).ToList();
        for (var i = 0; i < missing.Count; i++)
        {
            fields.Insert(i, new JsonObject { ["key"] = missing[i].Key, ["type"] = missing[i].Type });
        }
    }

    /// <summary>
    /// The collection a create or update answered, or, when the answer lacks its fields or capabilities (the protocol
    /// asks for them; Wix's own adaptor leaves capabilities out), the collection as the adaptor lists it now.
    /// </summary>
    private async Task<JsonObject> CompleteAsync(JsonObject answer, ResolvedCollection target, CancellationToken ct) =>
        answer["collection"] is JsonObject { } collection && collection["fields"] is JsonArray && collection["capabilities"] is JsonObject
            ? collection
            : await gw.GetSchemaAsync(target, ct);

    public async Task<JsonObject> DeleteAsync(string fullId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, null, "DELETE_COLLECTION", await gw.GetSchemaAsync(target, ct));
        await gw.CallAsync(target, AdaptorOperations.DeleteCollection, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
        await kept.DeleteAsync(target.Connection.Name, target.CollectionId, ct);
        return new JsonObject();
    }

    private static JsonArray ReadFields(JsonObject collection)
    {
        if (collection["fields"] is not JsonArray fields)
        {
            throw GatewayException.Invalid("collection.fields", "is required: at least one field with key and type", "REQUIRED");
        }
        for (var i = 0; i < fields.Count; i++)
        {
            ReadField(fields[i], $"collection.fields[{i}]");
        }
        return fields;
    }

    /// <summary>A Wix field as sent at <paramref name="path"/>: an object with a key and a known type.</summary>
    private static JsonObject ReadField(JsonNode? node, string path)
    {
        if (node is not JsonObject field)
        {
            throw GatewayException.Invalid(path, node is null ? "is required" : "must be an object", node is null ? "REQUIRED" : "FORMAT");
        }
        GatewayRequest.RequiredString(field, "key", $"{path}.key");
        var type = GatewayRequest.RequiredString(field, "type", $"{path}.type");
        if (!FieldTypes.All.Contains(type))
        {
            throw GatewayException.Invalid($"{path}.type", $"'{type}' is not a field type", "OTHER");
        }
        return field;
    }

    /// <summary>The adaptor's collection for a Wix collection: the local id, fields with their reference options.</summary>
    private static JsonObject ToV3(JsonObject collection, ResolvedCollection target, JsonArray fields)
    {
        var v3Fields = new JsonArray([.. fields.OfType<JsonObject>().Select(f => (JsonNode?)ToV3Field(f, target))]);
        var result = new JsonObject { ["id"] = target.CollectionId, ["fields"] = v3Fields };
        if (collection["displayName"] is { } name)
        {
            result["displayName"] = name.DeepClone();
        }
        if (collection["permissions"] is JsonObject permissions)
        {
            result["permissions"] = permissions.DeepClone();
        }
        return result;
    }

    /// <summary>The adaptor's field for a Wix field (checked by <see cref="ReadFields"/>): key, type, reference options.</summary>
    private static JsonObject ToV3Field(JsonObject field, ResolvedCollection target)
    {
        var v3 = new JsonObject { ["key"] = field["key"]!.DeepClone(), ["type"] = field["type"]!.DeepClone() };
        if (field["displayName"] is { } displayName)
        {
            v3["displayName"] = displayName.DeepClone();
        }
        var metadata = field["typeMetadata"];
        var referenced = JsonRead.Text(JsonRead.Member(JsonRead.Member(metadata, "reference"), "referencedCollectionId"))
            ?? JsonRead.Text(JsonRead.Member(JsonRead.Member(metadata, "multiReference"), "referencedCollectionId"));
        if (referenced is not null)
        {
            // Wix ids name the connection; the adaptor knows only its own collection ids.
            var local = DataGateway.Split(referenced) is var (conn, coll) && string.Equals(conn, target.Connection.Name, StringComparison.OrdinalIgnoreCase) ? coll : referenced;
            var key = field["type"]!.GetValue<string>() == FieldTypes.MultiReference ? "multiReferenceOptions" : "singleReferenceOptions";
            v3["typeOptions"] = new JsonObject { [key] = new JsonObject { ["referencedCollectionId"] = local } };
        }
        return v3;
    }

    /// <summary>A Wix DataCollection for an adaptor's collection (before what the gateway keeps is laid over it).</summary>
    private static JsonObject ToWix(JsonObject collection, ResolvedCollection target, JsonObject? adaptorCapabilities, JsonObject? metadata)
    {
        var localId = JsonRead.Text(collection["id"]) ?? target.CollectionId;
        var operations = (JsonRead.Member(collection["capabilities"], "dataOperations") as JsonArray)?.Select(JsonRead.Text).OfType<string>().ToHashSet(StringComparer.Ordinal)
            ?? [DataOperations.Query, DataOperations.Count];
        var wixOperations = new List<string>();
        void When(bool condition, params string[] names)
        {
            if (condition)
            {
                wixOperations.AddRange(names);
            }
        }
        When(operations.Contains(DataOperations.Query), "FIND", "GET", "DISTINCT");
        When(operations.Contains(DataOperations.Count), "COUNT");
        When(operations.Contains(DataOperations.Aggregate), "AGGREGATE");
        When(operations.Contains(DataOperations.Insert), "INSERT", "BULK_INSERT");
        When(operations.Contains(DataOperations.Update), "UPDATE", "BULK_UPDATE");
        // Through the adaptor's patch extension, else as a read and an update (DataPatchService).
        When(operations.Contains(DataOperations.Update) && operations.Contains(DataOperations.Query), "PATCH", "BULK_PATCH");
        When(operations.Contains(DataOperations.Insert) && operations.Contains(DataOperations.Update), "SAVE", "BULK_SAVE");
        When(operations.Contains(DataOperations.Remove), "REMOVE", "BULK_REMOVE");
        When(operations.Contains(DataOperations.Truncate), "TRUNCATE");
        When(operations.Contains(DataOperations.QueryReferenced), "QUERY_REFERENCED", "IS_REFERENCED");
        When(operations.Contains(DataOperations.InsertReferences), "INSERT_REFERENCE");
        When(operations.Contains(DataOperations.RemoveReferences), "REMOVE_REFERENCE");
        When(operations.Contains(DataOperations.InsertReferences) && operations.Contains(DataOperations.RemoveReferences), "REPLACE_REFERENCES");

        var fields = new JsonArray();
        foreach (var field in (collection["fields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = JsonRead.Text(field["key"]) ?? "";
            var wix = new JsonObject
            {
                ["key"] = key,
                ["displayName"] = field["displayName"]?.DeepClone() ?? key,
                ["type"] = field["type"]?.DeepClone(),
                ["systemField"] = LegacySchemas.SystemFields.Contains(key),
                ["encrypted"] = field["encrypted"]?.DeepClone() ?? false,
            };
            if (field["capabilities"] is JsonObject capabilities)
            {
                wix["capabilities"] = capabilities.DeepClone();
            }
            var options = field["typeOptions"] ?? field;
            var referenced = JsonRead.Text(JsonRead.Member(JsonRead.Member(options, "multiReferenceOptions"), "referencedCollectionId"))
                ?? JsonRead.Text(JsonRead.Member(JsonRead.Member(options, "singleReferenceOptions"), "referencedCollectionId"));
            if (referenced is not null)
            {
                var full = target.Connection.Name + "/" + referenced;
                wix["typeMetadata"] = JsonRead.Text(field["type"]) == FieldTypes.MultiReference
                    ? new JsonObject { ["multiReference"] = new JsonObject { ["referencedCollectionId"] = full } }
                    : new JsonObject { ["reference"] = new JsonObject { ["referencedCollectionId"] = full } };
            }
            fields.Add(wix);
        }

        return new JsonObject
        {
            ["id"] = target.Connection.Name + "/" + localId,
            ["collectionType"] = "EXTERNAL",
            ["displayName"] = collection["displayName"]?.DeepClone() ?? localId,
            ["maxPageSize"] = (int)(JsonRead.Number(collection["maxPageSize"]) ?? PagingLimits.DefaultPageSize),
            ["capabilities"] = new JsonObject
            {
                ["dataOperations"] = new JsonArray([.. wixOperations.Select(o => (JsonNode?)o)]),
                ["collectionOperations"] = new JsonArray([.. CapabilityChecks.CollectionOperationsOf(collection, target.Connection).Select(o => (JsonNode?)o)]),
                ["indexLimits"] = IndexLimits(adaptorCapabilities),
            },
            ["fields"] = fields,
            ["permissions"] = collection["permissions"]?.DeepClone() ?? new JsonObject
            {
                ["insert"] = "ADMIN", ["update"] = "ADMIN", ["remove"] = "ADMIN", ["read"] = "ADMIN",
            },
            ["revision"] = Revision(collection, metadata),
            ["plugins"] = new JsonArray(),
            ["pagingModes"] = new JsonArray("OFFSET", "CURSOR"),
        };
    }

    /// <summary>
    /// Wix's <c>indexLimits</c> from the adaptor's <c>indexOptions</c> (velo's misspelt <c>indexptions</c> too); zeros
    /// when it offers no indexes or does not say.
    /// </summary>
    private static JsonObject IndexLimits(JsonObject? adaptorCapabilities)
    {
        var options = adaptorCapabilities?["indexOptions"] as JsonObject ?? adaptorCapabilities?["indexptions"] as JsonObject;
        var supported = JsonRead.IsTrue(options?["supportsIndexes"]);
        int Limit(string name) => supported ? (int)(JsonRead.Number(options?[name]) ?? 0) : 0;
        return new JsonObject
        {
            ["regular"] = Limit("maxNumberOfRegularIndexesPerCollection"),
            ["unique"] = Limit("maxNumberOfUniqueIndexesPerCollection"),
            ["total"] = Limit("maxNumberOfIndexesPerCollection"),
        };
    }

    /// <summary>Stores what the gateway keeps of a collection (nothing: forgets it); answers what is kept.</summary>
    private async Task<JsonObject?> KeepAsync(ResolvedCollection target, JsonObject metadata, CancellationToken ct)
    {
        var keep = CollectionMetadata.IsEmpty(metadata) ? null : metadata;
        return await kept.ChangeAsync(target.Connection.Name, target.CollectionId, _ => keep, ct);
    }

    /// <summary>
    /// Adaptors keep no revisions, so the gateway derives one from the collection's structure and what the gateway keeps
    /// of it: it changes exactly when either does, which is what an optimistic update needs.
    /// </summary>
    internal static string Revision(JsonObject collection, JsonObject? metadata)
    {
        var structure = new JsonObject
        {
            ["displayName"] = collection["displayName"]?.DeepClone(),
            ["fields"] = new JsonArray([.. (collection["fields"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(f => (JsonNode?)new JsonObject { ["key"] = f["key"]?.DeepClone(), ["type"] = f["type"]?.DeepClone() })]),
        };
        if (metadata is not null)
        {
            structure["kept"] = metadata.DeepClone();
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(structure.ToJsonString()));
        return (BitConverter.ToUInt64(hash, 0) % 1_000_000_000_000UL).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
