using System.Text.Json.Nodes;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>What the gateway accepts as an item to write: checked before any adaptor is called.</summary>
internal static class ItemInput
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
        if (item["id"] is { } rawId && JsonRead.Text(rawId) is null)
        {
            throw GatewayException.Invalid(path + ".id", "must be a string", "FORMAT");
        }
        if (data["_id"] is { } rawDataId && JsonRead.Text(rawDataId) is null)
        {
            throw GatewayException.Invalid(path + ".data._id", "must be a string", "FORMAT");
        }
        if (DataGateway.Utf8Size(data) > MaxItemBytes)
        {
            throw new GatewayException(400, "WDE0009", $"{path}: the item is larger than {MaxItemBytes / 1000} kb.");
        }
        var id = JsonRead.Text(item["id"]) ?? JsonRead.Text(data["_id"]);
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
}
