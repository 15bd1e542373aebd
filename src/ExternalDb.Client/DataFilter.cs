using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// Builds a filter in the Wix API query language. Conditions added one after another must all hold
/// (<c>{"$and": [...]}</c>); each condition on a field reads <c>{"field": {"$op": value}}</c>.
/// Values may be strings, numbers, booleans, null, <see cref="DateTimeOffset"/>/<see cref="DateTime"/>
/// (sent as <c>{"$date": ...}</c>) or a <see cref="JsonNode"/>; see <see cref="DataValue.From"/>.
/// </summary>
/// <typeparam name="TSelf">The concrete builder, so that every method returns it for chaining.</typeparam>
public abstract class DataFilterBuilder<TSelf>
    where TSelf : DataFilterBuilder<TSelf>
{
    private readonly List<JsonObject> _conditions = [];

    private TSelf Self => (TSelf)this;

    /// <summary>The field equals <paramref name="value"/> (<c>$eq</c>).</summary>
    public TSelf Eq(string field, object? value) => Field(field, "$eq", DataValue.From(value));

    /// <summary>The field does not equal <paramref name="value"/> (<c>$ne</c>).</summary>
    public TSelf Ne(string field, object? value) => Field(field, "$ne", DataValue.From(value));

    /// <summary>The field is less than <paramref name="value"/> (<c>$lt</c>).</summary>
    public TSelf Lt(string field, object value) => Field(field, "$lt", DataValue.From(value));

    /// <summary>The field is less than or equal to <paramref name="value"/> (<c>$lte</c>).</summary>
    public TSelf Le(string field, object value) => Field(field, "$lte", DataValue.From(value));

    /// <summary>Same as <see cref="Le"/>: less than or equal (<c>$lte</c>).</summary>
    public TSelf Lte(string field, object value) => Le(field, value);

    /// <summary>The field is greater than <paramref name="value"/> (<c>$gt</c>).</summary>
    public TSelf Gt(string field, object value) => Field(field, "$gt", DataValue.From(value));

    /// <summary>The field is greater than or equal to <paramref name="value"/> (<c>$gte</c>).</summary>
    public TSelf Ge(string field, object value) => Field(field, "$gte", DataValue.From(value));

    /// <summary>Same as <see cref="Ge"/>: greater than or equal (<c>$gte</c>).</summary>
    public TSelf Gte(string field, object value) => Ge(field, value);

    /// <summary>The field equals one of <paramref name="values"/> (<c>$in</c>).</summary>
    public TSelf In(string field, params IEnumerable<object?> values) => Field(field, "$in", Array(values));

    /// <summary>The field (a value or an array) holds at least one of <paramref name="values"/> (<c>$hasSome</c>).</summary>
    public TSelf HasSome(string field, params IEnumerable<object?> values) => Field(field, "$hasSome", Array(values));

    /// <summary>The field (an array) holds all of <paramref name="values"/> (<c>$hasAll</c>).</summary>
    public TSelf HasAll(string field, params IEnumerable<object?> values) => Field(field, "$hasAll", Array(values));

    /// <summary>The text field contains <paramref name="text"/> (<c>$contains</c>).</summary>
    public TSelf Contains(string field, string text) => Field(field, "$contains", JsonValue.Create(text));

    /// <summary>The text field starts with <paramref name="text"/> (<c>$startsWith</c>).</summary>
    public TSelf StartsWith(string field, string text) => Field(field, "$startsWith", JsonValue.Create(text));

    /// <summary>The text field ends with <paramref name="text"/> (<c>$endsWith</c>).</summary>
    public TSelf EndsWith(string field, string text) => Field(field, "$endsWith", JsonValue.Create(text));

    /// <summary>The field is present (or, with <paramref name="exists"/> false, absent) (<c>$exists</c>).</summary>
    public TSelf Exists(string field, bool exists = true) => Field(field, "$exists", JsonValue.Create(exists));

    /// <summary>The field has no value: absent or null (<c>{"$exists": false}</c>).</summary>
    public TSelf IsEmpty(string field) => Exists(field, false);

    /// <summary>The field has a value (<c>{"$exists": true}</c>).</summary>
    public TSelf IsNotEmpty(string field) => Exists(field, true);

    /// <summary>All the conditions built by <paramref name="filter"/> hold (a nested <c>$and</c>).</summary>
    public TSelf And(Func<DataFilter, DataFilter> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var inner = filter(new DataFilter()).Conditions();
        return inner.Count == 0 ? Self : Add(new JsonObject { ["$and"] = new JsonArray([.. inner]) });
    }

    /// <summary>At least one of <paramref name="alternatives"/> holds (<c>$or</c>), e.g. <c>Or(f =&gt; f.Eq("a", 1), f =&gt; f.Eq("b", 2))</c>.</summary>
    public TSelf Or(params Func<DataFilter, DataFilter>[] alternatives)
    {
        ArgumentNullException.ThrowIfNull(alternatives);
        if (alternatives.Length == 0)
        {
            throw new ArgumentException("Or needs at least one alternative.", nameof(alternatives));
        }
        return Add(new JsonObject { ["$or"] = new JsonArray([.. alternatives.Select(a => (JsonNode)a(new DataFilter()).ToJson())]) });
    }

    /// <summary>The conditions built by <paramref name="filter"/> do not all hold (<c>$not</c>).</summary>
    public TSelf Not(Func<DataFilter, DataFilter> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Add(new JsonObject { ["$not"] = filter(new DataFilter()).ToJson() });
    }

    /// <summary>Adds a filter written in the query language, e.g. parsed from a command line.</summary>
    public TSelf Where(JsonObject filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter.Count == 0 ? Self : Add((JsonObject)filter.DeepClone());
    }

    /// <summary>The filter as query-language JSON: <c>{}</c> without conditions, the condition itself for one, else <c>{"$and": [...]}</c>.</summary>
    public JsonObject ToJson() => _conditions.Count switch
    {
        0 => [],
        1 => (JsonObject)_conditions[0].DeepClone(),
        _ => new JsonObject { ["$and"] = new JsonArray([.. _conditions.Select(c => c.DeepClone())]) },
    };

    /// <summary>Whether no condition was added.</summary>
    public bool IsEmptyFilter => _conditions.Count == 0;

    private List<JsonNode> Conditions() => [.. _conditions.Select(c => c.DeepClone())];

    private TSelf Field(string field, string op, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        return Add(new JsonObject { [field] = new JsonObject { [op] = value } });
    }

    private TSelf Add(JsonObject condition)
    {
        _conditions.Add(condition);
        return Self;
    }

    private static JsonArray Array(IEnumerable<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToList();
        // In("tags", someListOfInts): a single sequence argument is the list of values, not one value.
        if (list is [System.Collections.IEnumerable single] && single is not string && single is not JsonNode)
        {
            list = [.. single.Cast<object?>()];
        }
        return new JsonArray([.. list.Select(DataValue.From)]);
    }
}

/// <summary>A standalone filter, e.g. for <see cref="DataItemsClient.CountDataItemsAsync"/> or inside <c>And</c>/<c>Or</c>/<c>Not</c>.</summary>
/// <example><code>var filter = new DataFilter().Gt("price", 10).StartsWith("title", "La").ToJson();</code></example>
public sealed class DataFilter : DataFilterBuilder<DataFilter>
{
}
