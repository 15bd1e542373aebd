using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway.Legacy;

/// <summary>
/// The V1 filter: the tree form <c>{kind:"filter", operator, fieldName, value}</c>. <c>$and</c>/<c>$or</c> nodes hold
/// their children in <c>value</c>, <c>$not</c> holds one child at <c>value[0]</c>. The V3 filter is first brought into
/// the canonical Mongo form (<see cref="V2FilterTranslator.Normalize"/>), then each node is rewritten; operators V1
/// cannot express are refused before any call.
/// </summary>
public sealed class V1FilterTranslator : ILegacyFilterTranslator
{
    public static readonly V1FilterTranslator Instance = new();

    /// <summary>The field operators V1 adaptors know (besides the logical <c>$and $or $not</c>).</summary>
    public static readonly IReadOnlySet<string> FieldOperators = new HashSet<string>(StringComparer.Ordinal)
    {
        "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$hasSome", "$contains", "$startsWith", "$endsWith", "$urlized",
    };

    public JsonObject Translate(JsonNode? filter) =>
        V2FilterTranslator.Normalize(filter) is { } canonical ? Tree(canonical) : [];

    private static JsonObject Tree(JsonObject canonical)
    {
        var (key, value) = canonical.Single();
        switch (key)
        {
            case "$and" or "$or":
                return Logical(key, ((JsonArray)value!).Select(child => Tree((JsonObject)child!)));
            case "$not":
                return Logical(key, [Tree((JsonObject)((JsonArray)value!)[0]!)]);
            default:
                var (op, operand) = ((JsonObject)value!).Single();
                if (!FieldOperators.Contains(op))
                {
                    throw new AdaptorCallException(AdaptorFailure.NotSupported,
                        $"V1 adaptors cannot filter with {op} (field '{key}'); they know {string.Join(' ', FieldOperators)} $and $or $not.");
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
