using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>How the fake answers item calls.</summary>
public enum FakeMode
{
    Normal,
    /// <summary>Item calls never answer (the connection's check still works).</summary>
    Hang,
}

/// <summary>
/// A small V3 adaptor over real sockets with one collection, <c>things</c>, kept in memory. Once
/// <see cref="Trust"/> is called it verifies every JWT with the connection's public key and audience, as a real
/// adaptor would, and answers 401 otherwise.
/// </summary>
public sealed class FakeV3Adaptor : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, JsonObject> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, JsonObject Request)> _calls = new();
    private LoopbackServer? _server;
    private (ECDsaSecurityKey Key, string Audience)? _trust;

    public FakeMode Mode { get; set; } = FakeMode.Normal;

    /// <summary>The collection's data operations (all by default).</summary>
    public string[] DataOperations { get; set; } = ["QUERY", "COUNT", "AGGREGATE", "INSERT", "UPDATE", "REMOVE", "TRUNCATE"];

    public string BaseUrl => _server!.BaseUrl;

    /// <summary>The decoded requests of every verified call, in order.</summary>
    public IReadOnlyList<(string Path, JsonObject Request)> Calls => [.. _calls];

    public int Rejected { get; private set; }

    /// <summary>The length of each verified call's token (the whole HTTP body), in order.</summary>
    public IReadOnlyList<int> TokenLengths => [.. _tokenLengths];

    /// <summary>When set, the n-th (1-based) <c>items/insert</c> call answers 500 without writing.</summary>
    public int? FailingInsertCall { get; set; }

    private readonly ConcurrentQueue<int> _tokenLengths = new();
    private int _insertCalls;

    public static async Task<FakeV3Adaptor> StartAsync()
    {
        var fake = new FakeV3Adaptor();
        fake._server = await LoopbackServer.StartAsync(app => app.MapPost("/v3/{**operation}", fake.HandleAsync));
        return fake;
    }

    /// <summary>From now on only JWTs signed by this connection's key, for its application id, are accepted.</summary>
    public void Trust(string publicKey, string applicationId)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey), out _);
        _trust = (new ECDsaSecurityKey(ecdsa), applicationId);
    }

    public void Seed(params JsonObject[] items)
    {
        foreach (var item in items)
        {
            _items[item["_id"]!.GetValue<string>()] = item;
        }
    }

    private async Task<IResult> HandleAsync(string operation, HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var token = await reader.ReadToEndAsync();
        var payload = await VerifyAsync(token);
        if (payload is null)
        {
            Rejected++;
            return Results.Json(new JsonObject { ["errorCode"] = "UNAUTHORIZED", ["errorMessage"] = "bad token" }, statusCode: 401);
        }
        var body = payload["data"]?["request"] as JsonObject ?? new JsonObject();
        _calls.Enqueue((operation, body));
        _tokenLengths.Enqueue(token.Length);
        if (operation == "items/insert" && Interlocked.Increment(ref _insertCalls) == FailingInsertCall)
        {
            return Results.Json(new JsonObject { ["errorCode"] = "UNKNOWN_ERROR", ["errorMessage"] = "the fake fails this call" }, statusCode: 500);
        }
        if (Mode == FakeMode.Hang && operation.StartsWith("items/", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, request.HttpContext.RequestAborted);
        }
        return operation switch
        {
            "capabilities/get" => Results.Json(new JsonObject { ["supportsCollectionModifications"] = true, ["supportedFieldTypes"] = new JsonArray("TEXT", "NUMBER") }),
            "collections/get" => Results.Json(new JsonObject { ["collections"] = new JsonArray(Collection()) }),
            "items/query" => Results.Json(Query(body)),
            "items/count" => Results.Json(new JsonObject { ["totalCount"] = _items.Count }),
            "items/insert" => Results.Json(Write(body, insert: true)),
            "items/update" => Results.Json(Write(body, insert: false)),
            _ => Results.Json(new JsonObject { ["errorCode"] = "VALIDATION_ERROR", ["errorMessage"] = $"fake does not serve {operation}" }, statusCode: 400),
        };
    }

    private async Task<JsonObject?> VerifyAsync(string token)
    {
        // Large bulk calls are what some tests are about: the library's 250 kB default would refuse them.
        var handler = new JsonWebTokenHandler { MaximumTokenSizeInBytes = 64 * 1024 * 1024 };
        if (_trust is not { } trust)
        {
            return JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();
        }
        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = trust.Key,
            ValidAudience = trust.Audience,
            ValidIssuer = "wix.com",
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        });
        return result.IsValid ? JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject() : null;
    }

    private JsonObject Collection()
    {
        static JsonObject Field(string key, string type, params string[] operators) => new()
        {
            ["key"] = key,
            ["type"] = type,
            ["capabilities"] = new JsonObject { ["sortable"] = true, ["queryOperators"] = new JsonArray([.. operators.Select(o => (JsonNode?)o)]) },
        };
        return new JsonObject
        {
            ["id"] = "things",
            ["fields"] = new JsonArray(Field("_id", "TEXT", "EQ", "NE", "HAS_SOME"), Field("title", "TEXT", "EQ", "NE", "CONTAINS"), Field("price", "NUMBER", "EQ", "GT", "LT")),
            ["capabilities"] = new JsonObject { ["dataOperations"] = new JsonArray([.. DataOperations.Select(o => (JsonNode?)o)]) },
            ["pagingMode"] = "OFFSET",
        };
    }

    private JsonObject Query(JsonObject body)
    {
        var filter = body["query"]?["filter"] as JsonObject;
        IEnumerable<JsonObject> items = _items.Values.OrderBy(i => i["_id"]!.GetValue<string>(), StringComparer.Ordinal);
        if (filter?["_id"]?["$eq"] is JsonValue eq)
        {
            items = items.Where(i => i["_id"]!.GetValue<string>() == eq.GetValue<string>());
        }
        if (filter?["_id"]?["$hasSome"] is JsonArray some)
        {
            var ids = some.Select(s => s!.GetValue<string>()).ToHashSet();
            items = items.Where(i => ids.Contains(i["_id"]!.GetValue<string>()));
        }
        var offset = body["query"]?["paging"]?["offset"]?.GetValue<int>() ?? 0;
        var limit = body["query"]?["paging"]?["limit"]?.GetValue<int>() ?? 50;
        var all = items.ToList();
        return new JsonObject
        {
            ["items"] = new JsonArray([.. all.Skip(offset).Take(limit).Select(i => (JsonNode?)i.DeepClone())]),
            ["pagingMetadata"] = new JsonObject { ["count"] = Math.Min(limit, Math.Max(0, all.Count - offset)), ["offset"] = offset, ["total"] = all.Count },
        };
    }

    private JsonObject Write(JsonObject body, bool insert)
    {
        var results = new JsonArray();
        foreach (var item in (body["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var id = item["_id"]!.GetValue<string>();
            var exists = _items.ContainsKey(id);
            if (insert == exists)
            {
                var code = insert ? "ITEM_ALREADY_EXISTS" : "ITEM_NOT_FOUND";
                results.Add(new JsonObject { ["error"] = new JsonObject { ["errorCode"] = code, ["errorMessage"] = $"{code}: {id}", ["data"] = new JsonObject { ["itemId"] = id } } });
                continue;
            }
            var stored = item.DeepClone().AsObject();
            stored["_createdDate"] = new JsonObject { ["$date"] = "2026-01-02T03:04:05.678Z" };
            _items[id] = stored;
            results.Add(new JsonObject { ["item"] = stored.DeepClone() });
        }
        return new JsonObject { ["results"] = results };
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}
