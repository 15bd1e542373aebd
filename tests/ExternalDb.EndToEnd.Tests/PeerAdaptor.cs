using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// An adaptor that behaves as Wix's own open-source one (velo-external-db on PostgreSQL) does where it differs from ours,
/// over an in-memory store on real sockets: V3 as on its master branch, or V2 as on its <c>adapter-v2</c> branch.
/// <list type="bullet">
/// <item>Filters know <c>$eq $ne $lt $lte $gt $gte $hasSome $contains $startsWith $endsWith $and $or $not</c> only; fields
/// advertise <c>HAS_SOME</c> (V2: <c>hasSome</c>), never <c>$in</c>, <c>$hasAll</c> or <c>$exists</c>, and any other operator
/// fails (V3: 500 <c>UNKNOWN_ERROR</c>, V2: 400 "Unrecognized operator").</item>
/// <item>NUMBER values, aggregation results and counts come back as strings (<c>"3"</c>), as the PostgreSQL driver gives
/// numeric and bigint columns.</item>
/// <item>V3: no <c>/v3/items/query-distinct-values</c> and no reference routes (404 "Cannot POST ..."), although every
/// collection lists the reference operations; REFERENCE and MULTI_REFERENCE are not among its field types; a collection
/// create without the system fields <c>_id _createdDate _updatedDate _owner</c> is refused (400); create and update
/// answer the collection without <c>capabilities</c>.</item>
/// <item>V2: <c>/provision</c> says only <c>{type, vendor, protocolVersion: 2}</c> (an empty database shows nothing about
/// schema changes); schemas list velo's <c>allowedSchemaOperations</c>, <c>dropCollection</c> included, but there is no
/// <c>/schemas/delete</c> and no <c>/data/references/*</c>; errors are <c>{message}</c>, a duplicate item is 400.</item>
/// </list>
/// Not mimicked: velo's storing of <c>""</c>, <c>0</c> and <c>false</c> as NULL and its loss of milliseconds (the peer's own
/// wrong answers, which no gateway can repair). The V3 JWT is decoded, not verified.
/// </summary>
public sealed class PeerAdaptor : IAsyncDisposable
{
    public const string Secret = "peer-secret";

    private static readonly string[] TextOperators = ["EQ", "NE", "CONTAINS", "STARTS_WITH", "ENDS_WITH", "HAS_SOME", "GT", "GTE", "LT", "LTE"];
    private static readonly string[] NumberOperators = ["EQ", "NE", "GT", "GTE", "LT", "LTE", "HAS_SOME"];
    private static readonly string[] DateOperators = ["EQ", "NE", "GT", "GTE", "LT", "LTE"];
    private static readonly string[] KnownOperators = ["$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$hasSome", "$contains", "$startsWith", "$endsWith"];
    private static readonly string[] SystemFields = ["_id", "_createdDate", "_updatedDate", "_owner"];

    private static readonly string[] V2SchemaOperations =
    [
        "list", "listHeaders", "createCollection", "dropCollection", "addColumn", "removeColumn", "describeCollection", "findWithSort",
        "aggregate", "bulkDelete", "truncate", "updateImmediately", "deleteImmediately", "startWithCaseSensitive", "startWithCaseInsensitive",
        "projection", "findObject", "matches", "not", "include", "filterByEveryField",
    ];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Collection> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _paths = new();
    private LoopbackServer? _server;

    private PeerAdaptor(bool v2) => V2 = v2;

    /// <summary>Whether it speaks V2 (else V3).</summary>
    public bool V2 { get; }

    public string BaseUrl => _server!.BaseUrl;

    /// <summary>Every path called, in order (the V3 ones without <c>/v3/</c>).</summary>
    public IReadOnlyList<string> Paths => [.. _paths];

    public static async Task<PeerAdaptor> StartAsync(bool v2)
    {
        var peer = new PeerAdaptor(v2);
        peer._server = await LoopbackServer.StartAsync(app => app.MapPost("/{**path}", peer.HandleAsync));
        return peer;
    }

