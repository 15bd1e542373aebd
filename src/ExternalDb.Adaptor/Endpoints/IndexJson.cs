using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;

namespace ExternalDb.Adaptor.Endpoints;

/// <summary>Indexes on the wire: <c>{name, fields: [{path, order}], unique, caseInsensitive, status, failure?}</c>.</summary>
internal static class IndexJson
{
    public static JsonObject Write(CollectionIndex index)
    {
        var json = new JsonObject
        {
            ["name"] = index.Definition.Name,
            ["fields"] = new JsonArray([.. index.Definition.Fields.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["order"] = f.Descending ? "DESC" : "ASC" })]),
            ["unique"] = index.Definition.Unique,
            ["caseInsensitive"] = index.Definition.CaseInsensitive,
            ["status"] = index.Status,
        };
        if (index.Failure is { } failure)
        {
            json["failure"] = new JsonObject { ["code"] = failure.Code, ["description"] = failure.Description, ["data"] = new JsonObject() };
        }
        return json;
    }

    /// <summary>The <c>index</c> of a create request; <c>status</c> and <c>failure</c> in it are ignored.</summary>
    public static IndexDefinition Read(JsonObject request)
    {
        var index = QueryParsing.RequiredObject(request["index"], "index");
        var name = QueryParsing.RequiredString(index["name"], "index.name");
        var fields = QueryParsing.OptionalArray(index["fields"], "index.fields") ?? [];
        if (fields.Count is 0 or > IndexLimits.Fields)
        {
            throw AdaptorException.Validation("index.fields", $"index.fields must hold 1 to {IndexLimits.Fields} fields", index["fields"]);
        }
        var keys = fields.Select((f, i) =>
        {
            var field = f as JsonObject ?? throw AdaptorException.Validation($"index.fields[{i}]", "An index field is {path, order}", f);
            return new IndexKey(QueryParsing.RequiredString(field["path"], $"index.fields[{i}].path"),
                QueryParsing.Descending(field["order"], $"index.fields[{i}].order"));
        }).ToList();
        if (keys.GroupBy(k => k.Path, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw AdaptorException.Validation("index.fields", $"{twice.Key} is named twice in index.fields", JsonValue.Create(twice.Key));
        }
        return new IndexDefinition(name, keys, QueryParsing.Bool(index["unique"], "index.unique"), QueryParsing.Bool(index["caseInsensitive"], "index.caseInsensitive"));
    }
}
