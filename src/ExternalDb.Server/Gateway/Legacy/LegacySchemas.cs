using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Gateway.Legacy;

/// <summary>Legacy schemas (fields as a map, lower-case types) as V3 collections, and V3 field types as legacy columns.</summary>
public static class LegacySchemas
{
    /// <summary>Fields every legacy collection has; never added or removed by the gateway.</summary>
    public static readonly IReadOnlySet<string> SystemFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "_id", "_createdDate", "_updatedDate", "_owner",
    };

    private static readonly Dictionary<string, string> QueryOperators = new(StringComparer.OrdinalIgnoreCase)
    {
        ["eq"] = "EQ", ["ne"] = "NE", ["lt"] = "LT", ["lte"] = "LTE", ["gt"] = "GT", ["gte"] = "GTE",
        ["hasSome"] = "HAS_SOME", ["contains"] = "CONTAINS", ["startsWith"] = "STARTS_WITH", ["endsWith"] = "ENDS_WITH",
        ["urlized"] = "URLIZED", ["hasAll"] = "HAS_ALL", ["exists"] = "EXISTS",
    };

    private static readonly HashSet<string> TextLike = new(StringComparer.Ordinal)
    {
        "TEXT", "RICH_TEXT", "URL", "IMAGE", "DOCUMENT", "VIDEO", "AUDIO", "LANGUAGE", "TIME", "PAGE_LINK",
    };

    /// <summary>The ExternalDb extension name in <c>allowedSchemaOperations</c>: <c>/data/references/*</c> are served.</summary>
    public const string ReferenceOperations = "referenceOperations";

    /// <summary>
    /// What a V2 adaptor can do to schemas, from <c>allowedSchemaOperations</c> of its schemas and (an ExternalDb
    /// extension) of its <c>/provision</c> answer: <c>createCollection</c> or <c>addColumn</c> → modifications with the
    /// legacy field types; <c>referenceOperations</c> adds REFERENCE and MULTI_REFERENCE.
    /// </summary>
    public static (bool Modifiable, IReadOnlyList<string> FieldTypes) Capabilities(IEnumerable<JsonObject> sources)
    {
        var operations = sources.SelectMany(s => s["allowedSchemaOperations"] as JsonArray ?? []).Select(LegacyJson.String).ToHashSet(StringComparer.Ordinal);
        if (!operations.Contains("createCollection") && !operations.Contains("addColumn"))
        {
            return (false, []);
        }
        var references = operations.Contains(ReferenceOperations);
        return (true, [.. FieldTypes.V3.Where(t => LegacyFieldTypes.AsFieldTypes.Contains(t) || (references && t is "REFERENCE" or "MULTI_REFERENCE"))]);
    }

    /// <summary>A legacy schema as a V3 collection.</summary>
    public static JsonObject ToCollection(JsonObject schema, ProtocolVersion version, string path)
    {
        var id = LegacyJson.String(schema["id"]) ?? throw LegacyJson.BadAnswer(path, "has a schema without a string 'id'");
        var fields = new JsonArray();
        switch (schema["fields"])
        {
            case null:
                break;
            case JsonObject map:
                foreach (var (key, spec) in map)
                {
                    if (spec is JsonObject field && !LegacyJson.Boolean(field["isDeleted"]))
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
        Allow("QUERY", operations.Contains("find") || operations.Contains("get"));
        Allow("COUNT", operations.Contains("count"));
        Allow("AGGREGATE", version == ProtocolVersion.V2 && schemaOperations.Contains("aggregate"));
        Allow("INSERT", operations.Contains("insert") || operations.Contains("bulkInsert"));
        Allow("UPDATE", operations.Contains("update") || operations.Contains("bulkUpdate"));
        Allow("REMOVE", remove);
        Allow("TRUNCATE", schemaOperations.Contains("truncate") || (version == ProtocolVersion.V1 && remove));
        var references = version == ProtocolVersion.V2 && schemaOperations.Contains(ReferenceOperations);
        Allow("QUERY_REFERENCED", references);
        Allow("INSERT_REFERENCES", references && (operations.Contains("insert") || operations.Contains("bulkInsert")));
        Allow("REMOVE_REFERENCES", references && remove);

        return new JsonObject
        {
            ["id"] = id,
            ["displayName"] = LegacyJson.String(schema["displayName"]) ?? id,
            ["fields"] = fields,
            ["capabilities"] = new JsonObject { ["dataOperations"] = LegacyJson.Strings(dataOperations) },
            ["pagingMode"] = "OFFSET",
            ["maxPageSize"] = LegacyJson.Integer(schema["maxPageSize"]) is { } max and > 0 ? max : LegacyPaging.DefaultLimit,
        };
    }

    private static JsonObject ToField(string key, JsonObject spec)
    {
        var type = FieldTypes.FromLegacy(LegacyJson.String(spec["type"])) ?? "OBJECT";
        var operators = (spec["queryOperators"] as JsonArray ?? [])
            .Select(o => LegacyJson.String(o) is { } name && QueryOperators.TryGetValue(name, out var v3) ? v3 : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        var field = new JsonObject
        {
            ["key"] = key,
            ["displayName"] = LegacyJson.String(spec["displayName"]) ?? key,
            ["type"] = type,
            ["capabilities"] = new JsonObject
            {
                ["sortable"] = type is not ("OBJECT" or "IMAGE" or "MULTI_REFERENCE"),
                ["queryOperators"] = LegacyJson.Strings(operators),
            },
            ["encrypted"] = false,
        };
        if (LegacyJson.String(spec["referencedCollectionId"]) is { } referenced)
        {
            var options = type == "MULTI_REFERENCE" ? "multiReferenceOptions" : "singleReferenceOptions";
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
        LegacyJson.String(field["typeOptions"]?["multiReferenceOptions"]?["referencedCollectionId"])
        ?? LegacyJson.String(field["typeOptions"]?["singleReferenceOptions"]?["referencedCollectionId"])
        ?? LegacyJson.String(field["multiReferenceOptions"]?["referencedCollectionId"])
        ?? LegacyJson.String(field["singleReferenceOptions"]?["referencedCollectionId"]);

    /// <summary>The legacy column type (and subtype) a V3 field type is stored as.</summary>
    public static (string Type, string? Subtype) ColumnType(string type) => type.ToUpperInvariant() switch
    {
        var t when TextLike.Contains(t) => ("text", "string"),
        "NUMBER" => ("number", "double"),
        "BOOLEAN" => ("boolean", null),
        "DATETIME" => ("datetime", "datetime"),
        "DATE" => ("datetime", "date"),
        "REFERENCE" => ("reference", null),
        "MULTI_REFERENCE" => ("multi_reference", null),
        _ => ("object", null),
    };

    private static HashSet<string> Names(JsonNode? node) =>
        new((node as JsonArray ?? []).Select(LegacyJson.String).OfType<string>(), StringComparer.OrdinalIgnoreCase);
}
