using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Gateway;

/// <summary>Item conversions between Wix Data Items (<c>{id, dataCollectionId, data}</c>) and adaptor items.</summary>
internal static class Items
{
    /// <summary>The largest item Wix Data accepts: 500 kb.</summary>
    public const int MaxItemBytes = 500_000;

    /// <summary>Reads a <c>dataItem</c>: its id (from <c>id</c>, else <c>data._id</c>, else a new one) and its data with <c>_id</c> set.</summary>
    public static (string Id, JsonObject Data) Prepare(JsonNode? dataItem, string path, bool requireId)
    {
        if (dataItem is not JsonObject item)
        {
            throw GatewayException.Invalid(path, dataItem is null ? "is required" : "must be an object", dataItem is null ? "REQUIRED" : "FORMAT");
        }
        var data = item["data"] switch
        {
            null => new JsonObject(),
            JsonObject o => o.DeepClone().AsObject(),
            _ => throw GatewayException.Invalid(path + ".data", "must be an object", "FORMAT"),
        };
        if (item["id"] is { } rawId && Text(rawId) is null)
        {
            throw GatewayException.Invalid(path + ".id", "must be a string", "FORMAT");
        }
        if (data["_id"] is { } rawDataId && Text(rawDataId) is null)
        {
            throw GatewayException.Invalid(path + ".data._id", "must be a string", "FORMAT");
        }
        if (DataGateway.Utf8Size(data) > MaxItemBytes)
        {
            throw new GatewayException(400, "WDE0009", $"{path}: the item is larger than {MaxItemBytes / 1000} kb.");
        }
        var id = Text(item["id"]) ?? Text(data["_id"]);
        if (id is null)
        {
            if (requireId)
            {
                throw GatewayException.Invalid(path + ".id", "is required", "REQUIRED");
            }
            id = Guid.NewGuid().ToString();
        }
        if (id.Length is 0 or > 128)
        {
            throw GatewayException.Invalid(path + ".id", "must be 1 to 128 characters", "MAX_LENGTH");
        }
        foreach (var key in data.Select(p => p.Key))
        {
            if (key.StartsWith('$'))
            {
                throw new GatewayException(400, "WDE0134", $"{path}.data: field names must not start with '$' ('{key}').", new JsonObject { ["itemId"] = id });
            }
        }
        data["_id"] = id;
        return (id, data);
    }

    public static JsonObject ToDataItem(JsonNode? item, string fullId)
    {
        var data = item is JsonObject o ? o.DeepClone().AsObject() : new JsonObject();
        return new JsonObject { ["id"] = Text(data["_id"]), ["dataCollectionId"] = fullId, ["data"] = data };
    }

    /// <summary>The item of result <paramref name="index"/> of a write answer; its error is thrown as the Wix error.</summary>
    public static JsonObject Result(JsonObject answer, int index, ResolvedCollection target, string id)
    {
        var result = (answer["results"] as JsonArray)?.ElementAtOrDefault(index) as JsonObject
            ?? throw new GatewayException(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{target.FullId}] answered no result for item [{id}].");
        if (result["error"] is JsonObject error)
        {
            var e = GatewayException.ItemError(error, target, id);
            throw new GatewayException(StatusOf(e["code"]!.GetValue<string>()), e["code"]!.GetValue<string>(), e["description"]!.GetValue<string>(), e["data"] as JsonObject);
        }
        return result["item"] as JsonObject ?? new JsonObject { ["_id"] = id };
    }

    public static JsonObject BulkResult(JsonObject answer, int index, string action, int originalIndex, string id, bool returnEntity, ResolvedCollection target)
    {
        var result = (answer["results"] as JsonArray)?.ElementAtOrDefault(index) as JsonObject;
        var metadata = new JsonObject { ["id"] = id, ["originalIndex"] = originalIndex };
        var entry = new JsonObject { ["action"] = action, ["itemMetadata"] = metadata };
        if (result is null)
        {
            metadata["success"] = false;
            metadata["error"] = new JsonObject { ["code"] = "ADAPTOR_BAD_ANSWER", ["description"] = "The adaptor answered no result for this item." };
        }
        else if (result["error"] is JsonObject error)
        {
            metadata["success"] = false;
            metadata["error"] = GatewayException.ItemError(error, target, id);
        }
        else
        {
            metadata["success"] = true;
            if (returnEntity)
            {
                entry["dataItem"] = ToDataItem(result["item"] ?? new JsonObject { ["_id"] = id }, target.FullId);
            }
        }
        return entry;
    }

    public static JsonObject BulkAnswer(IReadOnlyList<JsonObject?> results, string metadataKey = "itemMetadata")
    {
        var successes = results.Count(r => r?[metadataKey]?["success"]?.GetValue<bool>() == true);
        return new JsonObject
        {
            ["results"] = new JsonArray([.. results.Select(r => (JsonNode?)r)]),
            ["bulkActionMetadata"] = new JsonObject { ["totalSuccesses"] = successes, ["totalFailures"] = results.Count - successes },
        };
    }

    /// <summary>Which of <paramref name="ids"/> exist, in queries of at most 50 ids (the smallest page an external collection serves).</summary>
    public static async Task<HashSet<string>> ExistingIdsAsync(DataGateway gw, ResolvedCollection target, IEnumerable<string> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(PagingLimits.DefaultPageSize))
        {
            var answer = await gw.CallAsync(target, AdaptorOperations.Query, new JsonObject
            {
                ["collectionId"] = target.CollectionId,
                ["query"] = new JsonObject
                {
                    ["filter"] = new JsonObject { ["_id"] = new JsonObject { ["$hasSome"] = new JsonArray([.. chunk.Select(i => (JsonNode?)i)]) } },
                    ["fields"] = new JsonArray("_id"),
                    ["paging"] = new JsonObject { ["limit"] = chunk.Length, ["offset"] = 0 },
                },
                ["consistentRead"] = true,
                ["returnTotalCount"] = false,
            }, ct);
            found.UnionWith((answer["items"] as JsonArray ?? []).Select(i => Text(i?["_id"])).OfType<string>());
        }
        return found;
    }

    public static int? Total(JsonObject answer) => (int?)(Number(answer["pagingMetadata"]?["total"]) ?? Number(answer["totalCount"]));

    /// <summary>A JSON number, whether it was parsed or built in code (as int, long or double).</summary>
    public static double? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        _ => null,
    };

    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The member <paramref name="name"/> of an object; null for anything else (the indexer throws on arrays and values).</summary>
    public static JsonNode? Member(JsonNode? node, string name) => (node as JsonObject)?[name];

    private static int StatusOf(string code) => code switch
    {
        "WDE0073" or "WDE0025" or "REFERENCE_NOT_FOUND" => 404,
        "WDE0074" or "WDE0104" or "WDE0029" => 409,
        "WDE0075" => 400,
        _ => 502,
    };
}
