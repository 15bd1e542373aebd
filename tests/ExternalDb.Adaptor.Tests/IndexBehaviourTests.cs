using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>Indexes on every engine, and the helpers the engine-specific index tests share.</summary>
public abstract partial class AdaptorBehaviourTests
{
    protected static JsonObject IndexRequest(string collectionId, string name, string path, bool unique = false, bool caseInsensitive = false) => new()
    {
        ["collectionId"] = collectionId,
        ["index"] = new JsonObject
        {
            ["name"] = name, ["fields"] = new JsonArray(new JsonObject { ["path"] = path, ["order"] = "ASC" }), ["unique"] = unique, ["caseInsensitive"] = caseInsensitive,
        },
    };

    /// <summary>The index as <c>/v3/indexes/list</c> shows it.</summary>
    protected async Task<JsonObject> IndexAsync(string collectionId, string name)
    {
        var list = await Host.V3OkAsync("/v3/indexes/list", new JsonObject { ["collectionId"] = collectionId });
        return list["indexes"]!.AsArray().OfType<JsonObject>().Single(i => i["name"]!.GetValue<string>() == name);
    }

    /// <summary>The index once it is no longer BUILDING (or after a minute).</summary>
    protected async Task<JsonObject> SettledIndexAsync(string collectionId, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var index = await IndexAsync(collectionId, name);
            if (index["status"]!.GetValue<string>() != "BUILDING" || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                return index;
            }
            await Task.Delay(100);
        }
    }

    protected async Task CreateActiveIndexAsync(JsonObject request)
    {
        await Host.V3OkAsync("/v3/indexes/create", request);
        var index = await SettledIndexAsync(request["collectionId"]!.GetValue<string>(), request["index"]!["name"]!.GetValue<string>());
        Assert.Equal("ACTIVE", index["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sixteen_writers_on_overlapping_rows_keep_a_case_insensitive_unique_index_without_a_server_error()
    {
        var id = await CreateAsync(("title", "TEXT"), ("address", "OBJECT"));
        var ids = Enumerable.Range(0, 40).Select(i => $"i{i:D2}").ToArray();
        await InsertAsync(id, [.. ids.Select(i => new JsonObject { ["_id"] = i, ["title"] = "start " + i })]);
        await CreateActiveIndexAsync(IndexRequest(id, "title_ci", "title", unique: true, caseInsensitive: true));
        await CreateActiveIndexAsync(IndexRequest(id, "by_city", "address.city"));

        var failures = new ConcurrentBag<string>();
        async Task WriterAsync(int writer)
        {
            for (var round = 0; round < 4; round++)
            {
                // Overlapping windows, every other writer walking backwards; titles that collide without case.
                var window = Enumerable.Range(0, 12).Select(k => ids[(writer * 5 + round * 11 + k) % ids.Length]);
                var sample = (writer % 2 == 0 ? window : window.Reverse()).ToArray();
                var items = new JsonArray([.. sample.Select((i, k) => (JsonNode)new JsonObject
                {
                    ["_id"] = round % 2 == 0 ? i : $"{i}w{writer}",
                    ["title"] = (writer % 3 == 0 ? "NAME " : "name ") + ((k + writer) % 15),
                    ["address"] = new JsonObject { ["city"] = $"city {writer % 4}" },
                })]);
                var path = round % 2 == 0 ? "/v3/items/update" : "/v3/items/insert";
                var (status, body) = await Host.V3Async(path, new JsonObject { ["collectionId"] = id, ["items"] = items });
                // A duplicate under the unique index is the client's mistake: the request (or the item) is refused.
                if (status != 200 && !(status == 409 && body?["errorCode"]?.GetValue<string>() == "ITEM_ALREADY_EXISTS"))
                {
                    failures.Add($"{path}: {status} {body?.ToJsonString()}");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 16).Select(WriterAsync));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));

        var titles = (await QueryAsync(id, new JsonObject(), limit: 1000)).Select(i => i!["title"]!.GetValue<string>()).ToList();
        Assert.Equal(titles.Count, titles.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(titles, t => t.StartsWith("name ", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("ACTIVE", (await SettledIndexAsync(id, "title_ci"))["status"]!.GetValue<string>());
    }
}
