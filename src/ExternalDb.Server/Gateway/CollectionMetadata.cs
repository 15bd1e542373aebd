using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// What the gateway keeps of a Wix collection beyond its adaptor (stored by <see cref="Storage.CollectionMetadataStore"/>):
/// <c>{displayName?, permissions?, fields: {key: {displayName?, typeMetadata?}}}</c>. What a caller set through the
/// gateway wins over what the adaptor reports; what was never set comes from the adaptor (or Wix's defaults).
/// </summary>
internal static class CollectionMetadata
{
    /// <summary>Wix's roles, the values of each of <c>permissions.insert|update|remove|read</c>.</summary>
    public static readonly IReadOnlyList<string> Roles = ["ADMIN", "SITE_MEMBER_AUTHOR", "SITE_MEMBER", "ANYONE"];

    private static readonly string[] Actions = ["insert", "update", "remove", "read"];

    /// <summary>Where each field type keeps its details in Wix's <c>typeMetadata</c>.</summary>
    private static string? TypeMetadataKey(string? type) => type switch
    {
        FieldTypes.Reference => "reference",
        FieldTypes.MultiReference => "multiReference",
        FieldTypes.Object => "object",
        FieldTypes.Array => "array",
        FieldTypes.PageLink => "pageLink",
        _ => null,
    };

    /// <summary>
    /// Checks <c>permissions</c> (at <paramref name="path"/>): an object whose actions are each one of <see cref="Roles"/>;
    /// all four when <paramref name="complete"/>. Null when absent.
    /// </summary>
    public static JsonObject? ReadPermissions(JsonNode? node, string path, bool complete)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject permissions)
        {
            throw GatewayException.Invalid(path, "must be an object {insert, update, remove, read}", "FORMAT");
        }
        var result = new JsonObject();
        foreach (var action in Actions)
        {
            switch (permissions[action])
            {
                case null when complete:
                    throw GatewayException.Invalid($"{path}.{action}", $"is required: one of {string.Join(", ", Roles)}", "REQUIRED");
                case null:
                    break;
                case JsonValue v when v.TryGetValue<string>(out var role) && Roles.Contains(role):
                    result[action] = role;
                    break;
                default:
                    throw GatewayException.Invalid($"{path}.{action}", $"must be one of {string.Join(", ", Roles)}", "OTHER");
            }
        }
        return result;
    }

    /// <summary>The metadata a whole Wix collection (as sent on create or update) sets: a full replacement.</summary>
    public static JsonObject FromCollection(JsonObject collection, JsonObject? permissions)
    {
        var metadata = new JsonObject();
        if (JsonRead.Text(collection["displayName"]) is { } displayName)
        {
            metadata["displayName"] = displayName;
        }
        if (permissions is not null)
        {
            metadata["permissions"] = permissions.DeepClone();
        }
        var fields = new JsonObject();
        foreach (var field in (collection["fields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonRead.Text(field["key"]) is { } key && OfField(field) is { } kept)
            {
                fields[key] = kept;
            }
        }
        metadata["fields"] = fields;
        return metadata;
    }

    /// <summary>What is kept of one Wix field as sent: its display name and type details; null when neither was sent.</summary>
    public static JsonObject? OfField(JsonObject field)
    {
        var kept = new JsonObject();
        if (JsonRead.Text(field["displayName"]) is { } displayName)
        {
            kept["displayName"] = displayName;
        }
        // The referenced collection is the adaptor's to keep; the rest (referencingFieldKey, ...) is kept here.
        if (field["typeMetadata"] is JsonObject typeMetadata && TypeMetadataKey(JsonRead.Text(field["type"])) is { } member
            && typeMetadata[member] is JsonObject details && details.Where(p => p.Key != "referencedCollectionId").ToList() is { Count: > 0 } rest)
        {
            kept["typeMetadata"] = new JsonObject { [member] = new JsonObject(rest.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))) };
        }
        return kept.Count == 0 ? null : kept;
    }

    /// <summary>Whether <paramref name="metadata"/> keeps nothing (then no row is stored, and revisions are the adaptor's alone).</summary>
    public static bool IsEmpty(JsonObject? metadata) =>
        metadata is null || (metadata["displayName"] is null && metadata["permissions"] is null && (metadata["fields"] as JsonObject)?.Count is null or 0);

    /// <summary>Sets (<paramref name="kept"/>) or forgets (null) what is kept of one field.</summary>
    public static JsonObject WithField(JsonObject? metadata, string key, JsonObject? kept)
    {
        metadata ??= [];
        if (metadata["fields"] is not JsonObject fields)
        {
            fields = [];
            metadata["fields"] = fields;
        }
        if (kept is null)
        {
            fields.Remove(key);
        }
        else
        {
            fields[key] = kept;
        }
        return metadata;
    }

    /// <summary>What is kept of one field after a patch: the patch's display name and type details over what was kept.</summary>
    public static JsonObject? PatchField(JsonObject? metadata, string key, JsonObject patch, string type)
    {
        var kept = (metadata?["fields"]?[key] as JsonObject)?.DeepClone().AsObject() ?? [];
        if (patch["displayName"] is { } displayName)
        {
            kept["displayName"] = displayName.DeepClone();
        }
        if (patch["typeMetadata"] is JsonObject typeMetadata && TypeMetadataKey(type) is { } member && typeMetadata[member] is JsonObject details)
        {
            var merged = (kept["typeMetadata"]?[member] as JsonObject)?.DeepClone().AsObject() ?? [];
            foreach (var (name, value) in details.Where(p => p.Key != "referencedCollectionId"))
            {
                merged[name] = value?.DeepClone();
            }
            kept["typeMetadata"] = new JsonObject { [member] = merged };
        }
        return kept.Count == 0 ? null : kept;
    }

    /// <summary>Lays what is kept over a Wix DataCollection made from the adaptor's answer.</summary>
    public static void Overlay(JsonObject wix, JsonObject? metadata)
    {
        if (metadata is null)
        {
            return;
        }
        if (metadata["displayName"] is { } displayName)
        {
            wix["displayName"] = displayName.DeepClone();
        }
        if (metadata["permissions"] is JsonObject permissions && wix["permissions"] is JsonObject current)
        {
            foreach (var (action, role) in permissions)
            {
                current[action] = role?.DeepClone();
            }
        }
        if (metadata["fields"] is not JsonObject kept)
        {
            return;
        }
        foreach (var field in (wix["fields"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonRead.Text(field["key"]) is not { } key || kept[key] is not JsonObject fieldMetadata)
            {
                continue;
            }
            if (fieldMetadata["displayName"] is { } fieldDisplayName)
            {
                field["displayName"] = fieldDisplayName.DeepClone();
            }
            // Details sent for the field's type (referencingFieldKey, ...) under what the adaptor says (referencedCollectionId).
            if (TypeMetadataKey(JsonRead.Text(field["type"])) is { } member && fieldMetadata["typeMetadata"]?[member] is JsonObject sent)
            {
                var typeMetadata = field["typeMetadata"] as JsonObject ?? [];
                var merged = (typeMetadata[member] as JsonObject)?.DeepClone().AsObject() ?? [];
                foreach (var (name, value) in sent.Where(p => !merged.ContainsKey(p.Key)))
                {
                    merged[name] = value?.DeepClone();
                }
                typeMetadata[member] = merged;
                field["typeMetadata"] = typeMetadata;
            }
        }
    }
}
