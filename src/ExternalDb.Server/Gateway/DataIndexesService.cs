using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Wix Data Indexes v2 (create, list, drop) over the adaptor protocol's <c>indexes/*</c> (V3, and the legacy extension
/// <c>/indexes/*</c>). Whether a collection has indexes is checked before any index call: its <c>capabilities.indexing</c>
/// (<c>LIST</c>, <c>CREATE</c>, <c>REMOVE</c>), else the adaptor's <c>indexOptions.supportsIndexes</c>.
/// </summary>
internal sealed class DataIndexesService(DataGateway gw)
{
    private static readonly HashSet<string> Statuses = new(StringComparer.Ordinal) { "BUILDING", "ACTIVE", "DROPPING", "DROPPED", "FAILED", "INVALID" };

    /// <summary>The primary key's index, as reference adaptors list it: Wix's SYSTEM index.</summary>
    private const string PrimaryKeyIndex = "_id_";

    private const int MaxIndexFields = 10;

    /// <summary><c>POST /indexes</c> <c>{dataCollectionId, index: {name, fields: [{path, order}], unique?, caseInsensitive?}}</c> → <c>{index}</c>.</summary>
    public async Task<JsonObject> CreateAsync(JsonObject body, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(body, "dataCollectionId");
        if (body["index"] is not JsonObject index)
        {
            throw GatewayException.Invalid("index", body["index"] is null ? "is required" : "must be an object", body["index"] is null ? "REQUIRED" : "FORMAT");
        }
        var request = new JsonObject
        {
            ["name"] = GatewayRequest.RequiredString(index, "name", "index.name"),
            ["fields"] = ReadIndexFields(index),
            ["unique"] = OptionalFlag(index, "unique"),
            ["caseInsensitive"] = OptionalFlag(index, "caseInsensitive"),
        };
        var target = await gw.ResolveAsync(fullId, ct);
        await RequireAsync(target, IndexingOperations.Create, "CREATE_INDEX", ct);
        JsonObject answer;
        try
        {
            answer = await gw.CallAsync(target, AdaptorOperations.CreateIndex, new JsonObject { ["collectionId"] = target.CollectionId, ["index"] = request }, ct);
        }
        catch (GatewayException e) when (JsonRead.Text(e.ErrorData?["adaptorErrorCode"]) == AdaptorErrorCodes.FieldDoesNotExist)
        {
            // Wix's "invalid property": the index names a field the collection does not have.
            var data = e.ErrorData!.DeepClone().AsObject();
            if (JsonRead.Text(JsonRead.Member(e.ErrorData?["adaptorData"], "propertyName")) is { } property)
            {
                data["propertyName"] = property;
            }
            throw new GatewayException(400, "WDE0147", $"The index names a field that collection [{target.FullId}] does not have: {e.ErrorData?["adaptorMessage"]}", data);
        }
        var created = answer["index"] as JsonObject
            ?? throw new GatewayException(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{target.FullId}] answered an index creation without the index.");
        return new JsonObject { ["index"] = ToWix(created, target) };
    }

    /// <summary><c>GET /indexes?dataCollectionId=&amp;paging.limit=&amp;paging.offset=</c> → <c>{indexes, pagingMetadata}</c>.</summary>
    public async Task<JsonObject> ListAsync(JsonObject query, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(query, "dataCollectionId");
        var paging = OffsetPaging.Read(query);
        var target = await gw.ResolveAsync(fullId, ct);
        await RequireAsync(target, IndexingOperations.List, "LIST_INDEXES", ct);
        var answer = await gw.CallAsync(target, AdaptorOperations.ListIndexes, new JsonObject { ["collectionId"] = target.CollectionId }, ct);
        var all = (answer["indexes"] as JsonArray ?? []).OfType<JsonObject>().Select(i => ToWix(i, target)).ToList();
        return paging.Answer("indexes", all);
    }

    /// <summary><c>DELETE /indexes?dataCollectionId=&amp;indexName=</c> → <c>{}</c>.</summary>
    public async Task<JsonObject> DropAsync(JsonObject query, CancellationToken ct)
    {
        var fullId = GatewayRequest.RequiredString(query, "dataCollectionId");
        var name = GatewayRequest.RequiredString(query, "indexName");
        var target = await gw.ResolveAsync(fullId, ct);
        await RequireAsync(target, IndexingOperations.Remove, "DROP_INDEX", ct);
        await gw.CallAsync(target, AdaptorOperations.RemoveIndex, new JsonObject { ["collectionId"] = target.CollectionId, ["indexName"] = name }, ct);
        return [];
    }

