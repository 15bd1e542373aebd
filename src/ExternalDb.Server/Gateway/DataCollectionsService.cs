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
/// (revision checked) and delete, reaching the adaptors' collection operations.
/// </summary>
internal sealed class DataCollectionsService(DataGateway gw, ConnectionStore store, ResolvedConnections connections)
{
    public async Task<JsonObject> ListAsync(JsonObject query, CancellationToken ct)
    {
        var requested = GatewayRequest.OptionalInt(JsonRead.Member(query["paging"], "limit"), "paging.limit", 0, PagingLimits.MaxPageSize) ?? 0;
        var limit = requested == 0 ? PagingLimits.DefaultPageSize : requested;
        var offset = GatewayRequest.OptionalInt(JsonRead.Member(query["paging"], "offset"), "paging.offset", 0, int.MaxValue) ?? 0;
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
        var slice = ordered.Skip(offset).Take(limit).ToList();
        return new JsonObject
        {
            ["collections"] = new JsonArray([.. slice]),
            ["pagingMetadata"] = new JsonObject
            {
                ["count"] = slice.Count,
                ["offset"] = offset,
                ["total"] = ordered.Count,
                ["tooManyToCount"] = false,
                ["hasNext"] = offset + slice.Count < ordered.Count,
            },
        };
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
        return [.. (await gw.ListSchemasAsync(target, ct)).Select(c => ToWix(c, target))];
    }

    public async Task<JsonObject> GetAsync(string fullId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        return new JsonObject { ["collection"] = ToWix(await gw.GetSchemaAsync(target, ct), target) };
    }

    public async Task<JsonObject> CreateAsync(JsonObject body, CancellationToken ct)
    {
        var collection = body["collection"] as JsonObject ?? throw GatewayException.Invalid("collection", "is required", "REQUIRED");
        var fullId = GatewayRequest.RequiredString(collection, "id", "collection.id");
        var fields = ReadFields(collection);
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, fields, "CREATE_COLLECTION");
        var answer = await gw.CallAsync(target, AdaptorOperations.CreateCollection, new JsonObject { ["collection"] = ToV3(collection, target, fields) }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
        var created = answer["collection"] as JsonObject ?? await gw.GetSchemaAsync(target, ct);
        return new JsonObject { ["collection"] = ToWix(created, target) };
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
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, fields, "UPDATE_COLLECTION");
        gw.Invalidate(target.Connection);
        var current = await gw.GetSchemaAsync(target, ct);
        if (Revision(current) != revision)
        {
            throw new GatewayException(409, "WDE0098", $"Collection [{fullId}] changed since revision {revision} (it is at {Revision(current)}): read it again.",
                new JsonObject { ["collectionName"] = fullId, ["revision"] = Revision(current) });
        }
        var answer = await gw.CallAsync(target, AdaptorOperations.UpdateCollection, new JsonObject { ["collection"] = ToV3(collection, target, fields) }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
        var updated = answer["collection"] as JsonObject ?? await gw.GetSchemaAsync(target, ct);
        return new JsonObject { ["collection"] = ToWix(updated, target) };
    }

    public async Task<JsonObject> DeleteAsync(string fullId, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, null, "DELETE_COLLECTION");
        await gw.CallAsync(target, AdaptorOperations.DeleteCollection, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        await gw.CollectionsChangedAsync(target.Connection, ct);
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
            if (fields[i] is not JsonObject field)
            {
                throw GatewayException.Invalid($"collection.fields[{i}]", "must be an object", "FORMAT");
            }
            GatewayRequest.RequiredString(field, "key", $"collection.fields[{i}].key");
            var type = GatewayRequest.RequiredString(field, "type", $"collection.fields[{i}].type");
            if (!FieldTypes.All.Contains(type))
            {
                throw GatewayException.Invalid($"collection.fields[{i}].type", $"'{type}' is not a field type", "OTHER");
            }
        }
        return fields;
    }

    /// <summary>The adaptor's collection for a Wix collection: the local id, fields with their reference options.</summary>
    private static JsonObject ToV3(JsonObject collection, ResolvedCollection target, JsonArray fields)
    {
        var v3Fields = new JsonArray();
        foreach (var field in fields.OfType<JsonObject>())
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
            v3Fields.Add(v3);
        }
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

    /// <summary>A Wix DataCollection for an adaptor's collection.</summary>
    private static JsonObject ToWix(JsonObject collection, ResolvedCollection target)
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

        var modifiable = target.Connection.Capabilities.CollectionModificationsSupported;
        return new JsonObject
        {
            ["id"] = target.Connection.Name + "/" + localId,
            ["collectionType"] = "EXTERNAL",
            ["displayName"] = collection["displayName"]?.DeepClone() ?? localId,
            ["maxPageSize"] = (int)(JsonRead.Number(collection["maxPageSize"]) ?? PagingLimits.DefaultPageSize),
            ["capabilities"] = new JsonObject
            {
                ["dataOperations"] = new JsonArray([.. wixOperations.Select(o => (JsonNode?)o)]),
                ["collectionOperations"] = modifiable ? new JsonArray("UPDATE", "REMOVE") : new JsonArray(),
                ["indexLimits"] = new JsonObject { ["regular"] = 0, ["unique"] = 0, ["total"] = 0 },
            },
            ["fields"] = fields,
            ["permissions"] = collection["permissions"]?.DeepClone() ?? new JsonObject
            {
                ["insert"] = "ADMIN", ["update"] = "ADMIN", ["remove"] = "ADMIN", ["read"] = "ADMIN",
            },
            ["revision"] = Revision(collection),
            ["plugins"] = new JsonArray(),
            ["pagingModes"] = new JsonArray("OFFSET", "CURSOR"),
        };
    }

    /// <summary>
    /// Adaptors keep no revisions, so the gateway derives one from the collection's structure: it changes exactly when
    /// the structure does, which is what an optimistic update needs.
    /// </summary>
    internal static string Revision(JsonObject collection)
    {
        var structure = new JsonObject
        {
            ["displayName"] = collection["displayName"]?.DeepClone(),
            ["fields"] = new JsonArray([.. (collection["fields"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(f => (JsonNode?)new JsonObject { ["key"] = f["key"]?.DeepClone(), ["type"] = f["type"]?.DeepClone() })]),
        };
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(structure.ToJsonString()));
        return (BitConverter.ToUInt64(hash, 0) % 1_000_000_000_000UL).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
