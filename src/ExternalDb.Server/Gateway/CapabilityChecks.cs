using System.Text.Json.Nodes;

namespace ExternalDb.Server.Gateway;

/// <summary>Checks a request against the collection's and connection's advertised capabilities before any adaptor call.</summary>
public static class CapabilityChecks
{
    /// <summary>The Wix query operators and the names under which a field advertises them (<c>queryOperators</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> OperatorNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["$eq"] = "EQ", ["$ne"] = "NE", ["$lt"] = "LT", ["$lte"] = "LTE", ["$gt"] = "GT", ["$gte"] = "GTE",
        ["$hasSome"] = "HAS_SOME", ["$hasAll"] = "HAS_ALL", ["$contains"] = "CONTAINS", ["$startsWith"] = "STARTS_WITH",
        ["$endsWith"] = "ENDS_WITH", ["$exists"] = "EXISTS", ["$urlized"] = "URLIZED",
    };

    /// <summary>Refuses an operation the collection does not list in <c>capabilities.dataOperations</c>.</summary>
    public static void RequireOperation(JsonObject schema, ResolvedCollection target, string operation, string wixOperation)
    {
        if (Items.Member(schema["capabilities"], "dataOperations") is not JsonArray operations)
        {
            return;
        }
        if (!operations.Any(o => o is JsonValue v && v.TryGetValue<string>(out var s) && s == operation))
        {
            var readOnly = operation is "INSERT" or "UPDATE" or "REMOVE" or "TRUNCATE" or "INSERT_REFERENCES" or "REMOVE_REFERENCES"
                && !operations.Any(o => Items.Text(o) is "INSERT" or "UPDATE" or "REMOVE");
            throw GatewayException.NotSupported(target.FullId, wixOperation, readOnly
                ? $"Collection [{target.FullId}] is read-only: its adaptor allows no writes to it."
                : $"Collection [{target.FullId}] does not support {wixOperation} (its adaptor does not list {operation}).", byDataSource: false);
        }
    }

    /// <summary>Refuses a filter that uses an operator a field does not advertise.</summary>
    public static void CheckFilter(JsonObject schema, JsonNode? filter, ResolvedCollection target, string path)
    {
        if (filter is not JsonObject node)
        {
            return;
        }
        foreach (var (key, value) in node)
        {
            switch (key)
            {
                case "$and" or "$or" when value is JsonArray parts:
                    foreach (var part in parts)
                    {
                        CheckFilter(schema, part, target, path);
                    }
                    break;
                case "$not":
                    if (value is JsonArray negated)
                    {
                        foreach (var part in negated)
                        {
                            CheckFilter(schema, part, target, path);
                        }
                    }
                    else
                    {
                        CheckFilter(schema, value, target, path);
                    }
                    break;
                default:
                    if (key.StartsWith('$'))
                    {
                        break;
                    }
                    var condition = value is JsonObject o && o.Count > 0 && o.All(p => p.Key.StartsWith('$')) && !o.ContainsKey("$date")
                        ? o.Select(p => p.Key)
                        : ["$eq"];
                    foreach (var op in condition)
                    {
                        CheckOperator(schema, key, op, target, path);
                    }
                    break;
            }
        }
    }

    private static void CheckOperator(JsonObject schema, string fieldKey, string op, ResolvedCollection target, string path)
    {
        if (!OperatorNames.TryGetValue(op, out var name))
        {
            return;
        }
        var field = Field(schema, fieldKey);
        if (Items.Member(field?["capabilities"], "queryOperators") is not JsonArray advertised)
        {
            return;
        }
        if (!advertised.Any(a => a is JsonValue v && v.TryGetValue<string>(out var s) && s == name))
        {
            throw GatewayException.Invalid(path, $"field '{fieldKey}' of [{target.FullId}] does not support {op} (its adaptor advertises {string.Join(", ", advertised.Select(a => a?.ToString()))})");
        }
    }

    /// <summary>Refuses sorting by a field the adaptor marks as not sortable.</summary>
    public static void CheckSort(JsonObject schema, JsonNode? sort, ResolvedCollection target, string path)
    {
        if (sort is not JsonArray entries)
        {
            return;
        }
        foreach (var entry in entries.OfType<JsonObject>())
        {
            var key = Items.Text(entry["fieldName"]);
            if (key is not null && Items.Member(Field(schema, key)?["capabilities"], "sortable") is JsonValue s && s.TryGetValue<bool>(out var sortable) && !sortable)
            {
                throw GatewayException.Invalid(path, $"field '{key}' of [{target.FullId}] cannot be sorted by");
            }
        }
    }

    /// <summary>Refuses collection changes the connection cannot make, and field types outside its <c>fieldTypes</c>.</summary>
    public static void RequireCollectionChanges(ResolvedCollection target, JsonArray? fields, string operation)
    {
        var capabilities = target.Connection.Capabilities;
        if (!capabilities.CollectionModificationsSupported)
        {
            throw GatewayException.NotSupported(target.FullId, operation,
                $"Connection [{target.Connection.Name}] does not support collection changes (collectionModificationsSupported is false).", byDataSource: true);
        }
        foreach (var field in fields?.OfType<JsonObject>() ?? [])
        {
            var key = Items.Text(field["key"]) ?? "";
            var type = Items.Text(field["type"]);
            if (type is not null && !key.StartsWith('_') && !capabilities.FieldTypes.Contains(type))
            {
                throw GatewayException.NotSupported(target.FullId, operation,
                    $"Field '{key}' has type {type}, which connection [{target.Connection.Name}] does not support (it supports {string.Join(", ", capabilities.FieldTypes)}).", byDataSource: true);
            }
        }
    }

    private static JsonObject? Field(JsonObject schema, string key) =>
        (schema["fields"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => Items.Text(f["key"]) == key);
}
