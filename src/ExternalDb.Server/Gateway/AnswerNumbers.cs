using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// Numbers an adaptor answers as strings, as JSON numbers: where the collection's schema says NUMBER (items, grouping
/// values, distinct values), in aggregation results that are numbers whatever the adaptor's storage (counts; sums,
/// averages, minima and maxima of NUMBER fields), counts and paging numbers. Wix's own adaptor on PostgreSQL answers
/// numeric columns, sums and counts as the database driver gives them: strings (<c>"3"</c>).
/// </summary>
internal static class AnswerNumbers
{
    private static readonly string[] Accumulators = ["average", "min", "max", "sum"];

    /// <summary>Normalizes <paramref name="answer"/> (the V3 answer to <paramref name="operation"/>) in place and returns it.</summary>
    public static JsonObject Normalize(string operation, JsonObject request, JsonObject answer, JsonObject? schema)
    {
        var numbers = NumberFields(schema);
        switch (operation)
        {
            case AdaptorOperations.Query:
                foreach (var item in (answer["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Fields(item, numbers);
                }
                break;
            case AdaptorOperations.Insert or AdaptorOperations.Update or AdaptorOperations.Remove or AdaptorOperations.Patch:
                foreach (var result in (answer["results"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (result["item"] is JsonObject item)
                    {
                        Fields(item, numbers);
                    }
                }
                break;
            case AdaptorOperations.Aggregate:
                var rowNumbers = new HashSet<string>(numbers, StringComparer.Ordinal);
                rowNumbers.IntersectWith((JsonRead.Member(request["aggregation"], "groupingFields") as JsonArray ?? []).Select(JsonRead.Text).OfType<string>());
                foreach (var op in (JsonRead.Member(request["aggregation"], "operations") as JsonArray ?? []).OfType<JsonObject>())
                {
                    var over = Accumulators.Select(a => JsonRead.Text(JsonRead.Member(op[a], "itemFieldName"))).FirstOrDefault(f => f is not null);
                    if (JsonRead.Text(op["resultFieldName"]) is { } result && (op.ContainsKey("count") || (over is not null && numbers.Contains(over))))
                    {
                        rowNumbers.Add(result);
                    }
                }
                foreach (var row in (answer["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    Fields(row, rowNumbers);
                }
                break;
            case AdaptorOperations.Count:
                Set(answer, "totalCount");
                break;
            case AdaptorOperations.QueryDistinctValues when JsonRead.Text(request["fieldName"]) is { } field && numbers.Contains(field):
                if (answer["distinctValues"] is JsonArray values)
                {
                    for (var i = 0; i < values.Count; i++)
                    {
                        if (Number(values[i]) is { } n)
                        {
                            values[i] = n;
                        }
                    }
                }
                break;
        }
        if (answer["pagingMetadata"] is JsonObject paging)
        {
            Fields(paging, ["count", "offset", "total"]);
        }
        return answer;
    }

    private static HashSet<string> NumberFields(JsonObject? schema) =>
        new((schema?["fields"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(f => JsonRead.Text(f["type"]) == FieldTypes.Number)
            .Select(f => JsonRead.Text(f["key"])).OfType<string>(), StringComparer.Ordinal);

    private static void Fields(JsonObject o, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            Set(o, key);
        }
    }

    private static void Set(JsonObject o, string key)
    {
        if (Number(o[key]) is { } n)
        {
            o[key] = n;
        }
    }

    /// <summary>The number a JSON string holds (whole numbers stay whole), or null for anything else.</summary>
    private static JsonNode? Number(JsonNode? node) => JsonRead.Text(node) is not { } text ? null
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? JsonValue.Create(whole)
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real) ? JsonValue.Create(real)
        : null;
}
