using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// The V3 <c>collections/*</c> and <c>capabilities/get</c> operations over the legacy <c>/schemas/*</c> calls. Schema
/// changes exist in V2 only; <c>/schemas/delete</c> is an extension (velo has no such call).
/// </summary>
internal static class LegacyCollectionOperations
{
    /// <summary>The most schema ids one <c>/schemas/find</c> may ask for (velo answers 400 above).</summary>
    public const int MaxSchemaIdsPerFind = 10;

    public static async Task<JsonObject> GetAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        var ids = request["collectionIds"] switch
        {
            null => [],
            JsonArray array => array.Select(n => JsonRead.Text(n) ?? throw LegacyJson.Invalid("collectionIds must hold strings.")).ToList(),
            _ => throw LegacyJson.Invalid("collectionIds must be an array."),
        };
        return new JsonObject { ["collections"] = LegacyJson.Array(await ListAsync(adaptor, ids, ct)) };
    }

    /// <summary>The collections <paramref name="ids"/> (all when empty), in the order asked; unknown ones are left out.</summary>
    public static async Task<List<JsonObject>> ListAsync(LegacyAdaptorClient adaptor, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            const string listPath = LegacyPaths.SchemasList;
            var answer = await adaptor.PostAsync(listPath, [], LegacyCallKind.Collections, null, ct);
            return [.. LegacyJson.RequireObjects(answer, "schemas", listPath).Select(s => LegacySchemas.ToCollection(s, adaptor.Version, listPath))];
        }

        const string findPath = LegacyPaths.SchemasFind;
        var found = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var wanted = ids.Distinct(StringComparer.Ordinal).ToList();
        foreach (var batch in wanted.Chunk(MaxSchemaIdsPerFind))
        {
            var answer = await adaptor.SendAsync(findPath, new JsonObject { ["schemaIds"] = LegacyJson.Strings(batch) }, ct);
            if (answer.Status == 404)
            {
                continue; // V1: "404 if none found"
            }
            var schemas = LegacyJson.RequireObjects(LegacyAdaptorClient.Read(answer, findPath, LegacyCallKind.Collections, null), "schemas", findPath);
            foreach (var schema in schemas)
            {
                var collection = LegacySchemas.ToCollection(schema, adaptor.Version, findPath);
                var id = JsonRead.Text(collection["id"])!;
                if (batch.Contains(id, StringComparer.Ordinal))
                {
                    found.TryAdd(id, collection);
                }
            }
        }
        return [.. wanted.Where(found.ContainsKey).Select(id => found[id])];
    }

    public static async Task<JsonObject> CreateAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        RequireSchemaChanges(adaptor, "create collections");
        var collection = request["collection"] as JsonObject ?? throw LegacyJson.Invalid("'collection' must be an object.");
        var id = LegacyJson.RequireString(collection, "id");
        var columns = Fields(collection).Where(f => !LegacySchemas.SystemFields.Contains(f.Key))
            .Select(f => LegacySchemas.ToColumn(f.Key, f.Type, f.Referenced)).ToList();

        await adaptor.PostAsync(LegacyPaths.SchemasCreate, new JsonObject { ["collectionName"] = id }, LegacyCallKind.Collections, id, ct);
        foreach (var column in columns)
        {
            await adaptor.PostAsync(LegacyPaths.ColumnAdd, new JsonObject { ["collectionName"] = id, ["column"] = column },
                LegacyCallKind.Columns, id, ct);
        }
        return new JsonObject { ["collection"] = await ReadBackAsync(adaptor, id, ct) };
    }

    public static async Task<JsonObject> UpdateAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        RequireSchemaChanges(adaptor, "change collections");
        var collection = request["collection"] as JsonObject ?? throw LegacyJson.Invalid("'collection' must be an object.");
        var id = LegacyJson.RequireString(collection, "id");
        var wanted = Fields(collection).Where(f => !LegacySchemas.SystemFields.Contains(f.Key)).ToList();
        var current = (await ListAsync(adaptor, [id], ct)).FirstOrDefault()
            ?? throw new AdaptorCallException(AdaptorFailure.AdaptorError, $"Collection {id} not found.", 404,
                AdaptorErrorCodes.CollectionNotFound, new JsonObject { ["collectionId"] = id });
        var currentTypes = (current["fields"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(f => (Key: JsonRead.Text(f["key"])!, Type: JsonRead.Text(f["type"])!))
            .Where(f => !LegacySchemas.SystemFields.Contains(f.Key))
            .ToDictionary(f => f.Key, f => f.Type, StringComparer.Ordinal);

        // Legacy adaptors cannot change a column's type: refuse before changing anything. Types are compared as the
        // column they are stored in (a TEXT column reads back as TEXT whether it was created for URL or RICH_TEXT).
        var changes = wanted
            .Where(f => currentTypes.TryGetValue(f.Key, out var type) && LegacySchemas.ColumnType(type).Type != LegacySchemas.ColumnType(f.Type).Type)
            .Select(f => (JsonNode)new JsonObject
            {
                ["fieldKey"] = f.Key,
                ["message"] = $"Field {f.Key} is {currentTypes[f.Key]}; legacy adaptors cannot change it to {f.Type}.",
            })
            .ToList();
        if (changes.Count > 0)
        {
            throw new AdaptorCallException(AdaptorFailure.AdaptorError,
                $"Legacy adaptors cannot change the type of existing fields ({changes.Count} asked).", 400,
                AdaptorErrorCodes.CollectionChangeNotSupported, new JsonObject { ["errors"] = LegacyJson.Array(changes) });
        }

        foreach (var field in wanted.Where(f => !currentTypes.ContainsKey(f.Key)))
        {
            await adaptor.PostAsync(LegacyPaths.ColumnAdd, new JsonObject
            {
                ["collectionName"] = id,
                ["column"] = LegacySchemas.ToColumn(field.Key, field.Type, field.Referenced),
            }, LegacyCallKind.Columns, id, ct);
        }
        var kept = wanted.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in currentTypes.Keys.Where(k => !kept.Contains(k)))
        {
            await adaptor.PostAsync(LegacyPaths.ColumnRemove, new JsonObject { ["collectionName"] = id, ["columnName"] = key },
                LegacyCallKind.Columns, id, ct);
        }
        return new JsonObject { ["collection"] = await ReadBackAsync(adaptor, id, ct) };
    }

    public static async Task<JsonObject> DeleteAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        RequireSchemaChanges(adaptor, "delete collections");
        var id = LegacyJson.RequireString(request, "collectionId");
        const string path = LegacyPaths.SchemasDelete;
        var answer = await adaptor.SendAsync(path, new JsonObject { ["collectionName"] = id }, ct);
        if (LegacyErrors.IsUnknownPath(answer, path))
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported,
                $"The adaptor cannot delete collections: it does not serve {path} (legacy adaptors have no standard call for it).", answer.Status);
        }
        LegacyAdaptorClient.Read(answer, path, LegacyCallKind.Collections, id);
        return [];
    }

    public static async Task<JsonObject> GetCapabilitiesAsync(LegacyAdaptorClient adaptor, CancellationToken ct)
    {
        (bool Modifiable, IReadOnlyList<string> FieldTypes) capabilities = (false, []);
        var patch = false;
        if (adaptor.IsV2)
        {
            const string path = LegacyPaths.SchemasList;
            var answer = await adaptor.PostAsync(path, [], LegacyCallKind.Collections, null, ct);
            var schemas = LegacyJson.RequireObjects(answer, "schemas", path);
            capabilities = LegacySchemas.Capabilities(schemas);
            patch = LegacySchemas.ServesPatch(schemas);
        }
        return new JsonObject
        {
            ["supportsCollectionModifications"] = capabilities.Modifiable,
            ["supportedFieldTypes"] = LegacyJson.Strings(capabilities.FieldTypes),
            [AdaptorExtensions.CapabilitiesMember] = new JsonObject { [AdaptorExtensions.Patch] = patch },
        };
    }

    private static void RequireSchemaChanges(LegacyAdaptorClient adaptor, string what)
    {
        if (!adaptor.IsV2)
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported, $"V1 adaptors cannot {what}.");
        }
    }

    /// <summary>
    /// The collection as the adaptor lists it after a change. Not listed is a 404: most often another request deleted
    /// it in between (legacy schema changes are several calls), which is no fault of the adaptor or the gateway.
    /// </summary>
    private static async Task<JsonObject> ReadBackAsync(LegacyAdaptorClient adaptor, string id, CancellationToken ct) =>
        (await ListAsync(adaptor, [id], ct)).FirstOrDefault()
        ?? throw new AdaptorCallException(AdaptorFailure.AdaptorError,
            $"Collection {id} was changed but /schemas/find no longer lists it: a concurrent request may have deleted it.", 404,
            AdaptorErrorCodes.CollectionNotFound, new JsonObject { ["collectionId"] = id });

    private static List<(string Key, string Type, string? Referenced)> Fields(JsonObject collection)
    {
        var fields = new List<(string Key, string Type, string? Referenced)>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in collection["fields"] as JsonArray ?? [])
        {
            var field = node as JsonObject ?? throw LegacyJson.Invalid("Every field must be an object.");
            var key = LegacyJson.RequireString(field, "key");
            var type = JsonRead.Text(field["type"]) ?? throw LegacyJson.Invalid($"Field {key} has no type.");
            if (!keys.Add(key))
            {
                throw LegacyJson.Invalid($"Field {key} is listed twice.");
            }
            fields.Add((key, type, LegacySchemas.ReferencedCollection(field)));
        }
        return fields;
    }
}