    /// <summary>Makes a collection in the store as the database's own tools would (system fields added).</summary>
    public void AddCollection(string id, params (string Key, string Type)[] fields)
    {
        lock (_gate)
        {
            _collections[id] = new Collection(id, [("_id", "TEXT"), ("_createdDate", "DATETIME"), ("_updatedDate", "DATETIME"), ("_owner", "TEXT"), .. fields]);
        }
    }

    private sealed class Collection(string id, List<(string Key, string Type)> fields)
    {
        public string Id { get; } = id;
        public List<(string Key, string Type)> Fields { get; set; } = fields;
        public SortedDictionary<string, JsonObject> Items { get; } = new(StringComparer.Ordinal);
        public string? TypeOf(string key) => Fields.Where(f => f.Key == key).Select(f => f.Type).FirstOrDefault();
    }

    /// <summary>A refusal, answered in the protocol's error shape.</summary>
    private sealed class PeerError(int status, string message, string v3Code, JsonObject? data = null) : Exception(message)
    {
        public int Status { get; } = status;
        public string V3Code { get; } = v3Code;
        public JsonObject? ErrorData { get; } = data;
    }

    private async Task<IResult> HandleAsync(string path, HttpRequest http)
    {
        using var reader = new StreamReader(http.Body);
        var text = await reader.ReadToEndAsync();
        var route = "/" + path;
        try
        {
            if (V2)
            {
                var body = JsonNode.Parse(text) as JsonObject ?? [];
                if (route != "/provision" && body["requestContext"]?["settings"]?["secretKey"]?.GetValue<string>() != Secret)
                {
                    return Results.Json(new JsonObject { ["message"] = "You are not authorized" }, statusCode: 401);
                }
                _paths.Enqueue(route);
                return V2Route(route, body) is { } answer ? Results.Json(answer) : NoRoute(route);
            }
            if (!route.StartsWith("/v3/", StringComparison.Ordinal))
            {
                return NoRoute(route);
            }
            var request = JsonNode.Parse(Base64UrlEncoder.Decode(text.Split('.')[1]))!["data"]?["request"] as JsonObject ?? [];
            _paths.Enqueue(route["/v3/".Length..]);
            return V3Route(route["/v3/".Length..], request) is { } v3 ? Results.Json(v3) : NoRoute(route);
        }
        catch (PeerError e) when (V2)
        {
            // velo V2 answers InvalidQuery (an unknown operator) with 400, where its V3 translator falls back to 500.
            return Results.Json(new JsonObject { ["message"] = e.Message }, statusCode: e.Status == 500 ? 400 : e.Status);
        }
        catch (PeerError e)
        {
            // velo's V3 error body: errorCode and data, no errorMessage.
            return Results.Json(new JsonObject { ["errorCode"] = e.V3Code, ["data"] = e.ErrorData ?? new JsonObject { ["description"] = e.Message } }, statusCode: e.Status);
        }
    }

    /// <summary>Express's answer for a path it has no route for.</summary>
    private static IResult NoRoute(string route) =>
        Results.Content($"<!DOCTYPE html><html><body><pre>Cannot POST {route}</pre></body></html>", "text/html", statusCode: 404);

    // ---- V3 ----

