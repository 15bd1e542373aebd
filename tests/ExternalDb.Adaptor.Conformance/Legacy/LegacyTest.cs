using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Adaptor.Conformance.Targets;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// Base of the legacy (V1/V2) test classes. The self-hosted reference adaptor runs every legacy test
/// twice: as <c>…/v2</c> with Mongo-style filters and as <c>…/v1</c> with V1 tree filters (it accepts both).
/// </summary>
public abstract class LegacyTest
{
    /// <summary>Every legacy target (theory data).</summary>
    public static TheoryData<string> Targets => TargetRegistry.LegacyTargets;

    /// <summary>A client for <paramref name="target"/>; skips when the adaptor under test speaks V3.</summary>
    protected static async Task<AdaptorClient> ClientAsync(string target)
    {
        Skip.If(target.EndsWith("/v3", StringComparison.Ordinal),
            "The adaptor under test speaks v3 (CONFORMANCE_PROTOCOL); legacy V1/V2 tests do not apply.");
        return new AdaptorClient(await TargetRegistry.GetAsync(target));
    }

    /// <summary>Skips on a V1 target: <paramref name="what"/> exists only in V2.</summary>
    protected static void RequireV2(AdaptorClient client, string what) =>
        Skip.If(client.Target.Protocol == ProtocolVersion.V1, $"{what} is a V2 addition; V1 does not define it.");

    /// <summary>A collection name unique to this run: <c>cf_{purpose}_{random}</c>.</summary>
    protected static string UniqueName(string purpose) => $"cf_{purpose}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The filter dialect of the target: V1 tree form or V2 Mongo form.</summary>
    protected static LegacyFilter Filter(AdaptorClient client) => new(client.Target.Protocol);
}

/// <summary>Writes filters in the target's dialect: V1 <c>{kind, operator, fieldName, value}</c> or V2 <c>{field: {$op: value}}</c>.</summary>
public sealed class LegacyFilter(ProtocolVersion protocol)
{
    public bool IsTree => protocol == ProtocolVersion.V1;

    public JsonNode Op(string op, string field, JsonNode? value) => IsTree
        ? new JsonObject { ["kind"] = "filter", ["operator"] = op, ["fieldName"] = field, ["value"] = value?.DeepClone() }
        : new JsonObject { [field] = new JsonObject { [op] = value?.DeepClone() } };

    public JsonNode Eq(string field, JsonNode? value) => Op("$eq", field, value);

    public JsonNode And(params JsonNode[] filters) => Logical("$and", filters);

    public JsonNode Or(params JsonNode[] filters) => Logical("$or", filters);

    public JsonNode Not(JsonNode filter) => Logical("$not", [filter]);

    /// <summary>"No filter": <c>""</c> in V1 (an empty or absent filter means everything), <c>{}</c> in V2.</summary>
    public JsonNode Empty => IsTree ? JsonValue.Create("")! : new JsonObject();

    private JsonNode Logical(string op, JsonNode[] filters)
    {
        var array = new JsonArray([.. filters.Select(f => f.DeepClone())]);
        return IsTree
            ? new JsonObject { ["kind"] = "filter", ["operator"] = op, ["value"] = array }
            : new JsonObject { [op] = array };
    }
}
