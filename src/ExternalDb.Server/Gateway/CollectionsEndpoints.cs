using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Collections v2 over every connection: list (all collections of all connections), get, create, update
/// (revision checked) and delete, reaching the adaptors' collection operations.
/// </summary>
public static class CollectionsEndpoints
{

    public static IEndpointRouteBuilder MapDataCollections(this IEndpointRouteBuilder app)
    {
        Map(app.MapGroup("/wix-data/v2/collections").WithTags("Data collections"));
        Map(app.MapGroup("/data/v2/collections").ExcludeFromDescription());
        return app;
    }

    private static void Map(RouteGroupBuilder g)
    {
        g.MapGet("", (HttpRequest r, ConnectionStore store, DataGateway gw, CancellationToken ct) =>
            ItemsEndpoints.Run(() => List(GatewayRequest.ReadQuery(r), store, gw, ct)))
            .RequireAuthorization("WIX_DATA.LIST_COLLECTIONS").WithSummary("Lists the collections of every connection.");
        g.MapGet("{**dataCollectionId}", (string dataCollectionId, DataGateway gw, CancellationToken ct) =>
            ItemsEndpoints.Run(() => Get(GatewayRequest.PathValue(dataCollectionId), gw, ct)))
            .RequireAuthorization("WIX_DATA.GET_COLLECTION").WithSummary("Retrieves a collection (connectionName/collectionId).");
        g.MapPost("", (HttpRequest r, DataGateway gw, CancellationToken ct) =>
            ItemsEndpoints.Run(async () => await Create(await GatewayRequest.ReadBodyAsync(r, ct), gw, ct)))
            .RequireAuthorization("WIX_DATA.CREATE_COLLECTION").WithSummary("Creates a collection in a connection's database.");
        g.MapPut("", (HttpRequest r, DataGateway gw, CancellationToken ct) =>
            ItemsEndpoints.Run(async () => await Update(await GatewayRequest.ReadBodyAsync(r, ct), gw, ct)))
            .RequireAuthorization("WIX_DATA.UPDATE_COLLECTION").WithSummary("Replaces a collection's structure; the revision must be current.");
        g.MapDelete("{**dataCollectionId}", (string dataCollectionId, DataGateway gw, CancellationToken ct) =>
            ItemsEndpoints.Run(() => Delete(GatewayRequest.PathValue(dataCollectionId), gw, ct)))
            .RequireAuthorization("WIX_DATA.DELETE_COLLECTION").WithSummary("Deletes a collection.");
    }

    internal static async Task<JsonObject> List(JsonObject query, ConnectionStore store, DataGateway gw, CancellationToken ct)
    {
        var requested = GatewayRequest.OptionalInt(Items.Member(query["paging"], "limit"), "paging.limit", 0, GatewayRequest.MaxPageSize) ?? 0;
        var limit = requested == 0 ? GatewayRequest.DefaultPageSize : requested;
        var offset = GatewayRequest.OptionalInt(Items.Member(query["paging"], "offset"), "paging.offset", 0, int.MaxValue) ?? 0;
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
            if (await store.GetAsync(name, token) is not { } stored)
            {
                return;
            }
            try
            {
                foreach (var collection in await ListOfConnectionAsync(stored, gw, token))
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
            ? all.OrderByDescending(c => Items.Text(c["id"]), StringComparer.Ordinal)
            : all.OrderBy(c => Items.Text(c["id"]), StringComparer.Ordinal)).ToList();
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

    /// <summary>The collections of one connection, as Wix collections (the console lists them per connection).</summary>
    internal static async Task<IReadOnlyList<JsonObject>> ListOfConnectionAsync(StoredConnection stored, DataGateway gw, CancellationToken ct)
    {
        var target = gw.Resolve(stored, "*");
        return [.. (await gw.ListSchemasAsync(target, ct)).Select(c => ToWix(c, target))];
    }

    internal static async Task<JsonObject> Get(string fullId, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        return new JsonObject { ["collection"] = ToWix(await gw.GetSchemaAsync(target, ct), target) };
    }

    internal static async Task<JsonObject> Create(JsonObject body, DataGateway gw, CancellationToken ct)
    {
        var collection = body["collection"] as JsonObject ?? throw GatewayException.Invalid("collection", "is required", "REQUIRED");
        var fullId = GatewayRequest.RequiredString(collection, "id", "collection.id");
        var fields = ReadFields(collection);
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, fields, "CREATE_COLLECTION");
        var answer = await gw.CallAsync(target, AdaptorOperations.CreateCollection, new JsonObject { ["collection"] = ToV3(collection, target, fields) }, ct);
        gw.Invalidate(target.Connection);
        var created = answer["collection"] as JsonObject ?? await gw.GetSchemaAsync(target, ct);
        return new JsonObject { ["collection"] = ToWix(created, target) };
    }

