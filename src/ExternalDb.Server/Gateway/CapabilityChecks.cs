using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>Checks a request against the collection's and connection's advertised capabilities before any adaptor call.</summary>
internal static class CapabilityChecks
{
    /// <summary>Refuses an operation the collection does not list in <c>capabilities.dataOperations</c>.</summary>
    public static void RequireOperation(JsonObject schema, ResolvedCollection target, string operation, string wixOperation)
    {
        if (JsonRead.Member(schema["capabilities"], "dataOperations") is not JsonArray operations)
        {
            return;
        }
        if (!operations.Any(o => o is JsonValue v && v.TryGetValue<string>(out var s) && s == operation))
        {
            var readOnly = DataOperations.Writes(operation)
                && !operations.Any(o => JsonRead.Text(o) is DataOperations.Insert or DataOperations.Update or DataOperations.Remove);
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
                case QueryOperators.And or QueryOperators.Or when value is JsonArray parts:
                    foreach (var part in parts)
                    {
                        CheckFilter(schema, part, target, path);
                    }
                    break;
                case QueryOperators.Not:
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
                    var condition = QueryOperators.IsOperatorObject(value) ? ((JsonObject)value!).Select(p => p.Key) : [QueryOperators.Eq];
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
        if (QueryOperators.CapabilityOf(op) is not { } name)
        {
            return;
        }
        var field = Field(schema, fieldKey);
        if (JsonRead.Member(field?["capabilities"], "queryOperators") is not JsonArray advertised)
        {
            return;
        }
        if (!advertised.Any(a => a is JsonValue v && v.TryGetValue<string>(out var s) && s == name))
        {
            throw GatewayException.Invalid(path, $"field '{fieldKey}' of [{target.FullId}] does not support {op} (its adaptor advertises {string.Join(", ", advertised.Select(a => a?.ToString()))})");
        }
    }

    /// <summary>Refuses a reference operation on a field that is not a REFERENCE or MULTI_REFERENCE field of the collection.</summary>
    public static void RequireReferenceField(JsonObject schema, ResolvedCollection target, string fieldKey, string path)
    {
        var type = JsonRead.Text(Field(schema, fieldKey)?["type"]);
        if (!FieldTypes.IsReference(type))
        {
            throw GatewayException.Invalid(path, type is null
                ? $"'{fieldKey}' is not a field of [{target.FullId}]"
                : $"field '{fieldKey}' of [{target.FullId}] is {type}, not a {FieldTypes.Reference} or {FieldTypes.MultiReference} field");
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
            var key = JsonRead.Text(entry["fieldName"]);
            if (key is not null && JsonRead.Member(Field(schema, key)?["capabilities"], "sortable") is JsonValue s && s.TryGetValue<bool>(out var sortable) && !sortable)
            {
                throw GatewayException.Invalid(path, $"field '{key}' of [{target.FullId}] cannot be sorted by");
            }
        }
    }

    /// <summary>
    /// Refuses collection changes the connection cannot make, and field types outside its <c>fieldTypes</c>. For a change
    /// of an existing <paramref name="collection"/> (update: with <paramref name="fields"/>, delete: without), what the
    /// collection offers decides (<see cref="CollectionOperationsOf"/>).
    /// </summary>
    public static void RequireCollectionChanges(ResolvedCollection target, JsonArray? fields, string operation, JsonObject? collection = null)
    {
        var capabilities = target.Connection.Capabilities;
        if (collection is not null)
        {
            var needed = fields is null ? CollectionOperations.Remove : CollectionOperations.Update;
            var offered = CollectionOperationsOf(collection, target.Connection);
            if (!offered.Contains(needed))
            {
                throw GatewayException.NotSupported(target.FullId, operation, capabilities.CollectionModificationsSupported || offered.Count > 0
                    ? $"Collection [{target.FullId}] cannot be {(fields is null ? "deleted" : "changed")}: its adaptor offers [{string.Join(", ", offered)}] of its collection operations."
                    : $"Connection [{target.Connection.Name}] does not support collection changes (collectionModificationsSupported is false).", byDataSource: true);
            }
        }
        else if (!capabilities.CollectionModificationsSupported)
        {
            throw GatewayException.NotSupported(target.FullId, operation,
                $"Connection [{target.Connection.Name}] does not support collection changes (collectionModificationsSupported is false).", byDataSource: true);
        }
        if (capabilities.FieldTypes.Count == 0 && target.Connection.ProtocolVersion != ProtocolVersion.V3)
        {
            return; // a legacy database that was empty at its check: the adaptor's answer decides
        }
        foreach (var field in fields?.OfType<JsonObject>() ?? [])
        {
            var key = JsonRead.Text(field["key"]) ?? "";
            var type = JsonRead.Text(field["type"]);
            if (type is not null && !key.StartsWith('_') && !capabilities.FieldTypes.Contains(type))
            {
                throw GatewayException.NotSupported(target.FullId, operation,
                    $"Field '{key}' has type {type}, which connection [{target.Connection.Name}] does not support (it supports {string.Join(", ", capabilities.FieldTypes)}).", byDataSource: true);
            }
        }
    }

    /// <summary>
    /// The collection operations (<c>UPDATE</c>, <c>REMOVE</c>) a collection offers. A legacy collection's come from the
    /// adaptor's schemas as listed now (current even where the connection's check found an empty database); a V3
    /// collection's own list counts where the connection takes collection changes at all, and both when it lists none.
    /// </summary>
    public static IReadOnlyList<string> CollectionOperationsOf(JsonObject collection, ExternalDatabaseConnection connection)
    {
        var listed = (JsonRead.Member(collection["capabilities"], "collectionOperations") as JsonArray)?
            .Select(JsonRead.Text).OfType<string>().Where(CollectionOperations.All.Contains).Distinct(StringComparer.Ordinal).ToList();
        var modifiable = connection.Capabilities.CollectionModificationsSupported;
        return connection.ProtocolVersion == ProtocolVersion.V3
            ? modifiable ? listed ?? [.. CollectionOperations.All] : []
            : listed ?? (modifiable ? [.. CollectionOperations.All] : []);
    }

    private static JsonObject? Field(JsonObject schema, string key) =>
        (schema["fields"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => JsonRead.Text(f["key"]) == key);
}
