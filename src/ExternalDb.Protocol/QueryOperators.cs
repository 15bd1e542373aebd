using System.Text.Json.Nodes;

namespace ExternalDb.Protocol;

/// <summary>
/// The filter operators of the data model: their wire names (<c>$eq</c>, ...), the V3 capability name each stands for
/// in a field's <c>capabilities.queryOperators</c> (<c>EQ</c>, ...), the subset V1 adaptors know, and what counts as an
/// operator object in a filter.
/// </summary>
public static class QueryOperators
{
    /// <summary><c>$eq</c>: equal.</summary>
    public const string Eq = "$eq";

    /// <summary><c>$ne</c>: not equal.</summary>
    public const string Ne = "$ne";

    /// <summary><c>$lt</c>: less than.</summary>
    public const string Lt = "$lt";

    /// <summary><c>$lte</c>: less than or equal.</summary>
    public const string Lte = "$lte";

    /// <summary><c>$gt</c>: greater than.</summary>
    public const string Gt = "$gt";

    /// <summary><c>$gte</c>: greater than or equal.</summary>
    public const string Gte = "$gte";

    /// <summary><c>$in</c>: one of the values (the capability <c>HAS_SOME</c>).</summary>
    public const string In = "$in";

    /// <summary><c>$hasSome</c>: holds (or is) one of the values.</summary>
    public const string HasSome = "$hasSome";

    /// <summary><c>$hasAll</c>: holds all of the values.</summary>
    public const string HasAll = "$hasAll";

    /// <summary><c>$contains</c>: the text contains the value.</summary>
    public const string Contains = "$contains";

    /// <summary><c>$startsWith</c>: the text starts with the value.</summary>
    public const string StartsWith = "$startsWith";

    /// <summary><c>$endsWith</c>: the text ends with the value.</summary>
    public const string EndsWith = "$endsWith";

    /// <summary><c>$exists</c>: the field is (or is not) set.</summary>
    public const string Exists = "$exists";

    /// <summary><c>$urlized</c>: the text matches the value's URL form.</summary>
    public const string Urlized = "$urlized";

    /// <summary><c>$matches</c>: the legacy form of <c>$urlized</c> (the capability <c>URLIZED</c>).</summary>
    public const string Matches = "$matches";

    /// <summary><c>$and</c>: all of the filters.</summary>
    public const string And = "$and";

    /// <summary><c>$or</c>: any of the filters.</summary>
    public const string Or = "$or";

    /// <summary><c>$not</c>: not the filter.</summary>
    public const string Not = "$not";

    /// <summary>The key of a date value: <c>{"$date": "2024-01-02T03:04:05.678Z"}</c>.</summary>
    public const string DateKey = "$date";

    /// <summary>The V3 capability names of <c>capabilities.queryOperators</c>.</summary>
    public static class Capabilities
    {
        /// <summary><c>EQ</c>.</summary>
        public const string Eq = "EQ";

        /// <summary><c>NE</c>.</summary>
        public const string Ne = "NE";

        /// <summary><c>LT</c>.</summary>
        public const string Lt = "LT";

        /// <summary><c>LTE</c>.</summary>
        public const string Lte = "LTE";

        /// <summary><c>GT</c>.</summary>
        public const string Gt = "GT";

        /// <summary><c>GTE</c>.</summary>
        public const string Gte = "GTE";

        /// <summary><c>HAS_SOME</c>.</summary>
        public const string HasSome = "HAS_SOME";

        /// <summary><c>HAS_ALL</c>.</summary>
        public const string HasAll = "HAS_ALL";

        /// <summary><c>CONTAINS</c>.</summary>
        public const string Contains = "CONTAINS";

        /// <summary><c>STARTS_WITH</c>.</summary>
        public const string StartsWith = "STARTS_WITH";

        /// <summary><c>ENDS_WITH</c>.</summary>
        public const string EndsWith = "ENDS_WITH";

        /// <summary><c>EXISTS</c>.</summary>
        public const string Exists = "EXISTS";

        /// <summary><c>URLIZED</c>.</summary>
        public const string Urlized = "URLIZED";
    }

    // Each capability with its own operator first, then the operators that are other spellings of it.
    private static readonly (string Capability, string[] Operators)[] Table =
    [
        (Capabilities.Eq, [Eq]),
        (Capabilities.Ne, [Ne]),
        (Capabilities.Lt, [Lt]),
        (Capabilities.Lte, [Lte]),
        (Capabilities.Gt, [Gt]),
        (Capabilities.Gte, [Gte]),
        (Capabilities.HasSome, [HasSome, In]),
        (Capabilities.HasAll, [HasAll]),
        (Capabilities.Contains, [Contains]),
        (Capabilities.StartsWith, [StartsWith]),
        (Capabilities.EndsWith, [EndsWith]),
        (Capabilities.Exists, [Exists]),
        (Capabilities.Urlized, [Urlized, Matches]),
    ];

    private static readonly Dictionary<string, string> CapabilityByOperator =
        Table.SelectMany(t => t.Operators.Select(o => KeyValuePair.Create(o, t.Capability))).ToDictionary(StringComparer.Ordinal);

