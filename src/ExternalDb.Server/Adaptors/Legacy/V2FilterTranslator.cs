using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// The V2 filter: the Mongo-style filter in the canonical form velo's transformer reads. Each object holds exactly
/// one key, either a field with exactly one <c>{$op: value}</c> or a logical <c>$and</c>/<c>$or</c> array or
/// <c>$not</c> array of one filter; bare values become <c>$eq</c>, several keys or operators become <c>$and</c>
/// (velo reads only an object's first key), and <c>$in</c> becomes <c>$hasSome</c>, which legacy adaptors know.
/// </summary>
internal sealed class V2FilterTranslator : ILegacyFilterTranslator
{
    public static readonly V2FilterTranslator Instance = new();

    public JsonObject Translate(JsonNode? filter) => Normalize(filter) ?? [];

    /// <summary>The canonical form of <paramref name="filter"/>, or null when it matches everything.</summary>
    public static JsonObject? Normalize(JsonNode? filter)
    {
        if (filter is not JsonObject o)
        {
            return null;
        }
        var conditions = new List<JsonObject?>();
        foreach (var (key, value) in o)
        {
            switch (key)
            {
                case QueryOperators.And:
                    if (Combine(QueryOperators.And, Children(key, value)) is { } and)
                    {
                        conditions.Add(and);
                    }
                    break;
                case QueryOperators.Or:
                    var children = Children(key, value);
                    if (children.Count > 0 && children.Any(c => c is null))
                    {
                        break; // one branch matches everything, so the whole $or does
                    }
                    conditions.Add(children.Count == 1 ? children[0]! : new JsonObject { [QueryOperators.Or] = new JsonArray([.. children]) });
                    break;
                case QueryOperators.Not:
                    conditions.Add(Not(value));
                    break;
                case var op when op.StartsWith('$'):
                    throw new AdaptorCallException(AdaptorFailure.NotSupported, $"Legacy adaptors cannot filter with the top-level operator {op}.");
                default:
                    conditions.AddRange(FieldConditions(key, value));
                    break;
            }
        }
        return Combine(QueryOperators.And, conditions);
    }

    private static IEnumerable<JsonObject> FieldConditions(string field, JsonNode? value)
    {
        if (!QueryOperators.IsOperatorObject(value))
        {
            yield return Condition(field, QueryOperators.Eq, value);
            yield break;
        }
        foreach (var (op, operand) in (JsonObject)value!)
        {
            if (op == QueryOperators.Not)
            {
                yield return Not(new JsonObject { [field] = operand?.DeepClone() });
                continue;
            }
            var (sent, sentOperand) = QueryOperators.ForAdaptor(op, operand);
            yield return Condition(field, sent, sentOperand);
        }
    }

    private static JsonObject Condition(string field, string op, JsonNode? operand) =>
        new() { [field] = new JsonObject { [op] = operand?.DeepClone() } };

    private static JsonObject Not(JsonNode? value)
    {
        var inner = value switch
        {
            JsonArray { Count: 1 } one => Normalize(one[0]),
            JsonArray many => Combine(QueryOperators.And, [.. many.Select(Normalize)]),
            _ => Normalize(value),
        };
        return inner is null
            ? throw LegacyJson.Invalid("$not needs a filter to negate.")
            : new JsonObject { [QueryOperators.Not] = new JsonArray(inner) };
    }

    private static List<JsonObject?> Children(string op, JsonNode? value) =>
        value is JsonArray array ? [.. array.Select(Normalize)] : throw LegacyJson.Invalid($"{op} must hold an array of filters.");

    /// <summary>The conjunction of <paramref name="conditions"/> (match-all ones dropped), or null when none is left.</summary>
    private static JsonObject? Combine(string op, IEnumerable<JsonObject?> conditions)
    {
        var kept = conditions.Where(c => c is not null).ToList();
        return kept.Count switch
        {
            0 => null,
            1 => kept[0],
            _ => new JsonObject { [op] = new JsonArray([.. kept]) },
        };
    }
}
