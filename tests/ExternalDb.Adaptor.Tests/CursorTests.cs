using System.Text.Json.Nodes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>Cursors carry their own position: any adaptor with the same configuration continues any cursor.</summary>
public abstract partial class AdaptorBehaviourTests
{
    /// <summary>A V3 items/query sent to one replica; answers the body of a 200.</summary>
    protected delegate Task<JsonNode> Replica(JsonObject request);

    /// <summary>
    /// Walks a cursor over 20 items sorted by <c>n DESC, t ASC</c> (ties, and nulls in both) with pages of 3, each page
    /// from the next replica in turn. After the second page one item that sorts before the position and two that sort
    /// after it are inserted, and two items already seen are removed: the walk must then show every other item exactly once,
    /// in order, the two later ones included, and neither the earlier one nor a duplicate.
    /// </summary>
    protected async Task CursorWalkAcrossReplicasAsync(IReadOnlyList<Replica> replicas)
    {
        var id = await CreateAsync(("n", "NUMBER"), ("t", "TEXT"));
        await InsertAsync(id, [.. Enumerable.Range(0, 20).Select(i => Item($"i{i:D2}", ("n", i % 4), ("t", i % 3 == 0 ? null : $"t{i % 5}")))]);
        var sort = new JsonArray(new JsonObject { ["fieldName"] = "n", ["order"] = "DESC" }, new JsonObject { ["fieldName"] = "t", ["order"] = "ASC" });
        var seen = new List<string>();
        List<string>? beforeChange = null;
        string? cursor = null;
        for (var page = 0; page < 20; page++)
        {
            var paging = new JsonObject { ["limit"] = 3 };
            if (cursor is not null) paging["cursor"] = cursor;
            var body = await replicas[page % replicas.Count](new JsonObject
            {
                ["collectionId"] = id,
                ["query"] = new JsonObject { ["sort"] = sort.DeepClone(), ["cursorPaging"] = paging },
            });
            seen.AddRange(body["items"]!.AsArray().Select(i => i!["_id"]!.GetValue<string>()));
            cursor = body["pagingMetadata"]!["cursors"]!["next"]?.GetValue<string>();
            if (page == 1)
            {
                beforeChange = [.. seen];
                await InsertAsync(id, Item("new-first", ("n", 100)), Item("new-last", ("n", -1)), Item("new-null", ("t", "x")));
                // Net, one row fewer before the position: a cursor that kept an offset would now skip one.
                await Host.V3OkAsync("/v3/items/remove", new JsonObject { ["collectionId"] = id, ["itemIds"] = new JsonArray(seen[0], seen[1]) });
            }
            if (cursor is null) break;
        }
        Assert.Null(cursor);
        var final = (await QueryAsync(id, sort: sort, limit: 100)).Select(i => i!["_id"]!.GetValue<string>()).ToList();
        List<string> expected = [.. beforeChange!, .. final.Where(x => !beforeChange!.Contains(x) && x != "new-first")];
        Assert.Equal(expected, seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(20 + 2, seen.Count);
    }

    [Fact]
    public async Task A_cursor_walk_alternating_between_two_adaptors_has_no_gap_and_no_duplicate()
    {
        await using var twin = await Host.StartTwinAsync();
        await CursorWalkAcrossReplicasAsync(
        [
            request => Host.V3OkAsync("/v3/items/query", request),
            async request =>
            {
                var (status, body) = await twin.V3Async(Host, "/v3/items/query", request);
                Assert.True(status == 200, $"the twin answered {status}: {body?.ToJsonString()}");
                return body!;
            },
        ]);
    }

    [Fact]
    public async Task A_cursor_of_an_adaptor_with_another_cursor_key_is_refused()
    {
        var id = await CreateAsync(("n", "NUMBER"));
        await InsertAsync(id, [.. Enumerable.Range(0, 3).Select(i => Item($"i{i}", ("n", i)))]);
        await using var other = await Host.StartTwinAsync(("Adaptor:CursorKey", Convert.ToBase64String(new byte[32])));
        var (_, first) = await other.V3Async(Host, "/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 1 } },
        });
        var cursor = first!["pagingMetadata"]!["cursors"]!["next"]!.GetValue<string>();
        var (status, error) = await Host.V3Async("/v3/items/query", new JsonObject
        {
            ["collectionId"] = id,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 1, ["cursor"] = cursor } },
        });
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", error!["errorCode"]!.GetValue<string>());
    }
}
