using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// The ExternalDb extension <c>/data/patch</c> (the V3 <c>/v3/items/patch</c> request with <c>collectionName</c>, answered
/// with the V3 <c>{results}</c>): Wix's field modifiers, per-item results, and no increment lost under concurrency.
/// Skipped unless the schema lists <c>patch</c> in <c>allowedSchemaOperations</c>.
/// </summary>
public sealed class LegacyPatchTests : LegacyTest
{
    private static async Task<LegacyCollection> CollectionAsync(AdaptorClient client, string purpose)
    {
        RequireV2(client, "The ExternalDb extension /data/patch (announced in allowedSchemaOperations)");
        var c = await LegacyCollection.CreateAsync(client, UniqueName(purpose), ("title", "text"), ("n", "number"), ("meta", "object"));
        c.RequireSchemaOperation("patch");
        return c;
    }

    private static Task<AdaptorResponse> PatchAsync(LegacyCollection c, string itemId, string modifications) =>
        c.Client.LegacyAsync("/data/patch", new JsonObject
        {
            ["collectionName"] = c.Name,
            ["patches"] = new JsonArray(new JsonObject { ["itemId"] = itemId, ["fieldModifications"] = J(modifications) }),
        });

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Patch_changes_fields_and_nested_paths_and_answers_per_item(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "lpatch");
        await c.InsertAsync(J("""{"_id": "a", "title": "old", "n": 1, "meta": {"views": 1}}"""));
        var results = (await PatchAsync(c, "a", """
            [{"action": "SET_FIELD", "fieldPath": "title", "setFieldOptions": {"value": "new"}},
             {"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": 2}},
             {"action": "INCREMENT_FIELD", "fieldPath": "meta.views", "incrementFieldOptions": {"value": 10}}]
            """)).EnsureSuccess().Body.Arr("results");
        var item = Assert.Single(results)?["item"];
        Assert.Equal("new", item.Str("title"));
        Assert.Equal(3, item?["n"]?.GetValue<double>());
        Assert.Equal(11, item?["meta"]?["views"]?.GetValue<double>());
        Assert.Equal("new", (await c.GetAsync("a")).Str("title"));
        var missing = (await PatchAsync(c, "ghost", """[{"action": "REMOVE_FIELD", "fieldPath": "title"}]""")).EnsureSuccess().Body.Arr("results");
        Assert.Equal("ITEM_NOT_FOUND", Assert.Single(missing)?["error"].Str("errorCode"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Request_level_mistakes_are_legacy_errors(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "lpatchbad");
        (await PatchAsync(c, "a", """[{"action": "SET_FIELD", "fieldPath": "nope", "setFieldOptions": {"value": 1}}]""")).ExpectLegacyError(400);
        (await client.LegacyAsync("/data/patch", new JsonObject { ["collectionName"] = UniqueName("missing"), ["patches"] = J("""[{"itemId": "a", "fieldModifications": [{"action": "REMOVE_FIELD", "fieldPath": "x"}]}]""") }))
            .ExpectLegacyError(404);
    }

    /// <summary>16 clients increment one field 100 times each, at the same time: every increment counts.</summary>
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Concurrent_increments_are_never_lost(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "lpatchrace");
        await c.InsertAsync(J("""{"_id": "counter", "n": 0}"""));
        const int clients = 16, times = 100;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < times; i++)
            {
                var results = (await PatchAsync(c, "counter", """[{"action": "INCREMENT_FIELD", "fieldPath": "n", "incrementFieldOptions": {"value": 1}}]"""))
                    .EnsureSuccess().Body.Arr("results");
                Assert.NotNull(Assert.Single(results)?["item"]);
            }
        })));
        Assert.Equal(clients * times, (await c.GetAsync("counter"))?["n"]?.GetValue<double>());
    }
}