    // A legacy schema names a capability by its own operator only: its "matches" is not a spelling of URLIZED.
    private static readonly Dictionary<string, string> CapabilityByLegacyName =
        Table.ToDictionary(t => LegacyName(t.Operators[0]), t => t.Capability, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, string> OperatorByCapability =
        Table.ToDictionary(t => t.Capability, t => t.Operators[0], StringComparer.Ordinal);

    /// <summary>Every capability name of <c>capabilities.queryOperators</c>.</summary>
    public static readonly IReadOnlyList<string> AllCapabilities = [.. Table.Select(t => t.Capability)];

    /// <summary>Every operator that compares a field (not the logical <c>$and $or $not</c>).</summary>
    public static readonly IReadOnlySet<string> Field = new HashSet<string>(CapabilityByOperator.Keys, StringComparer.Ordinal);

    /// <summary>The logical operators: <c>$and $or $not</c>.</summary>
    public static readonly IReadOnlyList<string> Logical = [And, Or, Not];

    /// <summary>The field operators V1 adaptors know (besides the logical ones).</summary>
    public static readonly IReadOnlyList<string> V1 = [Eq, Ne, Lt, Lte, Gt, Gte, HasSome, Contains, StartsWith, EndsWith, Urlized];

    /// <summary>The capability name a field operator needs (<c>$gt</c> → <c>GT</c>, <c>$in</c> → <c>HAS_SOME</c>), or null.</summary>
    public static string? CapabilityOf(string op) => CapabilityByOperator.GetValueOrDefault(op);

    /// <summary>
    /// The capability name of a legacy schema's operator name (<c>gt</c>, <c>startsWith</c>, any case), or null for the
    /// logical ones (<c>and</c>, <c>or</c>, <c>not</c>), <c>matches</c> and unknown names.
    /// </summary>
    public static string? CapabilityOfLegacyName(string legacyName) => CapabilityByLegacyName.GetValueOrDefault(legacyName);

    /// <summary>The operator a capability name stands for (<c>HAS_SOME</c> → <c>$hasSome</c>), or null.</summary>
    public static string? OperatorOf(string capability) => OperatorByCapability.GetValueOrDefault(capability);

    /// <summary>The legacy schema's name of an operator: without its <c>$</c> (<c>$startsWith</c> → <c>startsWith</c>).</summary>
    public static string LegacyName(string op) => op.TrimStart('$');

    /// <summary>
    /// The operator and operand to send an adaptor for <paramref name="op"/>: <c>$in</c> is Wix Data's other spelling of
    /// <c>$hasSome</c> (both are the capability <c>HAS_SOME</c>), and adaptors know that capability by its own operator
    /// only (Wix's own adaptor has no <c>$in</c>), so it goes as <c>$hasSome</c> with its operand as an array. Every
    /// other operator goes unchanged.
    /// </summary>
    public static (string Operator, JsonNode? Operand) ForAdaptor(string op, JsonNode? operand) =>
        op == In ? (HasSome, operand is JsonArray ? operand.DeepClone() : new JsonArray(operand?.DeepClone())) : (op, operand?.DeepClone());

    /// <summary>
    /// A copy of a Mongo-style <paramref name="filter"/> with every field operator as <c>ForAdaptor(op, operand)</c> sends it,
    /// through <c>$and</c>, <c>$or</c> and <c>$not</c>; anything that is not a filter object is copied as it is.
    /// </summary>
    public static JsonNode? ForAdaptor(JsonNode? filter)
    {
        if (filter is not JsonObject o)
        {
            return filter?.DeepClone();
        }
        var copy = new JsonObject();
        foreach (var (key, value) in o)
        {
            copy[key] = key switch
            {
                And or Or or Not when value is JsonArray parts => new JsonArray([.. parts.Select(part => ForAdaptor(part))]),
                Not => ForAdaptor(value),
                _ when key.StartsWith('$') => value?.DeepClone(),
                _ when IsOperatorObject(value) => FieldCondition((JsonObject)value!),
                _ => value?.DeepClone(),
            };
        }
        return copy;
    }

    /// <summary>A field's operator object as sent: a <c>$not</c> of one translated within; beside a <c>$hasSome</c> of its own, an <c>$in</c> keeps its name (an object holds a key once).</summary>
    private static JsonObject FieldCondition(JsonObject operators) => new(operators.Select(p => p.Key switch
    {
        In when operators.ContainsKey(HasSome) => KeyValuePair.Create(p.Key, p.Value?.DeepClone()),
        Not when IsOperatorObject(p.Value) => KeyValuePair.Create(p.Key, (JsonNode?)FieldCondition((JsonObject)p.Value!)),
        _ => Pair(ForAdaptor(p.Key, p.Value)),
    }));

    private static KeyValuePair<string, JsonNode?> Pair((string Operator, JsonNode? Operand) condition) => KeyValuePair.Create(condition.Operator, condition.Operand);

    /// <summary>
    /// Whether <paramref name="value"/>, the value of a field in a filter, is an operator object (<c>{"$gt": 1}</c>)
    /// rather than a value to compare with: an object with at least one key, every key starting with <c>$</c>, that is
    /// not a date value (<c>{"$date": ...}</c>).
    /// </summary>
    public static bool IsOperatorObject(JsonNode? value) =>
        value is JsonObject o && o.Count > 0 && o.All(p => p.Key.StartsWith('$')) && !IsDate(o);

    /// <summary>Whether <paramref name="value"/> is a date value: an object whose one key is <c>$date</c>.</summary>
    public static bool IsDate(JsonNode? value) => value is JsonObject { Count: 1 } o && o.ContainsKey(DateKey);
}
