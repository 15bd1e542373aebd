using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>Sixteen writers at once on overlapping items, on every engine: no error reaches a client and the end state is exact.</summary>
public abstract partial class AdaptorBehaviourTests
{
    private const int Writers = 16;
    private const int ItemCount = 24;
    private const int ItemsPerWriter = 12;

    /// <summary>
    /// The items writer <paramref name="writer"/> touches: 12 of the 24, overlapping every other writer's, starting at a
    /// different item and running forwards or backwards, so that no two writers name them in the same order.
    /// </summary>
    private static List<string> ItemsOf(int writer)
    {
        var ids = Enumerable.Range(0, ItemsPerWriter).Select(k => $"i{(writer * 5 + k * 7) % ItemCount:D2}").ToList();
        if (writer % 2 == 1)
        {
            ids.Reverse();
        }
        return ids;
    }

    private async Task<JsonArray[]> AllWritersAsync(string path, Func<int, JsonObject> request)
    {
        var calls = Enumerable.Range(0, Writers).Select(async w =>
        {
            var (status, body) = await Host.V3Async(path, request(w));
            Assert.True(status == 200, $"writer {w}: {path} answered {status}: {body?.ToJsonString()}");
            return body!["results"]!.AsArray();
        });
        return await Task.WhenAll(calls);
    }

    /// <summary>How many writers got each item back (rather than a per-item error), checking that every error is <paramref name="allowedError"/>.</summary>
    private static Dictionary<string, int> Successes(JsonArray[] results, string? allowedError)
    {
        var successes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var w = 0; w < results.Length; w++)
        {
            var ids = ItemsOf(w);
            Assert.Equal(ids.Count, results[w].Count);
            for (var i = 0; i < ids.Count; i++)
            {
                var result = results[w][i]!;
                if (result["error"] is { } error)
                {
                    Assert.True(allowedError is not null && error["errorCode"]!.GetValue<string>() == allowedError,
                        $"writer {w}, item {ids[i]}: {error.ToJsonString()}");
                    continue;
                }
                Assert.Equal(ids[i], result["item"]!["_id"]!.GetValue<string>());
                successes[ids[i]] = successes.GetValueOrDefault(ids[i]) + 1;
            }
        }
        return successes;
    }

    [Fact]
    public async Task Sixteen_writers_on_overlapping_items_never_fail_and_leave_an_exact_state()
    {
        var id = await CreateAsync(("n", "NUMBER"), ("writer", "TEXT"));
        var everyId = Enumerable.Range(0, ItemCount).Select(i => $"i{i:D2}").ToList();

        // Inserts of the same new ids: each is stored exactly once, every other writer is told it already exists.
        var inserted = Successes(await AllWritersAsync("/v3/items/insert", w => new JsonObject
        {
            ["collectionId"] = id,
            ["items"] = new JsonArray([.. ItemsOf(w).Select(i => (JsonNode)new JsonObject { ["_id"] = i, ["n"] = w, ["writer"] = $"w{w}" })]),
        }), "ITEM_ALREADY_EXISTS");
        Assert.Equal(everyId, inserted.Keys.Order(StringComparer.Ordinal));
        Assert.All(inserted.Values, n => Assert.Equal(1, n));

        // Three rounds of updates of overlapping items in different orders: every item of every call is updated, and
        // each stored row is one writer's whole version (never a mix of two).
        for (var round = 1; round <= 3; round++)
        {
            var r = round;
            var updated = Successes(await AllWritersAsync("/v3/items/update", w => new JsonObject
            {
                ["collectionId"] = id,
                ["items"] = new JsonArray([.. ItemsOf(w).Select(i => (JsonNode)new JsonObject { ["_id"] = i, ["n"] = r * 100 + w, ["writer"] = $"w{w}" })]),
            }), allowedError: null);
            Assert.Equal(Writers * ItemsPerWriter, updated.Values.Sum());
        }
        var stored = await QueryAsync(id, limit: 100);
        Assert.Equal(ItemCount, stored.Count);
        foreach (var item in stored)
        {
            var n = item!["n"]!.GetValue<double>();
            Assert.True(n >= 300, $"{item.ToJsonString()} missed the last round");
            Assert.Equal($"w{n % 100}", item["writer"]!.GetValue<string>());
        }

        // Removes of the same ids: each is removed exactly once, every other writer is told it is not found.
        var removed = Successes(await AllWritersAsync("/v3/items/remove", w => new JsonObject
        {
            ["collectionId"] = id,
            ["itemIds"] = new JsonArray([.. ItemsOf(w).Select(i => (JsonNode)i)]),
        }), "ITEM_NOT_FOUND");
        Assert.Equal(everyId, removed.Keys.Order(StringComparer.Ordinal));
        Assert.All(removed.Values, n => Assert.Equal(1, n));
        Assert.Empty(await QueryAsync(id));
    }
}
