using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>A reference field whose referenced items a query or get returns in full.</summary>
/// <param name="Limit">At most this many items per item (MULTI_REFERENCE).</param>
internal sealed record ReferenceInclusion(string Field, int Limit, bool Multiple, string ReferencedCollectionId);

/// <summary>
/// Wix's <c>includeReferences</c> (and its older spellings <c>referencedItemOptions</c> and
/// <c>includeReferencedItems</c>) on query and get: a REFERENCE field's ID becomes the referenced item, a
/// MULTI_REFERENCE field the array of its referenced items.
/// </summary>
internal static class IncludedReferences
{
    /// <summary>The most fields one request includes (Wix's <c>includeReferences</c> maxSize).</summary>
    public const int MaxEntries = 100;

    /// <summary>Referenced items per item of a MULTI_REFERENCE field when no limit is given (Wix: up to 50).</summary>
    public const int DefaultLimit = 50;

    /// <summary>
    /// The fields to include, checked before any adaptor call: each must be a REFERENCE or MULTI_REFERENCE field
    /// (else a 400 naming it), and a MULTI_REFERENCE needs the collection's QUERY_REFERENCED (else 428).
    /// </summary>
    public static IReadOnlyList<ReferenceInclusion> Read(JsonObject body, JsonObject schema, ResolvedCollection target)
    {
        var entries = new List<(string Field, int? Limit, string Path)>();
        Collect(body, "includeReferences", "field", entries);
        Collect(body, "referencedItemOptions", "fieldName", entries);
        Collect(body, "includeReferencedItems", null, entries);
        if (entries.Count > MaxEntries)
        {
            throw GatewayException.Invalid(entries[MaxEntries].Path, $"at most {MaxEntries} reference fields can be included at once", "MAX_LENGTH");
        }
        var included = new List<ReferenceInclusion>();
        foreach (var (name, limit, path) in entries)
        {
            if (included.Any(i => i.Field == name))
            {
                continue;
            }
            var field = (schema["fields"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(f => JsonRead.Text(f["key"]) == name);
            var type = JsonRead.Text(field?["type"]);
            if (field is null || type is not (FieldTypes.Reference or FieldTypes.MultiReference))
            {
                throw GatewayException.Invalid(path, field is null
                    ? $"[{target.FullId}] has no field '{name}'"
                    : $"'{name}' is a {type} field of [{target.FullId}], not a REFERENCE or MULTI_REFERENCE field");
            }
            var referenced = DataReferencesService.ReferencedCollection(schema, name)
                ?? throw GatewayException.Invalid(path, $"'{name}' of [{target.FullId}] names no referenced collection");
            var multiple = type == FieldTypes.MultiReference;
            if (multiple)
            {
                CapabilityChecks.RequireOperation(schema, target, DataOperations.QueryReferenced, "QUERY_REFERENCED");
            }
            included.Add(new ReferenceInclusion(name, limit ?? DefaultLimit, multiple, referenced));
        }
        return included;
    }

    private static void Collect(JsonObject body, string member, string? nameMember, List<(string, int?, string)> entries)
    {
        switch (body[member])
        {
            case null:
                return;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var path = $"{member}[{i}]";
                    if (JsonRead.Text(array[i]) is { Length: > 0 } name)
                    {
                        entries.Add((name, null, path));
                    }
                    else if (nameMember is not null && array[i] is JsonObject entry)
                    {
                        entries.Add((GatewayRequest.RequiredString(entry, nameMember, $"{path}.{nameMember}"),
                            GatewayRequest.OptionalInt(entry["limit"], $"{path}.limit", 1, PagingLimits.MaxPageSize), path + "." + nameMember));
                    }
                    else
                    {
                        throw GatewayException.Invalid(path, nameMember is null ? "must be a field name" : $"must be {{{nameMember}, limit?}}", "FORMAT");
                    }
                }
                return;
            default:
                throw GatewayException.Invalid(member, "must be an array", "FORMAT");
        }
    }

    /// <summary>
    /// Puts the referenced items into <paramref name="rows"/>: one query per REFERENCE field (the referenced
    /// collection's items by <c>_id</c>, see <see cref="DataGateway.FindItemsAsync"/>) and one
    /// query-referenced call per item and MULTI_REFERENCE field. A REFERENCE whose item does not exist keeps its ID.
    /// A field left out by the projection (<paramref name="fields"/>) stays out.
    /// </summary>
    public static async Task ExpandAsync(DataGateway gw, ResolvedCollection target, IReadOnlyList<JsonObject> rows, IReadOnlyList<ReferenceInclusion> includes,
        JsonArray? fields, bool consistentRead, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }
        foreach (var include in includes)
        {
            if (fields is { Count: > 0 } && !fields.Any(f => JsonRead.Text(f) == include.Field))
            {
                continue;
            }
            if (include.Multiple)
            {
                foreach (var row in rows)
                {
                    if (JsonRead.Text(row["_id"]) is { } id)
                    {
                        row[include.Field] = await ReferencedItemsAsync(gw, target, id, include, consistentRead, ct);
                    }
                }
            }
            else
            {
                await ReplaceReferencesAsync(gw, target, rows, include, consistentRead, ct);
            }
        }
    }

    private static async Task ReplaceReferencesAsync(DataGateway gw, ResolvedCollection target, IReadOnlyList<JsonObject> rows, ReferenceInclusion include,
        bool consistentRead, CancellationToken ct)
    {
        var ids = rows.Select(r => ReferencedId(r[include.Field])).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return;
        }
        var referenced = await gw.ResolveAsync(target.Connection.Name + "/" + include.ReferencedCollectionId, ct);
        var found = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var item in await gw.FindItemsAsync(referenced, ids, fields: null, consistentRead, ct))
        {
            if (JsonRead.Text(item["_id"]) is { } id)
            {
                found[id] = item;
            }
        }
        foreach (var row in rows)
        {
            if (ReferencedId(row[include.Field]) is { } id && found.TryGetValue(id, out var item))
            {
                row[include.Field] = item.DeepClone();
            }
        }
    }

    private static async Task<JsonArray> ReferencedItemsAsync(DataGateway gw, ResolvedCollection target, string id, ReferenceInclusion include,
        bool consistentRead, CancellationToken ct)
    {
        var answer = await gw.CallAsync(target, AdaptorOperations.QueryReferenced, new JsonObject
        {
            ["collectionId"] = target.CollectionId,
            ["referringItemIds"] = new JsonArray(id),
            ["referencedItemIds"] = new JsonArray(),
            ["referringFieldKey"] = include.Field,
            ["order"] = "ASC",
            ["paging"] = new JsonObject { ["limit"] = include.Limit, ["offset"] = 0 },
            ["consistentRead"] = consistentRead,
            ["returnTotalCount"] = false,
            ["includeReferencedItems"] = true,
        }, ct, id);
        return new JsonArray([.. (DataReferencesService.Entries(answer) ?? []).OfType<JsonObject>()
            .Select(e => (e["referencedItem"] ?? e["item"]) as JsonObject)
            .OfType<JsonObject>()
            .Take(include.Limit)
            .Select(i => (JsonNode?)i.DeepClone())]);
    }

    /// <summary>The ID a REFERENCE field holds: the ID itself, or an item already included.</summary>
    private static string? ReferencedId(JsonNode? value) => JsonRead.Text(value) ?? JsonRead.Text(JsonRead.Member(value, "_id"));
}
