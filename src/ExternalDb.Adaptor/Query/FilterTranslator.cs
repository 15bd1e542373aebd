using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Query;

/// <summary>
/// Translates a <see cref="Filter"/> into a SQL condition of one dialect. Field names are resolved against
/// the collection (unknown names are a VALIDATION_ERROR), values always become parameters.
/// </summary>
internal sealed class FilterTranslator(SqlDialect dialect)
{
    private const int MaxListLength = 10_000;

    /// <summary>
    /// The most values one filter may bind. SQLite takes at most 32,766 parameters per statement and PostgreSQL 65,535;
    /// an aggregation binds two filters plus paging in one statement.
    /// </summary>
    public const int MaxFilterValues = 15_000;

    /// <summary>Terms per level of an AND/OR tree (see <see cref="Join"/>).</summary>
    private const int Fanout = 64;

    public SqlDialect Dialect => dialect;

    /// <summary>The SQL condition of <paramref name="filter"/>, its values added to <paramref name="ps"/>.</summary>
    public string Translate(Filter filter, Func<string, FieldInfo?> resolve, SqlParams ps, string? qualifier = null)
    {
        var before = ps.Items.Count;
        var sql = Expression(filter, resolve, ps, qualifier);
        if (ps.Items.Count - before > MaxFilterValues)
        {
            throw AdaptorException.Validation("filter", $"A filter may hold at most {MaxFilterValues} values");
        }
        return sql;
    }

    private string Expression(Filter filter, Func<string, FieldInfo?> resolve, SqlParams ps, string? qualifier) => filter switch
    {
        AndFilter { Children.Count: 0 } => "1 = 1",
        OrFilter { Children.Count: 0 } => "1 = 0",
        AndFilter and => Join([.. and.Children.Select(c => Expression(c, resolve, ps, qualifier))], "AND"),
        OrFilter or => Join([.. or.Children.Select(c => Expression(c, resolve, ps, qualifier))], "OR"),
        // A condition on a missing value is unknown (NULL) in SQL; $not of it is true, as in Wix's query language.
        NotFilter not => "(NOT COALESCE(" + Expression(not.Child, resolve, ps, qualifier) + ", FALSE))",
        Condition c => TranslateCondition(c, resolve, ps, qualifier),
        _ => throw new InvalidOperationException("Unknown filter node."),
    };

    /// <summary>
    /// Joins terms with AND or OR, at most <see cref="Fanout"/> per parenthesised level. SQLite parses a flat chain into a
    /// tree as deep as the chain is long, and refuses trees deeper than 1,000; this keeps 15,000 terms about 200 deep.
    /// </summary>
    private static string Join(IReadOnlyList<string> terms, string op) => terms.Count <= Fanout
        ? "(" + string.Join($" {op} ", terms) + ")"
        : Join([.. terms.Chunk(Fanout).Select(chunk => Join(chunk, op))], op);

    private string TranslateCondition(Condition c, Func<string, FieldInfo?> resolve, SqlParams ps, string? qualifier)
    {
        var path = FieldPath.Resolve(c.Field, resolve, c.Path) ?? throw AdaptorException.Validation(c.Path, $"Unknown field {c.Field}", c.Field);
        if (path.IsNested)
        {
            return NestedCondition(c, path, ps, qualifier);
        }
        var field = path.Field;
        if (!FieldTypeMap.Accepts(field, c.Operator))
        {
            throw AdaptorException.Validation(c.Path, $"Operator {c.Operator} is not supported for field {c.Field} of type {field.Type}", c.Operator);
        }
        var col = dialect.ColumnRef(field, qualifier);
        var value = c.Value;
        var isNull = value is null || value.GetValueKind() == JsonValueKind.Null;
        switch (c.Operator)
        {
            case QueryOperators.Eq:
                return isNull ? $"{col} IS NULL" : Equal(field, col, value, c.Path, ps);
            case QueryOperators.Ne:
                return isNull ? $"{col} IS NOT NULL" : $"(NOT {Equal(field, col, value, c.Path, ps)} OR {col} IS NULL)";
            case QueryOperators.Lt:
            case QueryOperators.Lte:
            case QueryOperators.Gt:
            case QueryOperators.Gte:
            {
                RequireValue(c, isNull);
                var op = ComparisonOf(c.Operator).Operator();
                var p = ps.Add(ValueCodec.ToDb(value, field, c.Path), field.Storage);
                var left = field.Storage is StorageKind.Text or StorageKind.Other ? dialect.TextOrder(col) : col;
                return $"{left} {op} {p}";
            }
            case QueryOperators.In:
            case QueryOperators.HasSome:
            case QueryOperators.HasAll:
            {
                var list = ListOperand(c, value);
                if (field.IsArray && field.Storage == StorageKind.Json)
                {
                    if (list.Count == 0)
                    {
                        return c.Operator == QueryOperators.HasAll ? "1 = 1" : "1 = 0";
                    }
                    return Join([.. list.Select(e => dialect.JsonArrayContains(col, e, ps))], c.Operator == QueryOperators.HasAll ? "AND" : "OR");
                }
                if (list.Count == 0)
                {
                    return "1 = 0";
                }
                var values = list.Where(e => e is not null && e.GetValueKind() != JsonValueKind.Null)
                    .Select((e, i) => ps.Add(ValueCodec.ToDb(e, field, $"{c.Path}[{i}]"), field.Storage)).ToList();
                var hasNull = values.Count < list.Count;
                var inList = values.Count > 0 ? $"{col} IN ({string.Join(", ", values)})" : "1 = 0";
                return hasNull ? $"({inList} OR {col} IS NULL)" : inList;
            }
            case QueryOperators.Contains:
            case QueryOperators.StartsWith:
            case QueryOperators.EndsWith:
                return dialect.TextMatch(col, TextMatchKindOf(c.Operator), ps.Add(StringOperand(c, value)));
            case QueryOperators.Exists:
                return ExistsOperand(c, value) ? $"{col} IS NOT NULL" : $"{col} IS NULL";
            case QueryOperators.Urlized:
                return dialect.RegexMatch(col, ps.Add(UrlizedPattern(c, value)));
            case QueryOperators.Matches:
                return dialect.RegexMatch(col, ps.Add(MatchesPattern(c, value)));
            default:
                throw AdaptorException.Validation(c.Path, $"Unknown operator {c.Operator}", c.Operator);
        }
    }

