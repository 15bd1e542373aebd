using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// One field at a time (create, update, patch, delete) and the patch of a collection. The protocols change a collection
/// only as a whole (V3 <c>collections/update</c> with every field; legacy <c>/schemas/column/add|remove</c>, which the
/// legacy client derives from the same list), so each change reads the adaptor's current fields and sends them with the
/// one change; the adaptor decides about a type change. Changes of one collection take turns in this server, so that two
/// concurrent field changes cannot each send a list without the other's field. Display names, permissions and
/// reference details are kept by the gateway (<see cref="CollectionMetadata"/>).
/// </summary>
internal sealed partial class DataCollectionsService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _changeTurns = new(StringComparer.Ordinal);

    /// <summary><c>POST /collections/create-field</c> <c>{dataCollectionId, field}</c> → <c>{dataCollection}</c>.</summary>
    public Task<JsonObject> CreateFieldAsync(JsonObject body, CancellationToken ct)
    {
        var field = ReadField(body["field"], "field");
        return ChangeAsync(body, "CREATE_FIELD", field, (target, fields) =>
        {
            var key = JsonRead.Text(field["key"])!;
            RefuseSystemField(key, "field.key");
            if (IndexOf(fields, key) >= 0)
            {
                throw new GatewayException(409, "FIELD_ALREADY_EXISTS", $"Field [{key}] already exists in collection [{target.FullId}]: change it with update-field.",
                    new JsonObject { ["collectionName"] = target.FullId, ["propertyName"] = key });
            }
            fields.Add(ToV3Field(field, target));
            return (fields, m => CollectionMetadata.WithField(m, key, CollectionMetadata.OfField(field)));
        }, ct);
    }

    /// <summary><c>POST /collections/update-field</c> <c>{dataCollectionId, field}</c>: the field replaced as sent.</summary>
    public Task<JsonObject> UpdateFieldAsync(JsonObject body, CancellationToken ct)
    {
        var field = ReadField(body["field"], "field");
        return ChangeAsync(body, "UPDATE_FIELD", field, (target, fields) =>
        {
            var key = JsonRead.Text(field["key"])!;
            RefuseSystemField(key, "field.key");
            var at = ExistingField(fields, key, target);
            var changed = ToV3Field(field, target);
            var structural = !SameStructure(fields[at], changed);
            fields[at] = changed;
            return (structural ? fields : null, m => CollectionMetadata.WithField(m, key, CollectionMetadata.OfField(field)));
        }, ct);
    }

    /// <summary>
    /// <c>PATCH /collections/{id}/patch-field</c> <c>{field: {key, displayName?, type?, typeMetadata?}}</c>: what is sent
    /// changes, the rest of the field stays.
    /// </summary>
    public Task<JsonObject> PatchFieldAsync(string pathId, JsonObject body, CancellationToken ct)
    {
        body = WithPathId(body, pathId, "dataCollectionId");
        if (body["field"] is not JsonObject patch)
        {
            throw GatewayException.Invalid("field", body["field"] is null ? "is required" : "must be an object", body["field"] is null ? "REQUIRED" : "FORMAT");
        }
        var key = GatewayRequest.RequiredString(patch, "key", "field.key");
        var newType = patch["type"] is null ? null : ReadField(patch, "field")["type"]!.GetValue<string>();
        if (patch["displayName"] is { } displayName && JsonRead.Text(displayName) is null)
        {
            throw GatewayException.Invalid("field.displayName", "must be a string", "FORMAT");
        }
        return ChangeAsync(body, "UPDATE_FIELD", newType is null ? null : patch, (target, fields) =>
        {
            var at = ExistingField(fields, key, target);
            var current = fields[at]!.AsObject();
            var type = newType ?? JsonRead.Text(current["type"]) ?? "";
            JsonArray? changedFields = null;
            if (newType is not null && newType != JsonRead.Text(current["type"]))
            {
                RefuseSystemField(key, "field.key");
                var changed = current.DeepClone().AsObject();
                changed["type"] = newType;
                if (!FieldTypes.IsReference(newType))
                {
                    changed.Remove("typeOptions");
                }
                fields[at] = changed;
                changedFields = fields;
            }
            return (changedFields, m => CollectionMetadata.WithField(m, key, CollectionMetadata.PatchField(m, key, patch, type)));
        }, ct, structural: newType is not null);
    }

    /// <summary><c>POST /collections/delete-field</c> <c>{dataCollectionId, fieldKey}</c>.</summary>
    public Task<JsonObject> DeleteFieldAsync(JsonObject body, CancellationToken ct)
    {
        var key = GatewayRequest.RequiredString(body, "fieldKey");
        RefuseSystemField(key, "fieldKey");
        return ChangeAsync(body, "DELETE_FIELD", null, (target, fields) =>
        {
            fields.RemoveAt(ExistingField(fields, key, target));
            return (fields, m => CollectionMetadata.WithField(m, key, null));
        }, ct);
    }

    /// <summary>
    /// <c>PATCH /collections/{id}</c> <c>{dataCollection: {id, displayName?, permissions?, fields?: [{key, displayName}]}}</c>:
    /// what the gateway keeps changes; the adaptor's structure does not.
    /// </summary>
    public async Task<JsonObject> PatchAsync(string pathId, JsonObject body, CancellationToken ct)
    {
        if (body["dataCollection"] is not JsonObject patch)
        {
            throw GatewayException.Invalid("dataCollection", body["dataCollection"] is null ? "is required" : "must be an object", body["dataCollection"] is null ? "REQUIRED" : "FORMAT");
        }
        foreach (var idField in new[] { "id", "_id" })
        {
            if (patch[idField] is { } sent && JsonRead.Text(sent) != pathId)
            {
                throw GatewayException.Invalid($"dataCollection.{idField}", $"must be the collection of the path, {pathId}", "OTHER");
            }
        }
        if (patch["displayName"] is { } name && JsonRead.Text(name) is null)
        {
            throw GatewayException.Invalid("dataCollection.displayName", "must be a string", "FORMAT");
        }
        var permissions = CollectionMetadata.ReadPermissions(patch["permissions"], "dataCollection.permissions", complete: false);
        var fieldPatches = new List<(string Key, JsonObject Patch)>();
        if (patch["fields"] is { } fieldsNode)
        {
            if (fieldsNode is not JsonArray fieldArray)
            {
                throw GatewayException.Invalid("dataCollection.fields", "must be an array of {key, displayName}", "FORMAT");
            }
            for (var i = 0; i < fieldArray.Count; i++)
            {
                var fieldPatch = fieldArray[i] as JsonObject ?? throw GatewayException.Invalid($"dataCollection.fields[{i}]", "must be an object", "FORMAT");
                var key = GatewayRequest.RequiredString(fieldPatch, "key", $"dataCollection.fields[{i}].key");
                // A type is changed with update-field or patch-field; here, when sent, it only has to agree.
                fieldPatches.Add((key, fieldPatch));
                if (fieldPatch["displayName"] is { } fieldName && JsonRead.Text(fieldName) is null)
                {
                    throw GatewayException.Invalid($"dataCollection.fields[{i}].displayName", "must be a string", "FORMAT");
                }
            }
        }

        var target = await gw.ResolveAsync(pathId, ct);
        using var turn = await TurnAsync(target, ct);
        var schema = await gw.GetSchemaAsync(target, ct);
        var schemaFields = schema["fields"] as JsonArray ?? [];
        foreach (var (key, fieldPatch) in fieldPatches)
        {
            var at = ExistingField(schemaFields, key, target);
            var type = JsonRead.Text(schemaFields[at]?["type"]);
            if (JsonRead.Text(fieldPatch["type"]) is { } sentType && sentType != type)
            {
                throw GatewayException.Invalid("dataCollection.fields", $"field '{key}' is {type}: change its type with update-field or patch-field, not with a collection patch", "OTHER");
            }
        }
        var metadata = await kept.ChangeAsync(target.Connection.Name, target.CollectionId, m =>
        {
            m ??= [];
            if (JsonRead.Text(patch["displayName"]) is { } displayName)
            {
                m["displayName"] = displayName;
            }
            if (permissions is not null)
            {
                var merged = m["permissions"] as JsonObject ?? [];
                foreach (var (action, role) in permissions)
                {
                    merged[action] = role?.DeepClone();
                }
                m["permissions"] = merged;
            }
            foreach (var (key, fieldPatch) in fieldPatches)
            {
                var type = JsonRead.Text(schemaFields[IndexOf(schemaFields, key)]?["type"]) ?? "";
                m = CollectionMetadata.WithField(m, key, CollectionMetadata.PatchField(m, key, fieldPatch, type));
            }
            return CollectionMetadata.IsEmpty(m) ? null : m;
        }, ct);
        return new JsonObject { ["dataCollection"] = await ToWixAsync(schema, target, metadata, ct) };
    }

    /// <summary>
    /// The shared flow of a field change: resolve, check the connection can change collections (and the field's type),
    /// then, in the collection's turn, read its current fields, let <paramref name="plan"/> change them (null: no
    /// structural change) and say what to keep, send them, keep, and answer the collection as Get shows it.
    /// </summary>
    private async Task<JsonObject> ChangeAsync(JsonObject body, string operation, JsonObject? checkedField,
        Func<ResolvedCollection, JsonArray, (JsonArray? Fields, Func<JsonObject?, JsonObject?> Keep)> plan, CancellationToken ct, bool structural = true)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        var target = await gw.ResolveAsync(fullId, ct);
        if (structural)
        {
            CapabilityChecks.RequireCollectionChanges(target, checkedField is null ? null : new JsonArray(checkedField.DeepClone()), operation);
        }
        using var turn = await TurnAsync(target, ct);
        gw.Invalidate(target.Connection);
        var schema = await gw.GetSchemaAsync(target, ct);
        if (structural)
        {
            // What this collection itself allows (a view, a V2 collection without schema changes) is known only now.
            CapabilityChecks.RequireCollectionChanges(target, null, operation, schema);
        }
        var (fields, keep) = plan(target, AdaptorFields(schema));
        if (fields is not null)
        {
            var answer = await gw.CallAsync(target, AdaptorOperations.UpdateCollection,
                new JsonObject { ["collection"] = new JsonObject { ["id"] = target.CollectionId, ["fields"] = fields } }, ct);
            await gw.CollectionsChangedAsync(target.Connection, ct);
            schema = answer["collection"] as JsonObject ?? await gw.GetSchemaAsync(target, ct);
        }
        var metadata = await kept.ChangeAsync(target.Connection.Name, target.CollectionId, m =>
        {
            var next = keep(m);
            return CollectionMetadata.IsEmpty(next) ? null : next;
        }, ct);
        return new JsonObject { ["dataCollection"] = await ToWixAsync(schema, target, metadata, ct) };
    }

    /// <summary>The collection's fields as the adaptor takes them back: key, type, display name, reference options.</summary>
    private static JsonArray AdaptorFields(JsonObject schema)
    {
        var fields = new JsonArray();
        foreach (var field in (schema["fields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var v3 = new JsonObject { ["key"] = field["key"]?.DeepClone(), ["type"] = field["type"]?.DeepClone() };
            if (field["displayName"] is { } displayName)
            {
                v3["displayName"] = displayName.DeepClone(); // what the adaptor keeps of it stays as it is
            }
            var options = field["typeOptions"] as JsonObject;
            if (options is null && (field["singleReferenceOptions"] ?? field["multiReferenceOptions"]) is not null)
            {
                options = [];
                foreach (var name in new[] { "singleReferenceOptions", "multiReferenceOptions" })
                {
                    if (field[name] is { } option)
                    {
                        options[name] = option.DeepClone();
                    }
                }
            }
            if (options is not null)
            {
                v3["typeOptions"] = options.DeepClone();
            }
            fields.Add(v3);
        }
        return fields;
    }

    /// <summary>Whether two adaptor fields are stored alike (same type, same referenced collection).</summary>
    private static bool SameStructure(JsonNode? a, JsonNode? b) =>
        JsonRead.Text(a?["type"]) == JsonRead.Text(b?["type"])
        && LegacySchemas.ReferencedCollection(a as JsonObject ?? []) == LegacySchemas.ReferencedCollection(b as JsonObject ?? []);

    private static int IndexOf(JsonArray fields, string key)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (JsonRead.Text(fields[i]?["key"]) == key)
            {
                return i;
            }
        }
        return -1;
    }

    private static int ExistingField(JsonArray fields, string key, ResolvedCollection target) =>
        IndexOf(fields, key) is var at and >= 0 ? at
        : throw new GatewayException(404, "FIELD_NOT_FOUND", $"Field [{key}] does not exist in collection [{target.FullId}].",
            new JsonObject { ["collectionName"] = target.FullId, ["propertyName"] = key });

    private static void RefuseSystemField(string key, string path)
    {
        if (LegacySchemas.SystemFields.Contains(key))
        {
            throw GatewayException.Invalid(path, $"'{key}' is a system field: it cannot be added, changed or removed", "OTHER");
        }
    }

    /// <summary>The body with the collection of the path; a different one in the body is a 400.</summary>
    private static JsonObject WithPathId(JsonObject body, string pathId, string field)
    {
        if (body[field] is { } sent && JsonRead.Text(sent) != pathId)
        {
            throw GatewayException.Invalid(field, $"must be the collection of the path, {pathId}", "OTHER");
        }
        body[field] = pathId;
        return body;
    }

    /// <summary>Waits for the collection's turn to change (in this server).</summary>
    private async Task<IDisposable> TurnAsync(ResolvedCollection target, CancellationToken ct)
    {
        var gate = _changeTurns.GetOrAdd(Storage.ConnectionStore.NameKey(target.Connection.Name) + "/" + target.CollectionId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
