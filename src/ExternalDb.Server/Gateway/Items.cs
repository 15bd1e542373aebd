using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>Item conversions between Wix Data Items (<c>{id, dataCollectionId, data}</c>, bulk results) and adaptor answers.</summary>
internal static class Items
{
    /// <summary>
    /// The Wix data item of an adaptor's item. An item that belongs to no other node (taken out of its answer) becomes
    /// the item's <c>data</c> as it is; one still inside an answer is copied.
    /// </summary>
    public static JsonObject ToDataItem(JsonNode? item, string fullId)
    {
        var data = item switch
        {
            JsonObject { Parent: null } own => own,
            JsonObject o => o.DeepClone().AsObject(),
            _ => new JsonObject(),
        };
        return new JsonObject { ["id"] = JsonRead.Text(data["_id"]), ["dataCollectionId"] = fullId, ["data"] = data };
    }

    /// <summary>The item of result <paramref name="index"/> of a write answer; its error is thrown as the Wix error.</summary>
    public static JsonObject Result(JsonObject answer, int index, ResolvedCollection target, string id)
    {
        var result = (answer["results"] as JsonArray)?.ElementAtOrDefault(index) as JsonObject
            ?? throw new GatewayException(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{target.FullId}] answered no result for item [{id}].");
        if (result["error"] is JsonObject error)
        {
            throw GatewayException.ForItem(error, target, id);
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
            ["bulkActionMetadata"] = new JsonObject { ["totalSuccesses"] = successes, ["totalFailures"] = results.Count - successes, ["undetailedFailures"] = 0 },
        };
    }

    public static int? Total(JsonObject answer) => (int?)(JsonRead.Number(answer["pagingMetadata"]?["total"]) ?? JsonRead.Number(answer["totalCount"]));
}
