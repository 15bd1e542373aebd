using System.Diagnostics;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// The ExternalDb extensions <c>/indexes/list|create|remove</c> (the V3 requests with <c>collectionName</c>, answered as V3
/// does; request-level errors as <c>{message}</c>). Skipped unless the schema lists <c>indexes</c> in <c>allowedSchemaOperations</c>.
/// </summary>
public sealed class LegacyIndexTests : LegacyTest
{
    private static async Task<LegacyCollection> CollectionAsync(AdaptorClient client, string purpose)
    {
        RequireV2(client, "The ExternalDb extension /indexes/* (announced in allowedSchemaOperations)");
        var c = await LegacyCollection.CreateAsync(client, UniqueName(purpose), ("title", "text"), ("code", "text"));
        c.RequireSchemaOperation("indexes");
        return c;
    }

    private static Task<AdaptorResponse> CallAsync(LegacyCollection c, string path, string body)
    {
        var request = O(body);
        request["collectionName"] = c.Name;
        return c.Client.LegacyAsync(path, request);
    }

    private static async Task<JsonObject> SettledAsync(LegacyCollection c, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = (await CallAsync(c, "/indexes/list", "{}")).EnsureSuccess().Body.Arr("indexes").OfType<JsonObject>().Single(i => i.Str("name") == name);
            if (listed.Str("status") != "BUILDING" || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                return listed;
            }
            await Task.Delay(200);
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Indexes_are_created_listed_and_removed(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "lindex");
        await c.InsertAsync(J("""{"_id": "a", "code": "same"}"""));
        await c.InsertAsync(J("""{"_id": "b", "code": "same"}"""));
        (await CallAsync(c, "/indexes/create", """{"index": {"name": "by_title", "fields": [{"path": "title", "order": "DESC"}]}}""")).EnsureSuccess();
        Assert.Equal("ACTIVE", (await SettledAsync(c, "by_title")).Str("status"));
        (await CallAsync(c, "/indexes/create", """{"index": {"name": "code_unique", "fields": [{"path": "code", "order": "ASC"}], "unique": true}}""")).EnsureSuccess();
        var failed = await SettledAsync(c, "code_unique");
        Assert.Equal("FAILED", failed.Str("status"));
        Assert.False(string.IsNullOrEmpty(failed["failure"].Str("description")));
        (await CallAsync(c, "/indexes/remove", """{"indexName": "by_title"}""")).EnsureSuccess();
        Assert.DoesNotContain((await CallAsync(c, "/indexes/list", "{}")).EnsureSuccess().Body.Arr("indexes"), i => i.Str("name") == "by_title");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Refusals_are_legacy_errors(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "lindexbad");
        (await CallAsync(c, "/indexes/create", """{"index": {"name": "by_title", "fields": [{"path": "title", "order": "ASC"}]}}""")).EnsureSuccess();
        (await CallAsync(c, "/indexes/create", """{"index": {"name": "by_title", "fields": [{"path": "code", "order": "ASC"}]}}""")).ExpectLegacyError(409);
        var missing = await CallAsync(c, "/indexes/create", """{"index": {"name": "by_ghost", "fields": [{"path": "ghost_field", "order": "ASC"}]}}""");
        missing.ExpectLegacyError(400);
        Assert.Contains("ghost_field", missing.Message, StringComparison.Ordinal);
        (await CallAsync(c, "/indexes/remove", """{"indexName": "nope"}""")).ExpectLegacyError(404);
    }
}
