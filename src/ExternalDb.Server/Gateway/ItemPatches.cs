using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>One item's patch as the gateway checked it: the item and its modifications in the adaptor's shape.</summary>
internal sealed record ItemPatch(string ItemId, JsonArray FieldModifications);

/// <summary>
/// Wix Data's field modifications (<c>SET_FIELD</c>, <c>REMOVE_FIELD</c>, <c>INCREMENT_FIELD</c>, <c>APPEND_TO_ARRAY</c>,
/// <c>REMOVE_FROM_ARRAY</c>): checked against the collection before any adaptor call, and applied to an item read
/// from an adaptor that cannot patch (the read–modify–write of <see cref="DataPatchService"/>).
/// </summary>
internal static class ItemPatches
{
    /// <summary>The most modifications one patch carries (as the adaptor protocol's extension).</summary>
    public const int MaxModifications = 100;

    private const string SetField = "SET_FIELD";
    private const string RemoveField = "REMOVE_FIELD";
    private const string IncrementField = "INCREMENT_FIELD";
    private const string AppendToArray = "APPEND_TO_ARRAY";
    private const string RemoveFromArray = "REMOVE_FROM_ARRAY";

    /// <summary>Each action and the member that holds its value (none for <c>REMOVE_FIELD</c>).</summary>
    private static readonly Dictionary<string, string?> Actions = new(StringComparer.Ordinal)
    {
        [SetField] = "setFieldOptions",
        [RemoveField] = null,
        [IncrementField] = "incrementFieldOptions",
        [AppendToArray] = "appendToArrayOptions",
        [RemoveFromArray] = "removeFromArrayOptions",
    };

    /// <summary>Fields the adaptor keeps: never patched.</summary>
    private static readonly HashSet<string> SystemFields = new(StringComparer.Ordinal) { "_id", "_createdDate", "_updatedDate", "_owner" };

    /// <summary>Field types whose values are JSON objects, so that a dotted path may lead into them.</summary>
    private static readonly HashSet<string> ObjectTypes = new(StringComparer.Ordinal) { FieldTypes.Object, FieldTypes.Address, FieldTypes.RichContent, FieldTypes.Any };

    /// <summary>Field types whose values are arrays: the array modifiers change only these (or an array at a dotted path).</summary>
    private static readonly HashSet<string> ArrayTypes = new(StringComparer.Ordinal) { FieldTypes.Array, FieldTypes.ArrayString, FieldTypes.ArrayDocument, FieldTypes.MediaGallery };

    /// <summary>
    /// Reads <c>{dataItemId, fieldModifications}</c> at <paramref name="path"/> (<c>patch</c>, <c>patches[3]</c>); every
    /// mistake is a 400 naming the member (<c>patch.fieldModifications[1].fieldPath</c>).
    /// </summary>
    public static ItemPatch Read(JsonNode? node, string path, JsonObject schema)
    {
        if (node is not JsonObject patch)
        {
            throw GatewayException.Invalid(path, node is null ? "is required" : "must be an object", node is null ? "REQUIRED" : "FORMAT");
        }
        var id = GatewayRequest.RequiredString(patch, "dataItemId", path + ".dataItemId");
        if (id.Length > 128)
        {
            throw GatewayException.Invalid(path + ".dataItemId", "must be 1 to 128 characters", "MAX_LENGTH");
        }
        if (patch["fieldModifications"] is not JsonArray modifications || modifications.Count == 0)
        {
            throw GatewayException.Invalid(path + ".fieldModifications", "must be a non-empty array", patch["fieldModifications"] is null ? "REQUIRED" : "FORMAT");
        }
        if (modifications.Count > MaxModifications)
        {
            throw GatewayException.Invalid(path + ".fieldModifications", $"must hold at most {MaxModifications} modifications", "MAX_LENGTH");
        }
        var fields = (schema["fields"] as JsonArray)?.OfType<JsonObject>().ToList();
        return new ItemPatch(id, new JsonArray([.. modifications.Select((m, i) => (JsonNode?)ReadModification(m, $"{path}.fieldModifications[{i}]", fields))]));
    }

