using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// The V1 filter: the tree form <c>{kind:"filter", operator, fieldName, value}</c>. <c>$and</c>/<c>$or</c> nodes hold
/// their children in <c>value</c>, <c>$not</c> holds one child at <c>value[0]</c>. The V3 filter is first brought into
/// the canonical Mongo form (<see cref="V2FilterTranslator.Normalize"/>), then each node is rewritten; operators V1
/// cannot express are refused before any call.
/// </summary>
internal sealed class V1FilterTranslator : ILegacyFilterTranslator
{
    public static readonly V1FilterTranslator Instance = new();

    public JsonObject Translate(JsonNode? filter) =>
        V2FilterTranslator.Normalize(filter) is { } canonical ? Tree(canonical) : [];

    private static JsonObject Tree(JsonObject canonical)
    {
        var (key, value) = canonical.Single();
        switch (key)
        {
            case QueryOperators.And or QueryOperators.Or:
                return Logical(key, ((JsonArray)value!).Select(child => Tree((JsonObject)child!)));
            case QueryOperators.Not:
                return Logical(key, [Tree((JsonObject)((JsonArray)value!)[0]!)]);
            default:
                var (op, operand) = ((JsonObject)value!).Single();
                if (!QueryOperators.V1.Contains(op))
                {
                    throw new AdaptorCallException(AdaptorFailure.NotSupported,
                        $"V1 adaptors cannot filter with {op} (field '{key}'); they know {string.Join(' ', QueryOperators.V1)} {string.Join(' ', QueryOperators.Logical)}.");
                }
                return new JsonObject
                {
                    ["kind"] = "filter",
                    ["operator"] = op,
                    ["fieldName"] = key,
                    ["value"] = operand?.DeepClone(),
                };
        }
    }

    private static JsonObject Logical(string op, IEnumerable<JsonObject> children) => new()
    {
        ["kind"] = "filter",
        ["operator"] = op,
        ["value"] = new JsonArray([.. children]),
    };
}