    private JsonObject? V3Route(string operation, JsonObject request)
    {
        lock (_gate)
        {
            return operation switch
            {
                "capabilities/get" => new JsonObject
                {
                    ["supportsCollectionModifications"] = true,
                    ["supportedFieldTypes"] = new JsonArray([.. new[] { "TEXT", "NUMBER", "DATE", "DATETIME", "IMAGE", "BOOLEAN", "DOCUMENT", "URL", "RICH_TEXT", "VIDEO", "ANY", "AUDIO", "TIME", "LANGUAGE", "RICH_CONTENT", "MEDIA_GALLERY", "ADDRESS", "PAGE_LINK", "OBJECT" }.Select(t => (JsonNode?)t)]),
                    ["indexptions"] = new JsonObject { ["supportsIndexes"] = true, ["maxNumberOfRegularIndexesPerCollection"] = 10 },
                },
                "collections/get" => new JsonObject
                {
                    ["collections"] = new JsonArray([.. Ids(request["collectionIds"]) is { Count: > 0 } ids
                        ? ids.Select(id => (JsonNode?)V3Collection(Find(id)))
                        : _collections.Values.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => (JsonNode?)V3Collection(c))]),
                },
                "collections/create" => CreateV3(request["collection"] as JsonObject ?? []),
                "collections/update" => UpdateV3(request["collection"] as JsonObject ?? []),
                "collections/delete" => DeleteV3(request),
                "items/query" => QueryV3(request),
                "items/count" => new JsonObject { ["totalCount"] = Matching(Find(Text(request["collectionId"])), request["filter"]).Count() },
                "items/aggregate" => AggregateV3(request),
                "items/insert" => WriteV3(request, insert: true),
                "items/update" => WriteV3(request, insert: false),
                "items/remove" => RemoveV3(request),
                "items/truncate" => Truncate(Find(Text(request["collectionId"]))),
                _ => null,
            };
        }
    }

    private static JsonObject V3Collection(Collection c) => new()
    {
        ["id"] = c.Id,
        ["displayName"] = c.Id,
        ["fields"] = new JsonArray([.. c.Fields.Select(f => (JsonNode?)new JsonObject
        {
            ["key"] = f.Key,
            ["displayName"] = f.Key,
            ["type"] = f.Type,
            ["encrypted"] = false,
            ["capabilities"] = new JsonObject
            {
                ["sortable"] = f.Type is not ("OBJECT" or "IMAGE"),
                ["queryOperators"] = new JsonArray([.. Operators(f.Type).Select(o => (JsonNode?)o)]),
            },
        })]),
        // velo lists every data operation of a table with _id; the issue's peer lists the reference ones too.
        ["capabilities"] = new JsonObject
        {
            ["dataOperations"] = new JsonArray("QUERY", "COUNT", "QUERY_REFERENCED", "AGGREGATE", "INSERT", "UPDATE", "REMOVE", "TRUNCATE", "INSERT_REFERENCES", "REMOVE_REFERENCES"),
        },
        ["pagingMode"] = "OFFSET",
    };

    private static string[] Operators(string type) => type switch
    {
        "NUMBER" => NumberOperators,
        "BOOLEAN" => ["EQ"],
        "DATE" or "DATETIME" or "TIME" => DateOperators,
        "IMAGE" => [],
        _ => TextOperators,
    };

    private static JsonObject Described(Collection c) => new()
    {
        ["id"] = c.Id,
        ["fields"] = new JsonArray([.. c.Fields.Select(f => (JsonNode?)new JsonObject { ["key"] = f.Key, ["type"] = f.Type })]),
    };

    private JsonObject CreateV3(JsonObject collection)
    {
        var id = Text(collection["id"]);
        if (_collections.ContainsKey(id))
        {
            throw new PeerError(409, $"Collection {id} already exists", "COLLECTION_ALREADY_EXISTS", new JsonObject { ["collectionId"] = id });
        }
        var fields = V3Fields(collection);
        var missing = SystemFields.Where(s => !fields.Any(f => f.Key == s)).ToList();
        if (missing.Count > 0)
        {
            throw new PeerError(400, $"Collection {id} lacks the system fields {string.Join(", ", missing)}", "VALIDATION_ERROR",
                new JsonObject { ["violations"] = new JsonArray([.. missing.Select(m => (JsonNode?)new JsonObject { ["fieldPath"] = "collection.fields", ["message"] = $"{m} is required" })]) });
        }
        var created = new Collection(id, fields);
        _collections[id] = created;
        return new JsonObject { ["collection"] = Described(created) };
    }

    private JsonObject UpdateV3(JsonObject collection)
    {
        var c = Find(Text(collection["id"]));
        var fields = V3Fields(collection);
        c.Fields = [.. c.Fields.Where(f => SystemFields.Contains(f.Key) && !fields.Any(n => n.Key == f.Key)), .. fields];
        return new JsonObject { ["collection"] = Described(c) };
    }

    private JsonObject DeleteV3(JsonObject request)
    {
        var c = Find(Text(request["collectionId"]));
        _collections.Remove(c.Id);
        return new JsonObject { ["collection"] = Described(c) };
    }

    private static List<(string Key, string Type)> V3Fields(JsonObject collection) =>
        [.. (collection["fields"] as JsonArray ?? []).OfType<JsonObject>().Select(f => (Text(f["key"]), Text(f["type"])))];

    private JsonObject QueryV3(JsonObject request)
    {
        var c = Find(Text(request["collectionId"]));
        var query = request["query"] as JsonObject ?? [];
        var all = Sorted(Matching(c, query["filter"]), query["sort"] as JsonArray, v2: false).ToList();
        var offset = (int?)query["paging"]?["offset"] ?? 0;
        var limit = (int?)query["paging"]?["limit"] ?? 50;
        var projection = (query["fields"] as JsonArray ?? []).Select(f => Text(f)).ToList();
        var page = all.Skip(offset).Take(limit).Select(i => Out(c, i, projection)).ToList();
        var paging = new JsonObject { ["count"] = page.Count, ["offset"] = offset };
        if (request["returnTotalCount"]?.GetValue<bool>() == true)
        {
            paging["total"] = all.Count;
        }
        return new JsonObject { ["items"] = new JsonArray([.. page]), ["pagingMetadata"] = paging };
    }

    private JsonObject AggregateV3(JsonObject request)
    {
        var c = Find(Text(request["collectionId"]));
        var aggregation = request["aggregation"] as JsonObject ?? [];
        var grouping = (aggregation["groupingFields"] as JsonArray ?? []).Select(g => Text(g)).ToList();
        var operations = (aggregation["operations"] as JsonArray ?? []).OfType<JsonObject>().Select(op =>
        {
            var kind = new[] { "average", "min", "max", "sum", "count" }.First(op.ContainsKey);
            return (Name: Text(op["resultFieldName"]), Kind: kind, Field: kind == "count" ? null : Text(op[kind]!["itemFieldName"]));
        }).ToList();
        var rows = Group(c, Matching(c, request["initialFilter"]), grouping, operations);
        var filtered = rows.Where(r => Matches(r, request["finalFilter"], null)).ToList();
        var sorted = Sorted(filtered, request["sort"] as JsonArray, v2: false).ToList();
        var offset = (int?)request["paging"]?["offset"] ?? 0;
        var limit = (int?)request["paging"]?["limit"] ?? 50;
        var page = sorted.Skip(offset).Take(limit).Select(r => Stringified(c, r, operations.Select(o => o.Name))).ToList();
        var paging = new JsonObject { ["count"] = page.Count, ["offset"] = offset };
        if (request["returnTotalCount"]?.GetValue<bool>() == true)
        {
            paging["total"] = sorted.Count;
        }
        return new JsonObject { ["items"] = new JsonArray([.. page]), ["pagingMetadata"] = paging };
    }

    private JsonObject WriteV3(JsonObject request, bool insert)
    {
        var c = Find(Text(request["collectionId"]));
        var results = new JsonArray();
        foreach (var item in (request["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            try
            {
                results.Add(new JsonObject { ["item"] = Out(c, Write(c, item, insert), []) });
            }
            catch (PeerError e)
            {
                results.Add(new JsonObject { ["error"] = new JsonObject { ["errorCode"] = e.V3Code, ["errorMessage"] = e.Message, ["data"] = e.ErrorData } });
            }
        }
        return new JsonObject { ["results"] = results };
    }

    private JsonObject RemoveV3(JsonObject request)
    {
        var c = Find(Text(request["collectionId"]));
        var results = new JsonArray();
        foreach (var id in (request["itemIds"] as JsonArray ?? []).Select(i => Text(i)))
        {
            results.Add(c.Items.Remove(id, out var removed)
                ? new JsonObject { ["item"] = Out(c, removed, []) }
                : new JsonObject { ["error"] = new JsonObject { ["errorCode"] = "ITEM_NOT_FOUND", ["errorMessage"] = $"Item {id} not found", ["data"] = new JsonObject { ["itemId"] = id } } });
        }
        return new JsonObject { ["results"] = results };
    }

    private static JsonObject Truncate(Collection c)
    {
        c.Items.Clear();
        return [];
    }

    // ---- V2 ----

    private JsonObject? V2Route(string route, JsonObject body)
    {
        lock (_gate)
        {
            return route switch
            {
                "/provision" => new JsonObject { ["type"] = "postgres", ["vendor"] = "azure", ["protocolVersion"] = 2 },
                "/schemas/list" => new JsonObject { ["schemas"] = new JsonArray([.. _collections.Values.OrderBy(c => c.Id, StringComparer.Ordinal).Select(c => (JsonNode?)V2Schema(c))]) },
                "/schemas/find" => new JsonObject { ["schemas"] = new JsonArray([.. Ids(body["schemaIds"]).Select(id => (JsonNode?)V2Schema(Find(id)))]) },
                "/schemas/create" => CreateV2(Text(body["collectionName"])),
                "/schemas/column/add" => AddColumn(Find(Text(body["collectionName"])), body["column"] as JsonObject ?? []),
                "/schemas/column/remove" => RemoveColumn(Find(Text(body["collectionName"])), Text(body["columnName"])),
                "/data/find" => FindV2(body),
                "/data/get" => new JsonObject { ["item"] = Out(Find(Text(body["collectionName"])), Get(Find(Text(body["collectionName"])), Text(body["itemId"])), []) },
                "/data/count" => new JsonObject { ["totalCount"] = Matching(Find(Text(body["collectionName"])), body["filter"]).Count() },
                "/data/insert" => new JsonObject { ["item"] = WriteV2(body, insert: true)[0] },
                "/data/insert/bulk" => new JsonObject { ["items"] = new JsonArray([.. WriteV2(body, insert: true)]) },
                "/data/update" => new JsonObject { ["item"] = WriteV2(body, insert: false)[0] },
                "/data/update/bulk" => new JsonObject { ["items"] = new JsonArray([.. WriteV2(body, insert: false)]) },
                "/data/remove" => RemoveV2(body, [Text(body["itemId"])], "item"),
                "/data/remove/bulk" => RemoveV2(body, [.. Ids(body["itemIds"])], "items"),
                "/data/aggregate" => AggregateV2(body),
                "/data/truncate" => Truncate(Find(Text(body["collectionName"]))),
                _ => null,
            };
        }
    }

    private static JsonObject V2Schema(Collection c)
    {
        var fields = new JsonObject();
        foreach (var (key, type) in c.Fields)
        {
            var legacy = type switch { "NUMBER" => "number", "BOOLEAN" => "boolean", "DATETIME" or "DATE" => "datetime", "OBJECT" => "object", _ => "text" };
            string[] operators = legacy switch
            {
                "number" => ["eq", "ne", "gt", "gte", "lt", "lte", "hasSome", "urlized"],
                "boolean" => ["eq"],
                "datetime" => ["eq", "ne", "gt", "gte", "lt", "lte"],
                "object" => ["eq", "ne", "contains", "startsWith", "endsWith", "hasSome", "matches", "gt", "gte", "lt", "lte", "isEmpty", "isNotEmpty"],
                _ => ["eq", "ne", "contains", "startsWith", "endsWith", "hasSome", "matches", "gt", "gte", "lt", "lte", "urlized", "isEmpty", "isNotEmpty"],
            };
            fields[key] = new JsonObject { ["displayName"] = key, ["type"] = legacy, ["queryOperators"] = new JsonArray([.. operators.Select(o => (JsonNode?)o)]) };
        }
        return new JsonObject
        {
            ["id"] = c.Id,
            ["displayName"] = c.Id,
            ["allowedOperations"] = new JsonArray("get", "find", "count", "update", "insert", "remove", "bulkRemove", "bulkInsert", "bulkUpdate"),
            ["allowedSchemaOperations"] = new JsonArray([.. V2SchemaOperations.Select(o => (JsonNode?)o)]),
            ["maxPageSize"] = 50,
            ["ttl"] = 3600,
            ["fields"] = fields,
        };
    }

    private JsonObject CreateV2(string id)
    {
        if (_collections.ContainsKey(id))
        {
            throw new PeerError(400, $"Collection already exists: {id}", "COLLECTION_ALREADY_EXISTS");
        }
        AddCollection(id);
        return [];
    }

    private static JsonObject AddColumn(Collection c, JsonObject column)
    {
        var name = Text(column["name"]);
        if (c.TypeOf(name) is not null)
        {
            throw new PeerError(400, $"Field already exists: {name}", "FIELD_ALREADY_EXISTS");
        }
        var type = Text(column["type"]) switch
        {
            "number" => "NUMBER",
            "boolean" => "BOOLEAN",
            "datetime" => Text(column["subtype"]) == "date" ? "DATE" : "DATETIME",
            "object" => "OBJECT",
            _ => "TEXT",
        };
        c.Fields.Add((name, type));
        return [];
    }

    private static JsonObject RemoveColumn(Collection c, string name)
    {
        c.Fields.RemoveAll(f => f.Key == name);
        return [];
    }

    private JsonObject FindV2(JsonObject body)
    {
        var c = Find(Text(body["collectionName"]));
        var all = Sorted(Matching(c, body["filter"]), body["sort"] as JsonArray, v2: true).ToList();
        var projection = (body["projection"] as JsonArray ?? []).Select(p => Text(p)).ToList();
        var items = all.Skip((int?)body["skip"] ?? 0).Take((int?)body["limit"] ?? 50).Select(i => Out(c, i, projection));
        var answer = new JsonObject { ["items"] = new JsonArray([.. items]) };
        if (body["omitTotalCount"]?.GetValue<bool>() != true)
        {
            answer["totalCount"] = all.Count;
        }
        return answer;
    }

    private List<JsonNode?> WriteV2(JsonObject body, bool insert)
    {
        var c = Find(Text(body["collectionName"]));
        var items = body["items"] as JsonArray ?? new JsonArray(body["item"]?.DeepClone());
        // velo writes a bulk in one statement: one refusal refuses it all, before anything is written.
        foreach (var item in items.OfType<JsonObject>())
        {
            var id = item["_id"] is { } given ? Text(given) : null;
            if (insert && id is not null && c.Items.ContainsKey(id))
            {
                throw new PeerError(400, $"Item already exists: {id}", "ITEM_ALREADY_EXISTS");
            }
            if (!insert && (id is null || !c.Items.ContainsKey(id)))
            {
                throw new PeerError(404, "Item not found", "ITEM_NOT_FOUND");
            }
        }
        return [.. items.OfType<JsonObject>().Select(i => (JsonNode?)Out(c, Write(c, i, insert), []))];
    }

    private JsonObject RemoveV2(JsonObject body, List<string> ids, string key)
    {
        var c = Find(Text(body["collectionName"]));
        foreach (var id in ids)
        {
            c.Items.Remove(id);
        }
        return key == "item" ? new JsonObject { ["item"] = new JsonObject() } : new JsonObject { ["items"] = new JsonArray() };
    }

    private JsonObject AggregateV2(JsonObject body)
    {
        var c = Find(Text(body["collectionName"]));
        var step = body["processingStep"] as JsonObject ?? [];
        var grouping = step["_id"] switch
        {
            JsonObject o => o.Select(p => (Alias: p.Key, Field: Text(p.Value).TrimStart('$'))).ToList(),
            JsonValue v => [(Alias: Text(v).TrimStart('$'), Field: Text(v).TrimStart('$'))],
            _ => [],
        };
        var operations = step.Where(p => p.Key != "_id").Select(p =>
        {
            var (op, operand) = ((JsonObject)p.Value!).Single();
            var kind = op switch { "$avg" => "average", "$min" => "min", "$max" => "max", "$sum" when operand is JsonValue v && v.GetValueKind() == JsonValueKind.Number => "count", _ => "sum" };
            return (Name: p.Key, Kind: kind, Field: kind == "count" ? null : Text(operand).TrimStart('$'));
        }).ToList();
        var rows = Group(c, Matching(c, body["filter"]), [.. grouping.Select(g => g.Field)], operations)
            .Where(r => Matches(r, body["postFilteringStep"], null))
            .Select(r => Stringified(c, r, operations.Select(o => o.Name)));
        return new JsonObject { ["items"] = new JsonArray([.. rows]), ["totalCount"] = 0 };
    }

    // ---- the store ----

    private Collection Find(string id) =>
        _collections.TryGetValue(id, out var c) ? c : throw new PeerError(404, $"Collection {id} does not exist", "COLLECTION_NOT_FOUND", new JsonObject { ["collectionId"] = id });

    private static JsonObject Get(Collection c, string id) =>
        c.Items.TryGetValue(id, out var item) ? item : throw new PeerError(404, "Item not found", "ITEM_NOT_FOUND", new JsonObject { ["itemId"] = id });

    private static JsonObject Write(Collection c, JsonObject given, bool insert)
    {
        var item = given.DeepClone().AsObject();
        var id = item["_id"] is { } node ? Text(node) : Guid.NewGuid().ToString();
        item["_id"] = id;
        if (insert ? c.Items.ContainsKey(id) : !c.Items.ContainsKey(id))
        {
            throw insert
                ? new PeerError(409, $"Item already exists: {id}", "ITEM_ALREADY_EXISTS", new JsonObject { ["itemId"] = id })
                : new PeerError(404, $"Item {id} not found", "ITEM_NOT_FOUND", new JsonObject { ["itemId"] = id });
        }
        var unknown = item.Select(p => p.Key).FirstOrDefault(k => c.TypeOf(k) is null);
        if (unknown is not null)
        {
            throw new PeerError(400, $"Field {unknown} does not exist", "FIELD_DOESNT_EXIST", new JsonObject { ["collectionId"] = c.Id, ["propertyName"] = unknown });
        }
        var now = new JsonObject { ["$date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) };
        item["_createdDate"] = insert ? now.DeepClone() : c.Items[id]["_createdDate"]?.DeepClone();
        item["_updatedDate"] = now;
        c.Items[id] = item;
        return item;
    }

    /// <summary>An item as the peer answers it: NUMBER values as strings (PostgreSQL numeric through node-postgres).</summary>
    private static JsonObject Out(Collection c, JsonObject item, List<string> projection)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in item)
        {
            if (projection.Count > 0 && key != "_id" && !projection.Contains(key))
            {
                continue;
            }
            copy[key] = c.TypeOf(key) == "NUMBER" && value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                ? v.GetValue<double>().ToString(CultureInfo.InvariantCulture)
                : value?.DeepClone();
        }
        return copy;
    }

    private static List<JsonObject> Group(Collection c, IEnumerable<JsonObject> items, List<string> grouping,
        List<(string Name, string Kind, string? Field)> operations)
    {
        var groups = items.GroupBy(i => string.Join("\u0001", grouping.Select(g => i[g]?.ToJsonString() ?? "null")), StringComparer.Ordinal);
        var rows = new List<JsonObject>();
        foreach (var group in groups)
        {
            var row = new JsonObject();
            foreach (var g in grouping)
            {
                row[g] = group.First()[g]?.DeepClone();
            }
            foreach (var (name, kind, field) in operations)
            {
                var values = field is null ? [] : group.Select(i => i[field]).OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.Number).Select(v => v.GetValue<double>()).ToList();
                row[name] = kind switch
                {
                    "count" => (double)group.Count(),
                    "sum" => values.Sum(),
                    "average" => values.Count == 0 ? null : values.Average(),
                    "min" => values.Count == 0 ? null : values.Min(),
                    _ => values.Count == 0 ? null : values.Max(),
                };
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>An aggregation row as the peer answers it: counts, numeric results and NUMBER groups as strings (bigint and numeric).</summary>
    private static JsonObject Stringified(Collection c, JsonObject row, IEnumerable<string> results)
    {
        var copy = row.DeepClone().AsObject();
        foreach (var name in results.Concat(row.Select(p => p.Key).Where(k => c.TypeOf(k) == "NUMBER")))
        {
            if (copy[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                copy[name] = v.GetValue<double>().ToString(CultureInfo.InvariantCulture);
            }
        }
        return copy;
    }

    private static IEnumerable<JsonObject> Matching(Collection c, JsonNode? filter) => c.Items.Values.Where(i => Matches(i, filter, c)).ToList();

    private static IEnumerable<JsonObject> Sorted(IEnumerable<JsonObject> items, JsonArray? sort, bool v2)
    {
        var entries = (sort ?? []).OfType<JsonObject>().Select(s => (Field: Text(s["fieldName"]),
            Descending: v2 ? Text(s["direction"]) == "desc" : Text(s["order"]) == "DESC")).ToList();
        if (entries.Count == 0)
        {
            entries.Add(("_id", false));
        }
        IOrderedEnumerable<JsonObject>? ordered = null;
        foreach (var (field, descending) in entries)
        {
            var comparer = Comparer<JsonObject>.Create((a, b) => Compare(a[field], b[field]) * (descending ? -1 : 1));
            ordered = ordered is null ? items.Order(comparer) : ordered.ThenBy(i => i, comparer);
        }
        return ordered!;
    }

    /// <summary>velo's filter: Mongo form, its operators only; in V3 the shorthand <c>{field: value}</c> is <c>$eq</c>.</summary>
    private static bool Matches(JsonObject item, JsonNode? filter, Collection? c)
    {
        if (filter is not JsonObject conditions)
        {
            return true;
        }
        foreach (var (key, value) in conditions)
        {
            var holds = key switch
            {
                "$and" => (value as JsonArray ?? []).All(f => Matches(item, f, c)),
                "$or" => (value as JsonArray ?? []).Any(f => Matches(item, f, c)),
                "$not" => !(value is JsonArray one ? one.All(f => Matches(item, f, c)) : Matches(item, value, c)),
                _ when key.StartsWith('$') => throw Unrecognized(key),
                _ => Field(item, key, value, c),
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Field(JsonObject item, string key, JsonNode? condition, Collection? c)
    {
        if (c is not null && c.TypeOf(key) is null)
        {
            throw new PeerError(400, $"fields {key} don't exist", "FIELD_DOESNT_EXIST", new JsonObject { ["collectionId"] = c.Id, ["propertyName"] = key });
        }
        var actual = item[key];
        if (condition is not JsonObject ops || ops.Count == 0 || !ops.All(p => p.Key.StartsWith('$')) || ops.ContainsKey("$date"))
        {
            return Compare(actual, condition) == 0;
        }
        foreach (var (op, operand) in ops)
        {
            if (!KnownOperators.Contains(op))
            {
                throw Unrecognized(op);
            }
            var holds = op switch
            {
                "$eq" => Compare(actual, operand) == 0,
                "$ne" => Compare(actual, operand) != 0,
                "$lt" => actual is not null && Compare(actual, operand) < 0,
                "$lte" => actual is not null && Compare(actual, operand) <= 0,
                "$gt" => actual is not null && Compare(actual, operand) > 0,
                "$gte" => actual is not null && Compare(actual, operand) >= 0,
                "$hasSome" => operand is JsonArray { Count: > 0 } some ? some.Any(v => Compare(actual, v) == 0) : throw new PeerError(400, "$hasSome needs a non-empty list", "UNKNOWN_ERROR"),
                "$contains" => Texts(actual, operand) is var (a, b) && a.Contains(b, StringComparison.OrdinalIgnoreCase),
                "$startsWith" => Texts(actual, operand) is var (a, b) && a.StartsWith(b, StringComparison.OrdinalIgnoreCase),
                _ => Texts(actual, operand) is var (a, b) && a.EndsWith(b, StringComparison.OrdinalIgnoreCase),
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>velo's V3 translator has no class for InvalidQuery: 500 UNKNOWN_ERROR (V2: 400).</summary>
    private static PeerError Unrecognized(string op) => new(500, $"Unrecognized operator {op}", "UNKNOWN_ERROR");

    private static (string, string) Texts(JsonNode? actual, JsonNode? operand) =>
        (Convert.ToString(Plain(actual), CultureInfo.InvariantCulture) ?? "", Convert.ToString(Plain(operand), CultureInfo.InvariantCulture) ?? "");

    private static int Compare(JsonNode? a, JsonNode? b)
    {
        var (x, y) = (Plain(a), Plain(b));
        return (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (double m, double n) => m.CompareTo(n),
            (bool m, bool n) => m.CompareTo(n),
            _ => string.CompareOrdinal(Convert.ToString(x, CultureInfo.InvariantCulture), Convert.ToString(y, CultureInfo.InvariantCulture)),
        };
    }

    /// <summary>A value as compared: numbers (also numeric strings) as double, dates as their ISO text, text, booleans.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o when o["$date"] is { } date => Text(date),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        JsonValue v => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? throw new PeerError(400, "a required string is missing", "VALIDATION_ERROR");

    private static List<string> Ids(JsonNode? node) => [.. (node as JsonArray ?? []).Select(n => Text(n))];

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}
