using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>Collections and fields on the wire (V3 collections, legacy schemas).</summary>
internal static class CollectionJson
{
    /// <summary>A V3 collection; <paramref name="permissions"/> (from <c>Adaptor:Permissions</c>) when configured.</summary>
    public static JsonObject V3(CollectionInfo c, bool readOnly, JsonObject? permissions)
    {
        var writable = c.IsWritable && !readOnly;
        var json = new JsonObject
        {
            ["id"] = c.Id,
            ["displayName"] = c.DisplayName ?? c.Id,
            ["fields"] = new JsonArray([.. c.Fields.Select(V3Field)]),
            ["capabilities"] = new JsonObject
            {
                ["dataOperations"] = new JsonArray([.. (writable ? DataOperations.All : DataOperations.Reads).Select(o => (JsonNode)o)]),
                ["fieldTypes"] = new JsonArray([.. FieldTypes.V3.Select(t => (JsonNode)t)]),
                ["collectionOperations"] = new JsonArray([.. (readOnly || c.IsView ? [] : new[] { "UPDATE", "REMOVE" }).Select(o => (JsonNode)o)]),
                ["referenceCapabilities"] = new JsonObject { ["supportedNamespaces"] = new JsonArray() },
                ["indexing"] = new JsonArray([.. (c.IsWritable && !readOnly ? new[] { "LIST", "CREATE", "REMOVE" } : ["LIST"]).Select(o => (JsonNode)o)]),
                ["encryption"] = "NOT_SUPPORTED",
            },
            ["pagingMode"] = "OFFSET",
            ["maxPageSize"] = PagingLimits.MaxPageSize,
        };
        if (permissions is not null)
        {
            json["permissions"] = permissions;
        }
        return json;
    }

    private static JsonObject V3Field(FieldInfo f)
    {
        var field = new JsonObject
        {
            ["key"] = f.Key,
            ["displayName"] = f.DisplayName ?? f.Key,
            ["type"] = f.Type,
            ["encrypted"] = false,
            ["capabilities"] = new JsonObject
            {
                ["sortable"] = FieldTypeMap.IsSortable(f),
                ["queryOperators"] = new JsonArray([.. FieldTypeMap.QueryOperators(f).Select(o => (JsonNode)o)]),
            },
        };
        if (FieldTypeMap.HasNestedPaths(f))
        {
            // ExternalDb extension: "field.key" paths into the field's objects can be filtered, sorted, projected, grouped.
            field["capabilities"]!["nestedPaths"] = new JsonObject
            {
                ["sortable"] = true,
                ["queryOperators"] = new JsonArray([.. FieldTypeMap.NestedQueryOperators.Select(o => (JsonNode)o)]),
            };
        }
        if (FieldTypes.IsReference(f.Type))
        {
            var name = f.Type == "REFERENCE" ? "singleReferenceOptions" : "multiReferenceOptions";
            var options = new JsonObject { ["referencedCollectionId"] = f.ReferencedCollectionId };
            field[name] = options;
            field["typeOptions"] = new JsonObject { [name] = options.DeepClone() };
        }
        return field;
    }

    /// <summary>Reads a V3 field definition; reference options may sit on the field or under <c>typeOptions</c>.</summary>
    public static FieldSpec ParseV3Field(JsonNode? node, string path)
    {
        if (node is not JsonObject f)
        {
            throw AdaptorException.Validation(path, "A field is an object {key, type}", node);
        }
        var key = QueryParsing.RequiredString(f["key"], path + ".key");
        var type = (QueryParsing.OptionalString(f["type"], path + ".type") ?? "TEXT").ToUpperInvariant();
        var typeOptions = QueryParsing.OptionalObject(f["typeOptions"], path + ".typeOptions");
        string? Referenced(JsonObject? holder, string holderPath, string name) =>
            QueryParsing.OptionalString(QueryParsing.OptionalObject(holder?[name], $"{holderPath}.{name}")?["referencedCollectionId"],
                $"{holderPath}.{name}.referencedCollectionId");
        var referenced = Referenced(f, path, "multiReferenceOptions")
            ?? Referenced(f, path, "singleReferenceOptions")
            ?? Referenced(f, path, "referenceOptions")
            ?? Referenced(typeOptions, path + ".typeOptions", "multiReferenceOptions")
            ?? Referenced(typeOptions, path + ".typeOptions", "singleReferenceOptions");
        return new FieldSpec(key, type, QueryParsing.OptionalString(f["displayName"], path + ".displayName"), referenced);
    }

