using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;

namespace ExternalDb.Adaptor.Query;

/// <summary>The field modifiers of Wix's Data Items patch.</summary>
internal enum PatchAction
{
    /// <summary><c>SET_FIELD</c> with <c>setFieldOptions.value</c>.</summary>
    SetField,
    /// <summary><c>REMOVE_FIELD</c>.</summary>
    RemoveField,
    /// <summary><c>INCREMENT_FIELD</c> by <c>incrementFieldOptions.value</c> (a number; missing counts as 0).</summary>
    IncrementField,
    /// <summary><c>APPEND_TO_ARRAY</c>: <c>appendToArrayOptions.value</c> becomes the array's last element.</summary>
    AppendToArray,
    /// <summary><c>REMOVE_FROM_ARRAY</c>: every element equal to <c>removeFromArrayOptions.value</c> is removed.</summary>
    RemoveFromArray,
}

/// <summary>One modification of a patch; <paramref name="Path"/> names it in errors.</summary>
internal sealed record FieldModification(PatchAction Action, string FieldPath, JsonNode? Value, string Path);

/// <summary>The modifications of one item, applied in order and all at once.</summary>
internal sealed record ItemPatch(int Index, string ItemId, IReadOnlyList<FieldModification> Modifications, string Path);

/// <summary>Reads the ExternalDb patch request: <c>{patches: [{itemId, fieldModifications: [{action, fieldPath, ...Options: {value}}]}]}</c>.</summary>
internal static class PatchParsing
{
    /// <summary>The most items one request patches (as Wix's bulk calls).</summary>
    public const int MaxPatches = 1000;

    /// <summary>The most modifications one item takes.</summary>
    public const int MaxModifications = 100;

    private static readonly (string Name, PatchAction Action, string? Options)[] Actions =
    [
        ("SET_FIELD", PatchAction.SetField, "setFieldOptions"),
        ("REMOVE_FIELD", PatchAction.RemoveField, null),
        ("INCREMENT_FIELD", PatchAction.IncrementField, "incrementFieldOptions"),
        ("APPEND_TO_ARRAY", PatchAction.AppendToArray, "appendToArrayOptions"),
        ("REMOVE_FROM_ARRAY", PatchAction.RemoveFromArray, "removeFromArrayOptions"),
    ];

    /// <summary>
    /// The patches of a request: <c>patches</c>, or a single <c>patch</c> (the shape of Wix's single-item call); an
    /// item is named by <c>itemId</c> or <c>dataItemId</c>.
    /// </summary>
    public static List<ItemPatch> Parse(JsonObject request)
    {
        JsonArray patches;
        string path;
        if (request["patches"] is not null || request["patch"] is null)
        {
            path = "patches";
            patches = QueryParsing.OptionalArray(request["patches"], path) ?? [];
        }
        else
        {
            path = "patch";
            patches = [QueryParsing.RequiredObject(request["patch"], path).DeepClone()];
        }
        if (patches.Count is 0 or > MaxPatches)
        {
            throw AdaptorException.Validation(path, $"{path} must hold 1 to {MaxPatches} patches", request[path]);
        }
        return [.. patches.Select((p, i) => ParsePatch(p, i, path == "patch" ? path : $"{path}[{i}]"))];
    }

    private static ItemPatch ParsePatch(JsonNode? node, int index, string path)
    {
        var patch = node as JsonObject ?? throw AdaptorException.Validation(path, "A patch is {itemId, fieldModifications}", node);
        var id = QueryParsing.OptionalString(patch["itemId"], path + ".itemId") ?? QueryParsing.OptionalString(patch["dataItemId"], path + ".dataItemId");
        if (string.IsNullOrEmpty(id) || id.Length > 255)
        {
            throw AdaptorException.Validation(path + ".itemId", "itemId must be a non-empty string of at most 255 characters", patch["itemId"] ?? patch["dataItemId"]);
        }
        var modifications = QueryParsing.OptionalArray(patch["fieldModifications"], path + ".fieldModifications") ?? [];
        if (modifications.Count is 0 or > MaxModifications)
        {
            throw AdaptorException.Validation(path + ".fieldModifications", $"fieldModifications must hold 1 to {MaxModifications} modifications", patch["fieldModifications"]);
        }
        return new ItemPatch(index, id, [.. modifications.Select((m, j) => ParseModification(m, $"{path}.fieldModifications[{j}]"))], path);
    }

    private static FieldModification ParseModification(JsonNode? node, string path)
    {
        var m = node as JsonObject ?? throw AdaptorException.Validation(path, "A modification is {action, fieldPath, ...}", node);
        var actionName = QueryParsing.RequiredString(m["action"], path + ".action");
        var match = Actions.FirstOrDefault(a => a.Name == actionName);
        if (match.Name is null)
        {
            throw AdaptorException.Validation(path + ".action", $"action must be one of {string.Join(", ", Actions.Select(a => a.Name))}", m["action"]);
        }
        var (_, action, options) = match;
        var fieldPath = QueryParsing.RequiredString(m["fieldPath"], path + ".fieldPath");
        JsonNode? value = null;
        if (options is not null)
        {
            var holder = QueryParsing.OptionalObject(m[options], $"{path}.{options}");
            if (holder is null || !holder.TryGetPropertyValue("value", out value))
            {
                throw AdaptorException.Validation($"{path}.{options}.value", $"{actionName} needs {options}.value");
            }
        }
        if (action == PatchAction.IncrementField && (value is not JsonValue n || n.GetValueKind() != System.Text.Json.JsonValueKind.Number))
        {
            throw AdaptorException.Validation($"{path}.{options}.value", "INCREMENT_FIELD takes a number", value);
        }
        return new FieldModification(action, fieldPath, value?.DeepClone(), path);
    }
}
