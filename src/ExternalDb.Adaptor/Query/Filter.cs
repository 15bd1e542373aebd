using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Query;

/// <summary>A parsed filter, independent of the wire syntax (V1 tree or V2/V3 Mongo style).</summary>
internal abstract record Filter
{
    public static readonly Filter Everything = new AndFilter([]);
}

internal sealed record AndFilter(IReadOnlyList<Filter> Children) : Filter;

internal sealed record OrFilter(IReadOnlyList<Filter> Children) : Filter;

internal sealed record NotFilter(Filter Child) : Filter;

/// <summary><c>{field: {op: value}}</c>; <paramref name="Operator"/> keeps its <c>$</c>.</summary>
internal sealed record Condition(string Field, string Operator, JsonNode? Value, string Path) : Filter;

/// <summary>Parses both filter syntaxes into <see cref="Filter"/>.</summary>
internal static class FilterParser
{
    private const int MaxDepth = 32;

    /// <summary>Parses a filter in either syntax; null, <c>""</c> and <c>{}</c> match everything.</summary>
    public static Filter Parse(JsonNode? node, string path = "filter")
    {
        if (node is JsonObject obj && IsTreeNode(obj))
        {
            return ParseTree(obj, path, 0);
        }
        return ParseMongo(node, path, 0);
    }

    private static bool IsTreeNode(JsonObject obj) =>
        (obj.TryGetPropertyValue("kind", out var kind) && kind is JsonValue kv && kv.TryGetValue<string>(out var k) && k == "filter")
        || (obj.TryGetPropertyValue("operator", out var op) && op is JsonValue ov && ov.TryGetValue<string>(out var o) && o.StartsWith('$'));

    private static Filter ParseMongo(JsonNode? node, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw AdaptorException.Validation(path, "Filter is nested too deeply");
        }
        switch (node)
        {
            case null:
                return Filter.Everything;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0:
                return Filter.Everything;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Null:
                return Filter.Everything;
            case JsonObject obj:
                break;
            default:
                throw AdaptorException.Validation(path, "A filter must be an object", node);
        }
        var parts = new List<Filter>();
        foreach (var (key, value) in (JsonObject)node)
        {
            var childPath = path + "." + key;
            switch (key)
            {
                case QueryOperators.And:
                case QueryOperators.Or:
                    if (value is not JsonArray arr)
                    {
                        throw AdaptorException.Validation(childPath, $"{key} takes an array of filters", value);
                    }
                    var children = arr.Select((c, i) => ParseMongo(c, $"{childPath}[{i}]", depth + 1)).ToList();
                    parts.Add(key == QueryOperators.And ? new AndFilter(children) : new OrFilter(children));
                    break;
                case QueryOperators.Not:
                    parts.Add(value switch
                    {
                        JsonArray a => new NotFilter(new AndFilter(a.Select((c, i) => ParseMongo(c, $"{childPath}[{i}]", depth + 1)).ToList())),
                        JsonObject o => new NotFilter(ParseMongo(o, childPath, depth + 1)),
                        _ => throw AdaptorException.Validation(childPath, "$not takes a filter or an array of filters", value),
                    });
                    break;
                default:
                    if (key.StartsWith('$'))
                    {
                        throw AdaptorException.Validation(childPath, $"Unknown operator {key}", value);
                    }
                    parts.AddRange(ParseField(key, value, childPath));
                    break;
            }
        }
        return parts.Count == 1 ? parts[0] : new AndFilter(parts);
    }

    private static IEnumerable<Filter> ParseField(string field, JsonNode? value, string path)
    {
        if (QueryOperators.IsOperatorObject(value))
        {
            foreach (var (op, operand) in (JsonObject)value!)
            {
                if (op == QueryOperators.Not)
                {
                    yield return new NotFilter(new AndFilter(ParseField(field, operand, path + ".$not").ToList()));
                    continue;
                }
                if (!QueryOperators.Field.Contains(op))
                {
                    throw AdaptorException.Validation(path + "." + op, $"Unknown operator {op} on field {field}", operand);
                }
                yield return new Condition(field, op, operand, path + "." + op);
            }
            yield break;
        }
        yield return new Condition(field, QueryOperators.Eq, value, path);
    }

    private static Filter ParseTree(JsonObject obj, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw AdaptorException.Validation(path, "Filter is nested too deeply");
        }
        var op = QueryParsing.OptionalString(obj["operator"], path + ".operator");
        if (op is null)
        {
            return Filter.Everything;
        }
        var value = obj["value"];
        switch (op)
        {
            case QueryOperators.And:
            case QueryOperators.Or:
            case QueryOperators.Not:
                var children = value switch
                {
                    JsonArray a => a.Select((c, i) => c is JsonObject co ? ParseTree(co, $"{path}.value[{i}]", depth + 1)
                        : throw AdaptorException.Validation($"{path}.value[{i}]", "A filter must be an object", c)).ToList(),
                    JsonObject single => [ParseTree(single, path + ".value", depth + 1)],
                    _ => throw AdaptorException.Validation(path + ".value", $"{op} takes an array of filters", value),
                };
                return op switch
                {
                    QueryOperators.And => new AndFilter(children),
                    QueryOperators.Or => new OrFilter(children),
                    _ => new NotFilter(children.Count == 1 ? children[0] : new AndFilter(children)),
                };
        }
        if (!QueryOperators.Field.Contains(op))
        {
            throw AdaptorException.Validation(path + ".operator", $"Filter of type {op} is not supported", op);
        }
        var fieldName = QueryParsing.RequiredString(obj["fieldName"], path + ".fieldName");
        return new Condition(fieldName, op, value, path);
    }
}
