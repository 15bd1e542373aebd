using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// V3 <c>items/aggregate</c> over V2 <c>/data/aggregate</c> (a Mongo <c>$group</c>-like <c>processingStep</c>). Legacy
/// aggregation has neither sort nor paging: the gateway applies both to the rows it gets back.
/// </summary>
internal static class LegacyAggregation
{
    private static readonly (string V3, string Legacy)[] Accumulators =
        [("average", LegacyAccumulators.Avg), ("min", LegacyAccumulators.Min), ("max", LegacyAccumulators.Max), ("sum", LegacyAccumulators.Sum)];

    public static async Task<JsonObject> AggregateAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct)
    {
        if (!adaptor.IsV2)
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported, "V1 adaptors cannot aggregate.");
        }
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var aggregation = request["aggregation"] as JsonObject ?? throw LegacyJson.Invalid("'aggregation' must be an object.");
        var grouping = GroupingFields(aggregation["groupingFields"]);
        var (processingStep, resultFields) = ProcessingStep(grouping, aggregation["operations"]);
        var paging = LegacyPaging.Read(request);
        var sort = LegacyItemOperations.Sort(request["sort"]); // validated here, applied below

        const string path = LegacyPaths.Aggregate;
        var answer = await adaptor.PostAsync(path, new JsonObject
        {
            ["collectionName"] = collectionId,
            ["filter"] = adaptor.Filters.Translate(request["initialFilter"]),
            ["processingStep"] = processingStep,
            ["postFilteringStep"] = adaptor.Filters.Translate(request["finalFilter"]),
        }, LegacyCallKind.Items, collectionId, ct);
        var rows = LegacyJson.RequireObjects(answer, "items", path).Select(row => ToV3Row(row, grouping, resultFields));

        var sorted = Sorted(rows, sort).ToList();
        var page = paging.Apply(sorted).ToList();
        return new JsonObject
        {
            ["items"] = LegacyJson.Array(page),
            ["pagingMetadata"] = paging.Metadata(page.Count, sorted.Count, JsonRead.IsTrue(request["returnTotalCount"])),
        };
    }

    /// <summary>
    /// The <c>processingStep</c>: <c>_id</c> names the grouping fields (<c>{g: "$g"}</c>, null for one group of all),
    /// every other key is a result field with its accumulator; <c>count</c> is <c>{$sum: 1}</c>.
    /// </summary>
    public static (JsonObject Step, List<string> ResultFields) ProcessingStep(IReadOnlyList<string> grouping, JsonNode? operations)
    {
        var step = new JsonObject
        {
            ["_id"] = grouping.Count == 0 ? null : new JsonObject(grouping.Select(g => KeyValuePair.Create(g, (JsonNode?)JsonValue.Create("$" + g)))),
        };
        var resultFields = new List<string>();
        foreach (var node in operations as JsonArray ?? throw LegacyJson.Invalid("aggregation.operations must be an array."))
        {
            var operation = node as JsonObject ?? throw LegacyJson.Invalid("Every aggregation operation must be an object.");
            var name = LegacyJson.RequireString(operation, "resultFieldName");
            if (step.ContainsKey(name) || grouping.Contains(name, StringComparer.Ordinal))
            {
                throw LegacyJson.Invalid($"The aggregation result field '{name}' is used twice (or is a grouping field, or _id).");
            }
            step[name] = Accumulator(operation, name);
            resultFields.Add(name);
        }
        return (step, resultFields);
    }

    private static JsonObject Accumulator(JsonObject operation, string name)
    {
        if (operation.ContainsKey("count"))
        {
            return new JsonObject { [LegacyAccumulators.Sum] = 1 };
        }
        foreach (var (v3, legacy) in Accumulators)
        {
            if (operation[v3] is JsonObject spec)
            {
                var field = LegacyJson.RequireString(spec, "itemFieldName");
                return new JsonObject { [legacy] = "$" + field };
            }
        }
        throw new AdaptorCallException(AdaptorFailure.NotSupported,
            $"The aggregation of '{name}' is none of average, min, max, sum, count: legacy adaptors know only those.");
    }

    /// <summary>
    /// A result row in V3 shape: one key per grouping field, one per result field. Adaptors give the grouping values
    /// under their own names (velo) or inside <c>_id</c> (Mongo style); both are read.
    /// </summary>
    public static JsonObject ToV3Row(JsonObject row, IReadOnlyList<string> grouping, IReadOnlyList<string> resultFields)
    {
        var v3 = new JsonObject();
        var id = row["_id"];
        foreach (var field in grouping)
        {
            JsonNode? value = null;
            if (row.TryGetPropertyValue(field, out var own))
            {
                value = own;
            }
            else if (id is JsonObject group && !QueryOperators.IsDate(id))
            {
                value = group[field];
            }
            else if (grouping.Count == 1)
            {
                value = id; // "_id": "DE": the single grouping value itself
            }
            v3[field] = value?.DeepClone();
        }
        foreach (var field in resultFields)
        {
            v3[field] = row[field]?.DeepClone();
        }
        return v3;
    }

    private static IEnumerable<JsonObject> Sorted(IEnumerable<JsonObject> rows, JsonArray sort)
    {
        IOrderedEnumerable<JsonObject>? ordered = null;
        foreach (var entry in sort.OfType<JsonObject>())
        {
            var field = JsonRead.Text(entry["fieldName"])!;
            var descending = JsonRead.Text(entry["direction"]) == "desc";
            ordered = (ordered, descending) switch
            {
                (null, false) => rows.OrderBy(r => r[field], JsonValueOrder.Instance),
                (null, true) => rows.OrderByDescending(r => r[field], JsonValueOrder.Instance),
                (_, false) => ordered.ThenBy(r => r[field], JsonValueOrder.Instance),
                (_, true) => ordered.ThenByDescending(r => r[field], JsonValueOrder.Instance),
            };
        }
        return ordered ?? rows;
    }

    private static List<string> GroupingFields(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => [.. array.Select(n => JsonRead.Text(n) is { Length: > 0 } s ? s : throw LegacyJson.Invalid("aggregation.groupingFields must hold field names.")).Distinct(StringComparer.Ordinal)],
        _ => throw LegacyJson.Invalid("aggregation.groupingFields must be an array."),
    };
}