    /// <summary>
    /// A condition on a path inside a JSON object field: values compare by the operand's type (see
    /// <see cref="SqlDialect.JsonPathCompare"/>); <c>$hasSome</c>/<c>$in</c> match a value equal to one of the list or an
    /// array holding one; missing and JSON null are both null.
    /// </summary>
    private string NestedCondition(Condition c, FieldPath path, SqlParams ps, string? qualifier)
    {
        var col = dialect.ColumnRef(path.Field, qualifier);
        var keys = path.Segments;
        var value = c.Value;
        var isNull = IsNull(value);
        var missing = dialect.JsonPathIsNull(col, keys);
        string Compare(Comparison op, JsonNode operand, string where) => dialect.JsonPathCompare(col, keys, op, operand, ps)
            ?? throw AdaptorException.Validation(where, $"{c.Operator} on {path.Name} takes a number, a string or a date", operand);
        switch (c.Operator)
        {
            case QueryOperators.Eq:
                return isNull ? missing : Compare(Comparison.Eq, value!, c.Path);
            case QueryOperators.Ne:
                return isNull ? $"(NOT {missing})" : $"(NOT {Compare(Comparison.Eq, value!, c.Path)} OR {missing})";
            case QueryOperators.Lt:
            case QueryOperators.Lte:
            case QueryOperators.Gt:
            case QueryOperators.Gte:
                RequireValue(c, isNull);
                return Compare(ComparisonOf(c.Operator), value!, c.Path);
            case QueryOperators.In:
            case QueryOperators.HasSome:
            {
                var list = ListOperand(c, value);
                return list.Count == 0 ? "1 = 0" : Join([.. list.Select((e, i) => IsNull(e) ? missing
                    : $"({Compare(Comparison.Eq, e!, $"{c.Path}[{i}]")} OR {dialect.JsonPathArrayContains(col, keys, e, ps)})")], "OR");
            }
            case QueryOperators.HasAll:
            {
                var list = ListOperand(c, value);
                return list.Count == 0 ? "1 = 1" : Join([.. list.Select(e => dialect.JsonPathArrayContains(col, keys, e, ps))], "AND");
            }
            case QueryOperators.Contains:
            case QueryOperators.StartsWith:
            case QueryOperators.EndsWith:
                return dialect.TextMatch(dialect.JsonPathText(col, keys), TextMatchKindOf(c.Operator), ps.Add(StringOperand(c, value)));
            case QueryOperators.Exists:
                return ExistsOperand(c, value) ? $"(NOT {missing})" : missing;
            case QueryOperators.Urlized:
                return dialect.RegexMatch(dialect.JsonPathText(col, keys), ps.Add(UrlizedPattern(c, value)));
            case QueryOperators.Matches:
                return dialect.RegexMatch(dialect.JsonPathText(col, keys), ps.Add(MatchesPattern(c, value)));
            default:
                throw AdaptorException.Validation(c.Path, $"Unknown operator {c.Operator}", c.Operator);
        }
    }

    private static bool ExistsOperand(Condition c, JsonNode? value) =>
        value is not null && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : throw AdaptorException.Validation(c.Path, "$exists takes true or false", value);

