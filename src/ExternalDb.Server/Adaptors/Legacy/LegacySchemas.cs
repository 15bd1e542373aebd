using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>Legacy schemas (fields as a map, lower-case types) as V3 collections, and V3 field types as legacy columns.</summary>
internal static class LegacySchemas
{
    /// <summary>Fields every legacy collection has; never added or removed by the gateway.</summary>
    public static IReadOnlySet<string> SystemFields => ExternalDb.Protocol.SystemFields.Keys;

    private static readonly HashSet<string> TextLike = new(StringComparer.Ordinal)
    {
        FieldTypes.Text, FieldTypes.RichText, FieldTypes.Url, FieldTypes.Image, FieldTypes.Document, FieldTypes.Video,
        FieldTypes.Audio, FieldTypes.Language, FieldTypes.Time, FieldTypes.PageLink,
    };

    /// <summary>
    /// What a V2 adaptor can do to schemas, from <c>allowedSchemaOperations</c> of its schemas and (an ExternalDb
    /// extension) of its <c>/provision</c> answer: <c>createCollection</c> or <c>addColumn</c> → modifications with the
    /// legacy field types; <c>referenceOperations</c> adds REFERENCE and MULTI_REFERENCE.
    /// </summary>
    public static (bool Modifiable, IReadOnlyList<string> FieldTypes) Capabilities(IEnumerable<JsonObject> sources)
    {
        var operations = sources.SelectMany(s => s["allowedSchemaOperations"] as JsonArray ?? []).Select(JsonRead.Text).ToHashSet(StringComparer.Ordinal);
        if (!operations.Contains("createCollection") && !operations.Contains("addColumn"))
        {
            return (false, []);
        }
        var references = operations.Contains(LegacyPaths.ReferenceOperations);
        return (true, [.. FieldTypes.V3.Where(t => LegacyFieldTypes.AsFieldTypes.Contains(t) || (references && FieldTypes.IsReference(t)))]);
    }

    /// <summary>
    /// Whether a V2 adaptor serves <c>/data/patch</c> (an ExternalDb extension): a schema lists
    /// <see cref="LegacyPaths.PatchOperation"/> in its <c>allowedSchemaOperations</c>.
    /// </summary>
    public static bool ServesPatch(IEnumerable<JsonObject> schemas) =>
        schemas.Any(s => Names(s["allowedSchemaOperations"]).Contains(LegacyPaths.PatchOperation));

    /// <summary>A legacy schema as a V3 collection.</summary>
    public static JsonObject ToCollection(JsonObject schema, ProtocolVersion version, string path)
    {
        var id = JsonRead.Text(schema["id"]) ?? throw LegacyJson.BadAnswer(path, "has a schema without a string 'id'");
        var fields = new JsonArray();
        switch (schema["fields"])
        {
            case null:
                break;
            case JsonObject map:
                foreach (var (key, spec) in map)
                {
                    if (spec is JsonObject field && !JsonRead.IsTrue(field["isDeleted"]))
                    {
                        fields.Add(ToField(key, field));
                    }
                }
                break;
            default:
                throw LegacyJson.BadAnswer(path, $"has a schema '{id}' whose 'fields' is not a map of field name to field");
        }

        var operations = Names(schema["allowedOperations"]);
        var schemaOperations = Names(schema["allowedSchemaOperations"]);
        var dataOperations = new List<string>();
        void Allow(string operation, bool allowed)
        {
            if (allowed)
            {
                dataOperations.Add(operation);
            }
        }
        var remove = operations.Contains("remove") || operations.Contains("bulkRemove");
        Allow(DataOperations.Query, operations.Contains("find") || operations.Contains("get"));
        Allow(DataOperations.Count, operations.Contains("count"));
        Allow(DataOperations.Aggregate, version == ProtocolVersion.V2 && schemaOperations.Contains("aggregate"));
        Allow(DataOperations.Insert, operations.Contains("insert") || operations.Contains("bulkInsert"));
        Allow(DataOperations.Update, operations.Contains("update") || operations.Contains("bulkUpdate"));
        Allow(DataOperations.Remove, remove);
        Allow(DataOperations.Truncate, schemaOperations.Contains("truncate") || (version == ProtocolVersion.V1 && remove));
        var references = version == ProtocolVersion.V2 && schemaOperations.Contains(LegacyPaths.ReferenceOperations);
        Allow(DataOperations.QueryReferenced, references);
        Allow(DataOperations.InsertReferences, references && (operations.Contains("insert") || operations.Contains("bulkInsert")));
        Allow(DataOperations.RemoveReferences, references && remove);

        // Changing a collection's fields is a V2 call; deleting one only our extension's (velo lists dropCollection, yet
        // serves no call for it).
        var collectionOperations = new List<string>();
        if (version == ProtocolVersion.V2 && (schemaOperations.Contains("addColumn") || schemaOperations.Contains("removeColumn")))
        {
            collectionOperations.Add(CollectionOperations.Update);
        }
        if (version == ProtocolVersion.V2 && schemaOperations.Contains(LegacyPaths.SchemasDeleteOperation))
        {
            collectionOperations.Add(CollectionOperations.Remove);
        }

        var capabilities = new JsonObject
        {
            ["dataOperations"] = LegacyJson.Strings(dataOperations),
            ["collectionOperations"] = LegacyJson.Strings(collectionOperations),
        };
        if (version == ProtocolVersion.V2 && schemaOperations.Contains(LegacyPaths.IndexOperations))
        {
            // V3's IndexingCapability: indexes are made on collections that take writes, listed on every one.
            capabilities[IndexingOperations.CapabilityName] = LegacyJson.Strings(dataOperations.Contains(DataOperations.Insert)
                ? [IndexingOperations.List, IndexingOperations.Create, IndexingOperations.Remove]
                : [IndexingOperations.List]);
        }
        return new JsonObject
        {
            ["id"] = id,
            ["displayName"] = JsonRead.Text(schema["displayName"]) ?? id,
            ["fields"] = fields,
            ["capabilities"] = capabilities,
            ["pagingMode"] = "OFFSET",
            ["maxPageSize"] = JsonRead.Integer(schema["maxPageSize"]) is { } max and > 0 ? max : PagingLimits.DefaultPageSize,
        };
    }