    /// <summary>
    /// Refuses (428) an index call the collection does not offer, before any index call: by its
    /// <c>capabilities.indexing</c> when it lists one, else by the adaptor's <c>indexOptions</c>.
    /// </summary>
    private async Task RequireAsync(ResolvedCollection target, string operation, string wixOperation, CancellationToken ct)
    {
        var schema = await gw.GetSchemaAsync(target, ct);
        if (JsonRead.Member(schema["capabilities"], IndexingOperations.CapabilityName) is JsonArray indexing)
        {
            if (!indexing.Any(o => JsonRead.Text(o) == operation))
            {
                throw GatewayException.NotSupported(target.FullId, wixOperation, indexing.Count == 0
                    ? $"Collection [{target.FullId}] has no indexes: its adaptor offers none on it."
                    : $"Collection [{target.FullId}] does not allow {wixOperation} (its adaptor lists only {string.Join(", ", indexing.Select(JsonRead.Text))} for its indexes).", byDataSource: false);
            }
            return;
        }
        var capabilities = target.Connection.ProtocolVersion == ProtocolVersion.V3 ? await gw.GetAdaptorCapabilitiesAsync(target, ct) : null;
        var options = capabilities?["indexOptions"] as JsonObject ?? capabilities?["indexptions"] as JsonObject;
        if (!JsonRead.IsTrue(options?["supportsIndexes"]))
        {
            throw GatewayException.NotSupported(target.FullId, wixOperation,
                $"The adaptor of [{target.Connection.Name}] offers no indexes (its collections list no indexing capability and its capabilities no indexOptions.supportsIndexes).", byDataSource: true);
        }
    }

    private static JsonArray ReadIndexFields(JsonObject index)
    {
        if (index["fields"] is not JsonArray fields || fields.Count == 0)
        {
            throw GatewayException.Invalid("index.fields", "must be a non-empty array of {path, order}", index["fields"] is null ? "REQUIRED" : "FORMAT");
        }
        if (fields.Count > MaxIndexFields)
        {
            throw GatewayException.Invalid("index.fields", $"must hold at most {MaxIndexFields} fields", "MAX_LENGTH");
        }
        var result = new JsonArray();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i] as JsonObject ?? throw GatewayException.Invalid($"index.fields[{i}]", "must be an object {path, order}", "FORMAT");
            var order = field["order"] switch
            {
                null => "ASC",
                JsonValue v when v.TryGetValue<string>(out var o) && o is "ASC" or "DESC" => o,
                _ => throw GatewayException.Invalid($"index.fields[{i}].order", "must be ASC or DESC", "OTHER"),
            };
            result.Add(new JsonObject { ["path"] = GatewayRequest.RequiredString(field, "path", $"index.fields[{i}].path"), ["order"] = order });
        }
        return result;
    }

    private static bool OptionalFlag(JsonObject index, string name) => index[name] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
        _ => throw GatewayException.Invalid($"index.{name}", "must be true or false", "FORMAT"),
    };

    /// <summary>A Wix index for an adaptor's: Wix's fields and defaults, an id derived from the collection and the name.</summary>
    private static JsonObject ToWix(JsonObject index, ResolvedCollection target)
    {
        var name = JsonRead.Text(index["name"]) ?? "";
        var status = JsonRead.Text(index["status"]) is { } s && Statuses.Contains(s) ? s : "UNKNOWN";
        var wix = new JsonObject
        {
            ["_id"] = IndexId(target.FullId, name),
            ["name"] = name,
            ["fields"] = new JsonArray([.. (index["fields"] as JsonArray ?? []).OfType<JsonObject>().Select(f => (JsonNode?)new JsonObject
            {
                ["path"] = JsonRead.Text(f["path"]),
                ["order"] = JsonRead.Text(f["order"]) is "DESC" ? "DESC" : "ASC",
            })]),
            ["status"] = status,
            ["unique"] = JsonRead.IsTrue(index["unique"]),
            ["caseInsensitive"] = JsonRead.IsTrue(index["caseInsensitive"]),
            ["source"] = name == PrimaryKeyIndex ? "SYSTEM" : "USER",
        };
        if (index["failure"] is JsonObject failure)
        {
            var wixFailure = new JsonObject
            {
                ["code"] = JsonRead.Text(failure["code"]) ?? "WDE0112",
                ["description"] = JsonRead.Text(failure["description"]) ?? "",
            };
            if (JsonRead.Text(failure["itemId"] ?? JsonRead.Member(failure["data"], "itemId")) is { } itemId)
            {
                wixFailure["itemId"] = itemId;
            }
            wix["failure"] = wixFailure;
        }
        return wix;
    }

    /// <summary>A GUID derived from the collection and the index name: the same index has the same id on every server.</summary>
    private static string IndexId(string fullId, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(fullId + "\n" + name));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