    private static void RequireValue(Condition c, bool isNull)
    {
        if (isNull)
        {
            throw AdaptorException.Validation(c.Path, $"{c.Operator} needs a value", c.Value);
        }
    }

    private static Comparison ComparisonOf(string op) => op switch
    {
        QueryOperators.Lt => Comparison.Lt,
        QueryOperators.Lte => Comparison.Lte,
        QueryOperators.Gt => Comparison.Gt,
        _ => Comparison.Gte,
    };

    private static TextMatchKind TextMatchKindOf(string op) => op switch
    {
        QueryOperators.Contains => TextMatchKind.Contains,
        QueryOperators.StartsWith => TextMatchKind.StartsWith,
        _ => TextMatchKind.EndsWith,
    };

    private static bool IsNull(JsonNode? value) => value is null || value.GetValueKind() == JsonValueKind.Null;

    /// <summary>The case-insensitive pattern of <c>$urlized</c>: the words joined by a space or a hyphen.</summary>
    private static string UrlizedPattern(Condition c, JsonNode? value)
    {
        var words = value switch
        {
            JsonArray a => a.Select((w, i) => w is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw AdaptorException.Validation($"{c.Path}[{i}]", "$urlized takes an array of words", w)).ToList(),
            JsonValue v when v.TryGetValue<string>(out var s) => s.Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries).ToList(),
            _ => throw AdaptorException.Validation(c.Path, "$urlized takes an array of words", value),
        };
        if (words.Count == 0)
        {
            throw AdaptorException.Validation(c.Path, "$urlized needs at least one word", value);
        }
        return "(?i)" + string.Join("[- ]", words.Select(w => EscapeRegex(w.ToLowerInvariant())));
    }

    private string Equal(FieldInfo field, string col, JsonNode? value, string path, SqlParams ps)
    {
        if (field.Storage == StorageKind.Json)
        {
            return dialect.JsonEquals(col, ps.Add(value!.ToJsonString(), StorageKind.Json));
        }
        return $"{col} = {ps.Add(ValueCodec.ToDb(value, field, path), field.Storage)}";
    }

    private static List<JsonNode?> ListOperand(Condition c, JsonNode? value)
    {
        var list = value switch
        {
            JsonArray a => a.ToList(),
            null => throw AdaptorException.Validation(c.Path, $"{c.Operator} takes an array of values", value),
            _ => [value],
        };
        if (list.Count > MaxListLength)
        {
            throw AdaptorException.Validation(c.Path, $"{c.Operator} takes at most {MaxListLength} values");
        }
        return list;
    }

    private static string StringOperand(Condition c, JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw AdaptorException.Validation(c.Path, $"{c.Operator} takes a string", value);

    /// <summary>
    /// Escapes a literal for both .NET and PostgreSQL (ARE) regular expressions: every ASCII character that
    /// is not a letter or digit gets a backslash, which both engines read as "this character literally".
    /// </summary>
    internal static string EscapeRegex(string text)
    {
        var sb = new StringBuilder(text.Length * 2);
        foreach (var ch in text)
        {
            if (ch < 128 && !char.IsAsciiLetterOrDigit(ch) && !char.IsControl(ch))
            {
                sb.Append('\\');
            }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The anchored pattern of <c>$matches</c>: <c>{ignoreCase, spec: [{type: literal|anyOf, value}]}</c>;
    /// a plain string is taken as a literal to be matched whole.
    /// </summary>
    internal static string MatchesPattern(Condition c, JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var literal))
        {
            return "^" + EscapeRegex(literal) + "$";
        }
        if (value is not JsonObject obj || obj["spec"] is not JsonArray spec)
        {
            throw AdaptorException.Validation(c.Path, "$matches takes {ignoreCase, spec: [{type, value}]}", value);
        }
        var ignoreCase = QueryParsing.Bool(obj["ignoreCase"], c.Path + ".ignoreCase");
        var sb = new StringBuilder(ignoreCase ? "(?i)^" : "^");
        for (var i = 0; i < spec.Count; i++)
        {
            var part = spec[i] as JsonObject;
            var type = part?["type"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : null;
            var text = part?["value"] is JsonValue pv && pv.TryGetValue<string>(out var ps) ? ps : null;
            switch (type)
            {
                case "literal" when text is not null:
                    sb.Append(EscapeRegex(text));
                    break;
                case "anyOf" when !string.IsNullOrEmpty(text):
                    sb.Append('[').Append(EscapeRegex(text)).Append(']');
                    break;
                default:
                    throw AdaptorException.Validation($"{c.Path}.spec[{i}]", "Each $matches spec part is {type: literal|anyOf, value: string}", spec[i]);
            }
        }
        return sb.Append('$').ToString();
    }
}
