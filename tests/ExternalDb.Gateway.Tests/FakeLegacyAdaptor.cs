using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Gateway;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ExternalDb.Gateway.Tests;

/// <summary>
/// An in-memory legacy adaptor on a real socket. It speaks exactly one generation: a V1 fake accepts only tree filters
/// and has no bulk, aggregate, truncate or schema-change paths; a V2 fake accepts only canonical Mongo filters
/// (<c>{field: {$op: v}}</c>, <c>$not</c> as an array). Both refuse <c>order</c> sorts and a wrong secret, so a
/// translation mistake fails the call. Every request is recorded.
/// </summary>
internal sealed class FakeLegacyAdaptor : IAsyncDisposable
{
    public const string Secret = "s3cret";
    public static readonly JsonObject StoredDate = new() { ["$date"] = "2024-05-01T10:00:00.000Z" };

    private readonly object _gate = new();
    private LoopbackServer? _server;

    private FakeLegacyAdaptor(ProtocolVersion version) => Version = version;

    public ProtocolVersion Version { get; }

    public Dictionary<string, FakeCollection> Collections { get; } = new(StringComparer.Ordinal);

    /// <summary>The largest page <c>/data/find</c> answers, whatever limit was asked.</summary>
    public int MaxLimit { get; set; } = 1000;

    public bool ServesSchemaDelete { get; set; }

    public bool ServesReferences { get; set; }

    /// <summary>What <c>/data/aggregate</c> answers (V2).</summary>
    public JsonObject AggregateAnswer { get; set; } = new() { ["items"] = new JsonArray(), ["totalCount"] = 0 };

    /// <summary>Canned answers by path (<c>*</c>: every path), instead of the fake's own.</summary>
    public Dictionary<string, (int Status, string Body)> ForcedAnswers { get; } = new(StringComparer.Ordinal);

    public string BaseUrl => _server!.BaseUrl;

    /// <summary>The calls received so far: path and parsed body.</summary>
    public IReadOnlyList<(string Path, JsonObject Body)> Calls =>
        [.. _server!.Requests.Select(r => (r.Path, JsonNode.Parse(r.Body) as JsonObject ?? []))];

    public IReadOnlyList<string> Paths => [.. _server!.Requests.Select(r => r.Path)];

    public static async Task<FakeLegacyAdaptor> StartAsync(ProtocolVersion version)
    {
        var fake = new FakeLegacyAdaptor(version);
        fake._server = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", (Delegate)fake.HandleAsync));
        return fake;
    }

    public AdaptorConnection Connection(JsonObject? configuration = null) =>
        new("legacy-conn", BaseUrl, Version, configuration ?? new JsonObject { ["secretKey"] = Secret, ["region"] = "eu" },
            ConnectionNames.InstallationId("legacy-conn"), null);