    private static JsonObject ToField(string key, JsonObject spec)
    {
        var type = FieldTypes.FromLegacy(JsonRead.Text(spec["type"])) ?? FieldTypes.Object;
        var operators = (spec["queryOperators"] as JsonArray ?? [])
            .Select(o => JsonRead.Text(o) is { } name ? QueryOperators.CapabilityOfLegacyName(name) : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        var field = new JsonObject
        {
            ["key"] = key,
            ["displayName"] = JsonRead.Text(spec["displayName"]) ?? key,
            ["type"] = type,
            ["capabilities"] = new JsonObject
            {
                ["sortable"] = type is not (FieldTypes.Object or FieldTypes.Image or FieldTypes.MultiReference),
                ["queryOperators"] = LegacyJson.Strings(operators),
            },
            ["encrypted"] = false,
        };
        if (JsonRead.Text(spec["referencedCollectionId"]) is { } referenced)
        {
            var options = type == FieldTypes.MultiReference ? "multiReferenceOptions" : "singleReferenceOptions";
            field["typeOptions"] = new JsonObject { [options] = new JsonObject { ["referencedCollectionId"] = referenced } };
        }
        return field;
    }

    /// <summary>
    /// The V2 column (<c>/schemas/column/add</c>) for a V3 field: text-like types are <c>text</c>/<c>string</c>, numbers
    /// <c>number</c>/<c>double</c>, DATETIME <c>datetime</c>/<c>datetime</c>, DATE <c>datetime</c>/<c>date</c>, booleans
    /// <c>boolean</c>, everything else (objects, arrays, multi-references) <c>object</c>.
    /// </summary>
    public static JsonObject ToColumn(string key, string type, string? referencedCollectionId = null)
    {
        var (columnType, subtype) = ColumnType(type);
        var column = new JsonObject { ["name"] = key, ["type"] = columnType };
        if (subtype is not null)
        {
            column["subtype"] = subtype;
        }
        if (referencedCollectionId is not null && columnType is "reference" or "multi_reference")
        {
            // ExternalDb extension: adaptors that serve references (referenceOperations) keep the target collection.
            column["referencedCollectionId"] = referencedCollectionId;
        }
        column["isPrimary"] = false;
        return column;
    }

    /// <summary>The collection a V3 reference field points at, wherever the options sit.</summary>
    public static string? ReferencedCollection(JsonObject field) =>
        JsonRead.Text(field["typeOptions"]?["multiReferenceOptions"]?["referencedCollectionId"])
        ?? JsonRead.Text(field["typeOptions"]?["singleReferenceOptions"]?["referencedCollectionId"])
        ?? JsonRead.Text(field["multiReferenceOptions"]?["referencedCollectionId"])
        ?? JsonRead.Text(field["singleReferenceOptions"]?["referencedCollectionId"]);

    /// <summary>The legacy column type (and subtype) a V3 field type is stored as.</summary>
    public static (string Type, string? Subtype) ColumnType(string type) => type.ToUpperInvariant() switch
    {
        var t when TextLike.Contains(t) => ("text", "string"),
        FieldTypes.Number => ("number", "double"),
        FieldTypes.Boolean => ("boolean", null),
        FieldTypes.DateTime => ("datetime", "datetime"),
        FieldTypes.Date => ("datetime", "date"),
        FieldTypes.Reference => ("reference", null),
        FieldTypes.MultiReference => ("multi_reference", null),
        _ => ("object", null),
    };

    private static HashSet<string> Names(JsonNode? node) =>
        new((node as JsonArray ?? []).Select(JsonRead.Text).OfType<string>(), StringComparer.OrdinalIgnoreCase);
}