    internal static async Task<JsonObject> Update(JsonObject body, DataGateway gw, CancellationToken ct)
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
        gw.Invalidate(target.Connection);
        var updated = answer["collection"] as JsonObject ?? await gw.GetSchemaAsync(target, ct);
        return new JsonObject { ["collection"] = ToWix(updated, target) };
    }

    internal static async Task<JsonObject> Delete(string fullId, DataGateway gw, CancellationToken ct)
    {
        var target = await gw.ResolveAsync(fullId, ct);
        CapabilityChecks.RequireCollectionChanges(target, null, "DELETE_COLLECTION");
        await gw.CallAsync(target, AdaptorOperations.DeleteCollection, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        gw.Invalidate(target.Connection);
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
            if (!ExternalDb.Protocol.FieldTypes.All.Contains(type))
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
            var referenced = Items.Text(Items.Member(Items.Member(metadata, "reference"), "referencedCollectionId"))
                ?? Items.Text(Items.Member(Items.Member(metadata, "multiReference"), "referencedCollectionId"));
            if (referenced is not null)
            {
                // Wix ids name the connection; the adaptor knows only its own collection ids.
                var local = DataGateway.Split(referenced) is var (conn, coll) && string.Equals(conn, target.Connection.Name, StringComparison.OrdinalIgnoreCase) ? coll : referenced;
                var key = field["type"]!.GetValue<string>() == "MULTI_REFERENCE" ? "multiReferenceOptions" : "singleReferenceOptions";
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
    internal static JsonObject ToWix(JsonObject collection, ResolvedCollection target)
    {
        var localId = Items.Text(collection["id"]) ?? target.CollectionId;
        var operations = (Items.Member(collection["capabilities"], "dataOperations") as JsonArray)?.Select(Items.Text).OfType<string>().ToHashSet(StringComparer.Ordinal)
            ?? ["QUERY", "COUNT"];
        var wixOperations = new List<string>();
        void When(bool condition, params string[] names)
        {
            if (condition)
            {
                wixOperations.AddRange(names);
            }
        }
        When(operations.Contains("QUERY"), "FIND", "GET", "DISTINCT");
        When(operations.Contains("COUNT"), "COUNT");
        When(operations.Contains("AGGREGATE"), "AGGREGATE");
        When(operations.Contains("INSERT"), "INSERT", "BULK_INSERT");
        When(operations.Contains("UPDATE"), "UPDATE", "BULK_UPDATE");
        When(operations.Contains("INSERT") && operations.Contains("UPDATE"), "SAVE", "BULK_SAVE");
        When(operations.Contains("REMOVE"), "REMOVE", "BULK_REMOVE");
        When(operations.Contains("TRUNCATE"), "TRUNCATE");
        When(operations.Contains("QUERY_REFERENCED"), "QUERY_REFERENCED", "IS_REFERENCED");
        When(operations.Contains("INSERT_REFERENCES"), "INSERT_REFERENCE");
        When(operations.Contains("REMOVE_REFERENCES"), "REMOVE_REFERENCE");
        When(operations.Contains("INSERT_REFERENCES") && operations.Contains("REMOVE_REFERENCES"), "REPLACE_REFERENCES");

        var fields = new JsonArray();
        foreach (var field in (collection["fields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = Items.Text(field["key"]) ?? "";
            var wix = new JsonObject
            {
                ["key"] = key,
                ["displayName"] = field["displayName"]?.DeepClone() ?? key,
                ["type"] = field["type"]?.DeepClone(),
                ["systemField"] = Legacy.LegacySchemas.SystemFields.Contains(key),
                ["encrypted"] = field["encrypted"]?.DeepClone() ?? false,
            };
            if (field["capabilities"] is JsonObject capabilities)
            {
                wix["capabilities"] = capabilities.DeepClone();
            }
            var options = field["typeOptions"] ?? field;
            var referenced = Items.Text(Items.Member(Items.Member(options, "multiReferenceOptions"), "referencedCollectionId"))
                ?? Items.Text(Items.Member(Items.Member(options, "singleReferenceOptions"), "referencedCollectionId"));
            if (referenced is not null)
            {
                var full = target.Connection.Name + "/" + referenced;
                wix["typeMetadata"] = Items.Text(field["type"]) == "MULTI_REFERENCE"
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
            ["maxPageSize"] = (int)(Items.Number(collection["maxPageSize"]) ?? GatewayRequest.DefaultPageSize),
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