    /// <summary>The index limits of <c>/v3/capabilities/get</c> (<c>indexOptions</c>); creation is refused beyond them.</summary>
    public static JsonObject IndexOptions(bool readOnly) => new()
    {
        ["supportsIndexes"] = !readOnly,
        ["maxNumberOfRegularIndexesPerCollection"] = IndexLimits.Regular,
        ["maxNumberOfUniqueIndexesPerCollection"] = IndexLimits.Unique,
        ["maxNumberOfIndexesPerCollection"] = IndexLimits.Total,
    };

    /// <summary>The ExternalDb extensions of <c>/v3/capabilities/get</c> (<c>externalDb</c>).</summary>
    public static JsonObject Extensions(bool readOnly) => new()
    {
        [AdaptorExtensions.Patch] = !readOnly,
        ["fieldTypeChanges"] = !readOnly,
        ["nestedPathIndexes"] = !readOnly,
        ["caseInsensitiveIndexes"] = !readOnly,
    };

    /// <summary>What the adaptor can do to schemas (legacy <c>allowedSchemaOperations</c>); also sent by <c>/provision</c>.</summary>
    public static IReadOnlyList<string> SchemaOperations(bool readOnly) => readOnly
        ? ["list", "listHeaders", "describeCollection", "findWithSort", "aggregate", "projection", "matches", "not", "startWithCaseInsensitive",
           LegacyPaths.ReferenceOperations, LegacyPaths.IndexOperations]
        : ["list", "listHeaders", "createCollection", "dropCollection", "addColumn", "removeColumn", "describeCollection", "findWithSort",
           "aggregate", "bulkDelete", "truncate", "updateImmediately", "deleteImmediately", "startWithCaseInsensitive", "projection", "matches", "not",
           LegacyPaths.ReferenceOperations, LegacyPaths.SchemasDeleteOperation, LegacyPaths.IndexOperations, LegacyPaths.PatchOperation];

    public static JsonObject LegacySchema(CollectionInfo c, bool readOnly)
    {
        var writable = c.IsWritable && !readOnly;
        var fields = new JsonObject();
        foreach (var f in c.Fields)
        {
            if (FieldTypeMap.LegacyType(f) is not { } type)
            {
                continue;
            }
            var spec = new JsonObject
            {
                ["displayName"] = f.DisplayName ?? f.Key,
                ["type"] = type,
                ["queryOperators"] = new JsonArray([.. FieldTypeMap.LegacyQueryOperators(f).Select(o => (JsonNode)o)]),
            };
            if (f.ReferencedCollectionId is not null)
            {
                // ExternalDb extension: where a reference field points.
                spec["referencedCollectionId"] = f.ReferencedCollectionId;
            }
            if (FieldTypeMap.HasNestedPaths(f))
            {
                // ExternalDb extension, as in V3: "field.key" paths into the field's objects.
                spec["nestedPaths"] = new JsonObject
                {
                    ["sortable"] = true,
                    ["queryOperators"] = new JsonArray([.. FieldTypeMap.LegacyNestedQueryOperators.Select(o => (JsonNode)o)]),
                };
            }
            fields[f.Key] = spec;
        }
        string[] operations = writable
            ? ["get", "find", "count", "update", "insert", "remove", "bulkRemove", "bulkInsert", "bulkUpdate", "aggregate", "truncate"]
            : ["get", "find", "count", "aggregate"];
        var schemaOperations = SchemaOperations(readOnly);
        return new JsonObject
        {
            ["id"] = c.Id,
            ["displayName"] = c.DisplayName ?? c.Id,
            ["allowedOperations"] = new JsonArray([.. operations.Select(o => (JsonNode)o)]),
            ["allowedSchemaOperations"] = new JsonArray([.. schemaOperations.Select(o => (JsonNode)o)]),
            ["maxPageSize"] = PagingLimits.MaxPageSize,
            ["ttl"] = 3600,
            ["fields"] = fields,
        };
    }
}