    private static JsonObject ReadModification(JsonNode? node, string path, List<JsonObject>? fields)
    {
        if (node is not JsonObject modification)
        {
            throw GatewayException.Invalid(path, "must be an object", "FORMAT");
        }
        var action = GatewayRequest.RequiredString(modification, "action", path + ".action");
        if (!Actions.TryGetValue(action, out var options))
        {
            throw GatewayException.Invalid(path + ".action", $"must be one of {string.Join(", ", Actions.Keys)}", "FORMAT");
        }
        var fieldPath = GatewayRequest.RequiredString(modification, "fieldPath", path + ".fieldPath");
        var top = fieldPath.Split('.')[0];
        if (SystemFields.Contains(fieldPath) || SystemFields.Contains(top))
        {
            throw GatewayException.Invalid(path + ".fieldPath", $"'{top}' is a system field, which cannot be patched");
        }
        // A field whose own name holds a dot wins over a path into another field.
        var field = fields?.FirstOrDefault(f => JsonRead.Text(f["key"]) == fieldPath) ?? fields?.FirstOrDefault(f => JsonRead.Text(f["key"]) == top);
        if (fields is { Count: > 0 } && field is null)
        {
            throw GatewayException.Invalid(path + ".fieldPath", $"the collection has no field '{top}'");
        }
        var type = JsonRead.Text(field?["type"]);
        var nested = field is not null && JsonRead.Text(field["key"]) != fieldPath;
        if (type == FieldTypes.MultiReference)
        {
            throw GatewayException.Invalid(path + ".fieldPath", $"'{top}' is a MULTI_REFERENCE field: change its references with the reference calls");
        }
        if (nested && type is not null && !ObjectTypes.Contains(type))
        {
            throw GatewayException.Invalid(path + ".fieldPath", $"'{top}' is a {type} field: a dotted path leads only into OBJECT, ADDRESS, RICH_CONTENT or ANY fields");
        }
        if (action is AppendToArray or RemoveFromArray && !nested && type is not null && !ArrayTypes.Contains(type))
        {
            throw GatewayException.Invalid(path + ".fieldPath", $"'{fieldPath}' is a {type} field: {action} needs an array field ({string.Join(", ", ArrayTypes)}) or an array at a dotted path");
        }
        var normalized = new JsonObject { ["action"] = action, ["fieldPath"] = fieldPath };
        if (options is null)
        {
            return normalized;
        }
        if (modification[options] is not JsonObject holder || !holder.TryGetPropertyValue("value", out var value))
        {
            throw GatewayException.Invalid($"{path}.{options}.value", $"is required for {action}", "REQUIRED");
        }
        if (action == IncrementField)
        {
            if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number)
            {
                throw GatewayException.Invalid($"{path}.{options}.value", "must be a number", "FORMAT");
            }
            if (!nested && type is not null && type != FieldTypes.Number)
            {
                throw GatewayException.Invalid(path + ".fieldPath", $"'{fieldPath}' is a {type} field: INCREMENT_FIELD needs a NUMBER field");
            }
        }
        normalized[options] = new JsonObject { ["value"] = value?.DeepClone() };
        return normalized;
    }

    /// <summary>
    /// Applies checked modifications to <paramref name="item"/>, in order, as the adaptor's extension does: objects
    /// missing on a path are made, a missing number counts as 0, a missing array as empty. Answers why not when the item
    /// holds a value of another type where a number or an array is needed (the item is then left as it was read).
    /// </summary>
    public static string? Apply(JsonObject item, JsonArray modifications)
    {
        foreach (var modification in modifications.OfType<JsonObject>())
        {
            var action = JsonRead.Text(modification["action"])!;
            var fieldPath = JsonRead.Text(modification["fieldPath"])!;
            var value = Actions[action] is { } options ? modification[options]?["value"] : null;
            string[] keys = item.ContainsKey(fieldPath) ? [fieldPath] : fieldPath.Split('.');
            var parent = Parent(item, keys, create: action is SetField or IncrementField or AppendToArray);
            if (parent is null)
            {
                continue;
            }
            var key = keys[^1];
            var current = parent[key];
            switch (action)
            {
                case SetField:
                    parent[key] = value?.DeepClone();
                    break;
                case RemoveField:
                    parent.Remove(key);
                    break;
                case IncrementField:
                    if (current is not null && (current is not JsonValue n || n.GetValueKind() != JsonValueKind.Number))
                    {
                        return $"{fieldPath} holds {Kind(current)}, not a number: INCREMENT_FIELD cannot add to it";
                    }
                    parent[key] = Add(current, value!);
                    break;
                case AppendToArray:
                    if (current is null)
                    {
                        parent[key] = new JsonArray(value?.DeepClone());
                    }
                    else if (current is JsonArray array)
                    {
                        array.Add(value?.DeepClone());
                    }
                    else
                    {
                        return $"{fieldPath} holds {Kind(current)}, not an array: APPEND_TO_ARRAY cannot add to it";
                    }
                    break;
                case RemoveFromArray:
                    if (current is JsonArray elements)
                    {
                        foreach (var equal in elements.Where(e => JsonNode.DeepEquals(e, value)).ToList())
                        {
                            elements.Remove(equal);
                        }
                    }
                    else if (current is not null)
                    {
                        return $"{fieldPath} holds {Kind(current)}, not an array: REMOVE_FROM_ARRAY cannot remove from it";
                    }
                    break;
            }
        }
        return null;
    }

    /// <summary>The object that holds the last key of <paramref name="keys"/>; null when it is missing and not made.</summary>
    private static JsonObject? Parent(JsonObject item, string[] keys, bool create)
    {
        var current = item;
        foreach (var key in keys[..^1])
        {
            if (current[key] is JsonObject next)
            {
                current = next;
            }
            else if (create)
            {
                next = new JsonObject();
                current[key] = next;
                current = next;
            }
            else
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>The sum, exact in decimal; a whole number is written as one.</summary>
    private static JsonNode Add(JsonNode? current, JsonNode increment)
    {
        static decimal Read(JsonNode? node) => node is null ? 0m
            : decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : (decimal)(JsonRead.Number(node) ?? 0);
        decimal sum;
        try
        {
            sum = Read(current) + Read(increment);
        }
        catch (OverflowException)
        {
            return JsonValue.Create((JsonRead.Number(current) ?? 0) + (JsonRead.Number(increment) ?? 0));
        }
        return sum == decimal.Truncate(sum) && Math.Abs(sum) < 9e15m ? JsonValue.Create((long)sum) : JsonValue.Create(sum);
    }

    private static string Kind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "a value",
    };
}