    public FakeCollection AddCollection(string id, params (string Name, string Type)[] fields)
    {
        var collection = new FakeCollection(id);
        foreach (var (name, type) in fields)
        {
            collection.Fields[name] = type;
        }
        Collections[id] = collection;
        return collection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        if (ForcedAnswers.TryGetValue(context.Request.Path.Value ?? "", out var forced) || ForcedAnswers.TryGetValue("*", out forced))
        {
            return Results.Text(forced.Body, "application/json", Encoding.UTF8, forced.Status);
        }
        if (JsonNode.Parse(text) is not JsonObject body)
        {
            return Error(400, "Body is not a JSON object");
        }
        if (body["requestContext"]?["settings"]?["secretKey"]?.GetValue<string>() != Secret)
        {
            return Error(401, "Provided secret key does not match");
        }
        try
        {
            lock (_gate)
            {
                return Dispatch(context.Request.Path.Value ?? "", body);
            }
        }
        catch (FakeError e)
        {
            return Error(e.Status, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            return Error(500, "The fake broke: " + e.Message); // shows in the test's failure message
        }
    }

    private bool V2 => Version == ProtocolVersion.V2;

    private IResult Dispatch(string path, JsonObject body) => path switch
    {
        "/schemas/list" => Json(new JsonObject { ["schemas"] = new JsonArray([.. Collections.Values.Select(Schema)]) }),
        "/schemas/find" => FindSchemas(body),
        "/schemas/create" when V2 => CreateCollection(body),
        "/schemas/column/add" when V2 => AddColumn(body),
        "/schemas/column/remove" when V2 => RemoveColumn(body),
        "/schemas/delete" when V2 && ServesSchemaDelete => DeleteCollection(body),
        "/data/find" => Find(body),
        "/data/count" => Json(new JsonObject { ["totalCount"] = Collection(body).Items.Count(i => Matches(i, body["filter"])) }),
        "/data/insert" => Json(new JsonObject { ["item"] = Insert(Collection(body), [body["item"]!.AsObject()])[0] }),
        "/data/insert/bulk" when V2 => Json(new JsonObject { ["items"] = new JsonArray([.. Insert(Collection(body), [.. body["items"]!.AsArray().Select(i => i!.AsObject())])]) }),
        "/data/update" => Json(new JsonObject { ["item"] = Update(Collection(body), [body["item"]!.AsObject()])[0] }),
        "/data/update/bulk" when V2 => Json(new JsonObject { ["items"] = new JsonArray([.. Update(Collection(body), [.. body["items"]!.AsArray().Select(i => i!.AsObject())])]) }),
        "/data/remove" => RemoveOne(body),
        "/data/remove/bulk" when V2 => RemoveBulk(body),
        "/data/truncate" when V2 => Truncate(body),
        "/data/aggregate" when V2 => Json((JsonObject)AggregateAnswer.DeepClone()),
        "/data/references/insert" or "/data/references/remove" when ServesReferences => Json(new JsonObject
        {
            ["results"] = new JsonArray([.. body["references"]!.AsArray().Select(r => (JsonNode)new JsonObject { ["reference"] = r!.DeepClone() })]),
        }),
        "/data/references/query" when ServesReferences => Json(new JsonObject
        {
            ["results"] = new JsonArray(), ["pagingMetadata"] = new JsonObject { ["count"] = 0, ["offset"] = 0 },
        }),
        _ => Results.NotFound(),
    };

    private IResult FindSchemas(JsonObject body)
    {
        var ids = body["schemaIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        if (V2 && ids.Count > 10)
        {
            throw new FakeError(400, "Too many schemas requested");
        }
        var found = ids.Where(Collections.ContainsKey).Select(id => Schema(Collections[id])).ToList();
        return found.Count == 0
            ? Error(404, "No schemas found")
            : Json(new JsonObject { ["schemas"] = new JsonArray([.. found]) });
    }

    private JsonNode Schema(FakeCollection c)
    {
        var fields = new JsonObject();
        foreach (var (name, type) in c.Fields)
        {
            fields[name] = new JsonObject
            {
                ["displayName"] = name,
                ["type"] = type,
                ["queryOperators"] = type switch
                {
                    "number" => new JsonArray("eq", "ne", "gt", "gte", "lt", "lte", "hasSome", "urlized"),
                    "boolean" => new JsonArray("eq"),
                    "image" => new JsonArray(),
                    _ => new JsonArray("eq", "ne", "contains", "startsWith", "endsWith", "hasSome", "matches", "isEmpty"),
                },
            };
        }
        var operations = V2
            ? new JsonArray("get", "find", "count", "update", "insert", "remove", "bulkRemove", "bulkInsert", "bulkUpdate")
            : new JsonArray("get", "find", "count", "update", "insert", "remove");
        var schema = new JsonObject
        {
            ["id"] = c.Id,
            ["displayName"] = c.Id.ToUpperInvariant(),
            ["allowedOperations"] = operations,
            ["maxPageSize"] = 50,
            ["ttl"] = 3600,
            ["fields"] = fields,
        };
        if (V2)
        {
            schema["allowedSchemaOperations"] = new JsonArray("list", "createCollection", "addColumn", "removeColumn", "aggregate", "truncate");
        }
        return schema;
    }

    private IResult CreateCollection(JsonObject body)
    {
        var id = body["collectionName"]!.GetValue<string>();
        if (Collections.ContainsKey(id))
        {
            throw new FakeError(400, "Collection already exists");
        }
        AddCollection(id, ("_id", "text"), ("_createdDate", "datetime"), ("_updatedDate", "datetime"), ("_owner", "text"));
        return Json([]);
    }

    private IResult AddColumn(JsonObject body)
    {
        var c = Collection(body);
        var column = body["column"]!.AsObject();
        var name = column["name"]!.GetValue<string>();
        if (c.Fields.ContainsKey(name))
        {
            throw new FakeError(400, $"Collection already has a field {name} (already exists)");
        }
        c.Fields[name] = column["type"]!.GetValue<string>();
        return Json([]);
    }

    private IResult RemoveColumn(JsonObject body)
    {
        var c = Collection(body);
        if (!c.Fields.Remove(body["columnName"]!.GetValue<string>()))
        {
            throw new FakeError(404, "Field does not exist");
        }
        return Json([]);
    }

    private IResult DeleteCollection(JsonObject body)
    {
        _ = Collection(body);
        Collections.Remove(body["collectionName"]!.GetValue<string>());
        return Json([]);
    }

    private IResult Find(JsonObject body)
    {
        var c = Collection(body);
        if (body["skip"] is null || body["limit"] is null)
        {
            throw new FakeError(400, "skip and limit are required");
        }
        IEnumerable<JsonObject> items = c.Items.Where(i => Matches(i, body["filter"])).ToList();
        foreach (var sort in (body["sort"] as JsonArray ?? []).Reverse())
        {
            var field = sort!["fieldName"]!.GetValue<string>();
            var direction = sort["direction"]?.GetValue<string>() ?? throw new FakeError(400, "sort needs a direction");
            if (sort["order"] is not null || direction is not ("asc" or "desc"))
            {
                throw new FakeError(400, "sort direction must be asc or desc");
            }
            items = direction == "asc"
                ? items.OrderBy(i => i[field], ValueComparer.Instance)
                : items.OrderByDescending(i => i[field], ValueComparer.Instance);
        }
        var all = items.ToList();
        var limit = Math.Min(body["limit"]!.GetValue<int>(), MaxLimit);
        var page = all.Skip(body["skip"]!.GetValue<int>()).Take(limit).Select(i => (JsonObject)i.DeepClone()).ToList();
        if (V2 && body["projection"] is JsonArray projection)
        {
            var keep = projection.Select(p => p!.GetValue<string>()).ToHashSet();
            page = [.. page.Select(i => new JsonObject(i.Where(p => keep.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))))];
        }
        var answer = new JsonObject { ["items"] = new JsonArray([.. page]) };
        if (!(V2 && body["omitTotalCount"]?.GetValue<bool>() == true))
        {
            answer["totalCount"] = all.Count;
        }
        return Json(answer);
    }

    private List<JsonNode> Insert(FakeCollection c, List<JsonObject> items)
    {
        foreach (var item in items)
        {
            var id = item["_id"]?.GetValue<string>() ?? throw new FakeError(400, "Item has no _id");
            if (c.Items.Any(i => i["_id"]!.GetValue<string>() == id) || items.Count(i => i["_id"]!.GetValue<string>() == id) > 1)
            {
                throw new FakeError(V2 ? 400 : 409, "Item already exists");
            }
        }
        var stored = new List<JsonNode>();
        foreach (var item in items)
        {
            var copy = (JsonObject)item.DeepClone();
            copy["_createdDate"] ??= StoredDate.DeepClone();
            copy["_updatedDate"] = StoredDate.DeepClone();
            c.Items.Add(copy);
            stored.Add(copy.DeepClone());
        }
        return stored;
    }

    private List<JsonNode> Update(FakeCollection c, List<JsonObject> items)
    {
        if (items.Any(item => c.Items.All(i => i["_id"]!.GetValue<string>() != item["_id"]?.GetValue<string>())))
        {
            throw new FakeError(404, "Item not found");
        }
        var stored = new List<JsonNode>();
        foreach (var item in items)
        {
            var index = c.Items.FindIndex(i => i["_id"]!.GetValue<string>() == item["_id"]!.GetValue<string>());
            var copy = (JsonObject)item.DeepClone();
            copy["_createdDate"] = c.Items[index]["_createdDate"]?.DeepClone();
            copy["_updatedDate"] = StoredDate.DeepClone();
            c.Items[index] = copy;
            stored.Add(copy.DeepClone());
        }
        return stored;
    }

    private IResult RemoveOne(JsonObject body)
    {
        var c = Collection(body);
        var id = body["itemId"]!.GetValue<string>();
        var item = c.Items.Find(i => i["_id"]!.GetValue<string>() == id) ?? throw new FakeError(404, "Item not found");
        c.Items.Remove(item);
        return Json(new JsonObject { ["item"] = V2 ? new JsonObject() : item });
    }

    private IResult RemoveBulk(JsonObject body)
    {
        var c = Collection(body);
        var ids = body["itemIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToHashSet();
        c.Items.RemoveAll(i => ids.Contains(i["_id"]!.GetValue<string>()));
        return Json(new JsonObject { ["items"] = new JsonArray() });
    }

    private IResult Truncate(JsonObject body)
    {
        Collection(body).Items.Clear();
        return Results.Ok();
    }

    private FakeCollection Collection(JsonObject body)
    {
        var id = body["collectionName"]?.GetValue<string>() ?? throw new FakeError(400, "collectionName is required");
        return Collections.TryGetValue(id, out var c) ? c : throw new FakeError(404, $"Collection {id} does not exist");
    }

    private bool Matches(JsonObject item, JsonNode? filter) =>
        filter is not JsonObject { Count: > 0 } f || (V2 ? MatchesMongo(item, f) : MatchesTree(item, f));

    /// <summary>The V1 tree form only: anything else is refused, as mysql-v1 does.</summary>
    private static bool MatchesTree(JsonObject item, JsonObject node)
    {
        if (node["kind"]?.GetValue<string>() != "filter" || node["operator"] is null)
        {
            throw new FakeError(400, $"Filter is not a V1 tree node: {node.ToJsonString()}");
        }
        var op = node["operator"]!.GetValue<string>();
        var value = node["value"];
        return op switch
        {
            "$and" => value!.AsArray().All(c => MatchesTree(item, c!.AsObject())),
            "$or" => value!.AsArray().Any(c => MatchesTree(item, c!.AsObject())),
            "$not" => !MatchesTree(item, value!.AsArray()[0]!.AsObject()),
            _ => Compare(op, item[node["fieldName"]!.GetValue<string>()], value),
        };
    }

    /// <summary>The canonical V2 form only: one key per object, an explicit operator, <c>$not</c> as an array.</summary>
    private static bool MatchesMongo(JsonObject item, JsonObject filter)
    {
        if (filter.Count != 1)
        {
            throw new FakeError(400, $"V2 filters hold one key per object: {filter.ToJsonString()}");
        }
        var (key, value) = filter.Single();
        switch (key)
        {
            case "$and":
                return value!.AsArray().All(c => MatchesMongo(item, c!.AsObject()));
            case "$or":
                return value!.AsArray().Any(c => MatchesMongo(item, c!.AsObject()));
            case "$not":
                return value is JsonArray { Count: 1 } negated
                    ? !MatchesMongo(item, negated[0]!.AsObject())
                    : throw new FakeError(400, "$not expects an array");
            default:
                if (value is not JsonObject { Count: 1 } condition || !condition.Single().Key.StartsWith('$'))
                {
                    throw new FakeError(400, $"Expected {{$op: value}} for field {key}");
                }
                var (op, operand) = condition.Single();
                return Compare(op, item[key], operand);
        }
    }

    private static bool Compare(string op, JsonNode? actual, JsonNode? expected) => op switch
    {
        "$eq" => JsonNode.DeepEquals(actual, expected),
        "$ne" => !JsonNode.DeepEquals(actual, expected),
        "$gt" => ValueComparer.Instance.Compare(actual, expected) > 0,
        "$gte" => ValueComparer.Instance.Compare(actual, expected) >= 0,
        "$lt" => ValueComparer.Instance.Compare(actual, expected) < 0,
        "$lte" => ValueComparer.Instance.Compare(actual, expected) <= 0,
        "$hasSome" => expected!.AsArray().Any(e => JsonNode.DeepEquals(actual, e)),
        "$contains" => actual?.GetValue<string>().Contains(expected!.GetValue<string>(), StringComparison.OrdinalIgnoreCase) == true,
        "$startsWith" => actual?.GetValue<string>().StartsWith(expected!.GetValue<string>(), StringComparison.OrdinalIgnoreCase) == true,
        _ => throw new FakeError(400, $"Filter of type {op} is not supported"),
    };

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8, 200);

    private static IResult Error(int status, string message) =>
        Results.Text(new JsonObject { ["message"] = message }.ToJsonString(), "application/json", Encoding.UTF8, status);

    private sealed class FakeError(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    /// <summary>Numbers numerically, strings and dates by text; enough for the fake.</summary>
    private sealed class ValueComparer : IComparer<JsonNode?>
    {
        public static readonly ValueComparer Instance = new();

        public int Compare(JsonNode? x, JsonNode? y) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (JsonObject a, JsonObject b) => string.CompareOrdinal(a["$date"]?.ToString(), b["$date"]?.ToString()),
            (JsonValue a, JsonValue b) when a.GetValueKind() == System.Text.Json.JsonValueKind.Number && b.GetValueKind() == System.Text.Json.JsonValueKind.Number
                => Number(a).CompareTo(Number(b)),
            _ => string.CompareOrdinal(x.ToJsonString(), y.ToJsonString()),
        };

        private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class FakeCollection(string id)
{
    public string Id { get; } = id;

    /// <summary>Field name → legacy type, in order.</summary>
    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal)
    {
        ["_id"] = "text", ["_createdDate"] = "datetime", ["_updatedDate"] = "datetime", ["_owner"] = "text",
    };

    public List<JsonObject> Items { get; } = [];

    public FakeCollection With(params JsonObject[] items)
    {
        Items.AddRange(items);
        return this;
    }

    public JsonObject? Item(string id) => Items.Find(i => i["_id"]!.GetValue<string>() == id);
}
