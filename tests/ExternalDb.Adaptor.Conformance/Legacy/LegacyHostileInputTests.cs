using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Protocol;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// Legacy bodies that are malformed, before and after the secret check. The secret is checked before the body is
/// interpreted: a body whose secret cannot be found is 401 (or 400 when it is not JSON at all), never a 5xx. With the
/// right secret, a malformed body is 400 with a message naming the field, and nothing is written.
/// </summary>
public sealed class LegacyHostileInputTests : LegacyTest
{
    private static readonly string[] Paths = ["/provision", "/schemas/list", "/data/find", "/data/insert"];

    /// <summary>Paths V2 added.</summary>
    private static readonly string[] V2Paths = ["/schemas/create", "/data/remove/bulk"];

    /// <summary>Bodies in which no secret can be found unambiguously; <c>{S}</c> stands for the right secret.</summary>
    private static readonly string[] BodiesWithoutASecret =
    [
        """{"requestContext": 5}""",
        """{"requestContext": null}""",
        """{"requestContext": [1]}""",
        """{"requestContext": {"settings": "x"}}""",
        """{"requestContext": {"settings": [{"secretKey": "{S}"}]}}""",
        """{"requestContext": {"settings": {"secretKey": 5}}}""",
        """{"requestContext": {"settings": {"secretKey": "{S}"}}, "requestContext": {}}""",
        """{"requestContext": {"settings": {"secretKey": "{S}"}, "settings": {"secretKey": "{S}"}}}""",
        """{"requestContext": {"settings": {"secretKey": "{S}", "secretKey": "{S}"}}}""",
        """{"requestContext": {"settings": {"secretKey": "\ud800"}}}""",
        """{"requestContext": {"settings": {"secretKey": "{S}\udc00"}}}""",
        """[{"requestContext": {"settings": {"secretKey": "{S}"}}}]""",
        "\"{S}\"",
        "null",
        "",
    ];

    private static string WithSecret(AdaptorClient client, string body) =>
        body.Replace("{S}", JsonValue.Create(client.Target.SecretKey)!.ToJsonString()[1..^1], StringComparison.Ordinal);

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_body_without_one_readable_secret_is_401_on_every_path(string target)
    {
        var client = await ClientAsync(target);
        foreach (var path in client.Target.Protocol == ProtocolVersion.V2 ? [.. Paths, .. V2Paths] : Paths)
        {
            foreach (var body in BodiesWithoutASecret)
            {
                var response = await client.PostAsync(path, WithSecret(client, body), "application/json");
                Assert.True(response.StatusCode == 401 && !string.IsNullOrEmpty(response.Message), $"{body} → {response}");
            }
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_body_that_is_not_JSON_is_a_4xx_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        byte[][] bodies = ["not json"u8.ToArray(), "{\"requestContext\": "u8.ToArray(), [0xFF, 0xFE, 0x7B, 0x7D], "{\"a\": [1,]}"u8.ToArray()];
        foreach (var body in bodies)
        {
            var response = await client.PostAsync("/data/find", body, "application/json");
            Assert.True(response.StatusCode is 400 or 401 && !string.IsNullOrEmpty(response.Message), $"{Encoding.UTF8.GetString(body)} → {response}");
        }
    }

    /// <summary>Malformed bodies with the right secret, each with a word its message must contain; <c>{N}</c> is the collection.</summary>
    private static readonly (string Path, string Body, string Named)[] MalformedBodies =
    [
        ("/data/find", """{"collectionName": {}}""", "collectionName"),
        ("/data/find", """{"collectionName": "{N}", "collectionName": "{N}"}""", "collectionName"),
        ("/data/find", """{"collectionName": "{N}", "filter": {"title": "a", "title": "b"}}""", "filter.title"),
        ("/data/find", """{"collectionName": "{N}", "filter": {"title": "\udc00"}}""", "filter.title"),
        ("/data/find", """{"collectionName": "{N}", "omitTotalCount": "yes"}""", "omitTotalCount"),
        ("/data/find", """{"collectionName": "{N}", "sort": 3}""", "sort"),
        ("/data/find", """{"collectionName": "{N}", "limit": "ten"}""", "limit"),
        ("/data/insert", """{"collectionName": "{N}", "item": {"_id": "x", "title": "\ud800"}}""", "item.title"),
        ("/data/insert", """{"collectionName": "{N}", "item": {"_id": "x", "title": "a", "title": "b"}}""", "item.title"),
        ("/data/insert/bulk", """{"collectionName": "{N}", "items": 5}""", "items"),
        ("/data/update/bulk", """{"collectionName": "{N}", "items": [{"_id": "kept", "title": ["x"]}]}""", "items[0].title"),
        ("/data/remove/bulk", """{"collectionName": "{N}", "itemIds": [{"id": "kept"}]}""", "itemIds[0]"),
        ("/data/get", """{"collectionName": "{N}", "itemId": 5}""", "itemId"),
        ("/data/aggregate", """{"collectionName": "{N}", "processingStep": 5}""", "processingStep"),
        ("/schemas/column/add", """{"collectionName": "{N}", "column": {"name": "extra", "type": 5}}""", "column.type"),
        ("/schemas/column/add", """{"collectionName": "{N}", "column": "extra"}""", "column"),
        ("/schemas/column/remove", """{"collectionName": "{N}", "columnName": ["title"]}""", "columnName"),
        ("/schemas/find", """{"schemaIds": "{N}"}""", "schemaIds"),
    ];

    public static TheoryData<string, string, string, string> MalformedTargets
    {
        get
        {
            var data = new TheoryData<string, string, string, string>();
            foreach (string target in Targets)
            {
                foreach (var (path, body, named) in MalformedBodies)
                {
                    data.Add(target, path, body, named);
                }
            }
            return data;
        }
    }

    [SkippableTheory, MemberData(nameof(MalformedTargets))]
    public async Task A_malformed_body_with_the_right_secret_is_400_naming_the_field_and_changes_nothing(string target, string path, string body, string named)
    {
        var client = await ClientAsync(target);
        if (path.StartsWith("/schemas/", StringComparison.Ordinal) || path.EndsWith("/bulk", StringComparison.Ordinal) || path == "/data/aggregate")
        {
            RequireV2(client, $"{path}");
        }
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("malformed"), ("title", "text"));
        await c.InsertAsync(J("""{"_id": "kept", "title": "t"}"""));
        var payload = body.Replace("{N}", c.Name, StringComparison.Ordinal);
        var json = payload[..^1] + $", \"requestContext\": {{\"settings\": {{\"secretKey\": {JsonValue.Create(client.Target.SecretKey)!.ToJsonString()}}}}}}}";
        var response = (await client.PostAsync(path, json, "application/json")).ExpectLegacyError(400);
        Assert.Contains(named, response.Message, StringComparison.Ordinal);
        var items = await c.FindAsync(null);
        Assert.Equal(["kept"], items.Ids());
        Assert.Equal("t", items[0].Str("title"));
        var schema = (await client.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(c.Name) })).EnsureSuccess();
        Assert.DoesNotContain("extra", schema.Text, StringComparison.Ordinal);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Text_that_is_not_UTF_8_is_400_after_the_secret_check(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("notutf8"), ("title", "text"));
        var secret = JsonValue.Create(client.Target.SecretKey)!.ToJsonString();
        var head = $$$"""{"requestContext": {"settings": {"secretKey": {{{secret}}}}}, "collectionName": "{{{c.Name}}}", "item": {"_id": "u", "title": "a""";
        byte[] body = [.. Encoding.UTF8.GetBytes(head),
            0xC3, 0x28, .. "\"}}"u8];
        (await client.PostAsync("/data/insert", body, "application/json")).ExpectLegacyError(400);
        Assert.Empty(await c.FindAsync(null));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Non_finite_numbers_are_400_and_nothing_is_written(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("nonfinite"), ("title", "text"), ("n", "number"));
        await c.InsertAsync(J("""{"_id": "kept", "title": "t", "n": 1}"""));
        var f = Filter(client);
        var huge = J("1e400");
        List<(string Path, JsonObject Body)> calls =
        [
            ("/data/insert", O("""{"item": {"_id": "x", "n": 1e400}}""")),
            ("/data/update", O("""{"item": {"_id": "kept", "title": "changed", "n": -1e400}}""")),
            ("/data/find", new JsonObject { ["filter"] = f.Op("$gt", "n", huge), ["sort"] = new JsonArray(), ["skip"] = 0, ["limit"] = 10 }),
            ("/data/count", new JsonObject { ["filter"] = f.Eq("n", huge) }),
        ];
        if (client.Target.Protocol == ProtocolVersion.V2)
        {
            calls.Add(("/data/insert/bulk", O("""{"items": [{"_id": "y", "n": 2}, {"_id": "z", "n": 1e999}]}""")));
            calls.Add(("/data/update/bulk", O("""{"items": [{"_id": "kept", "n": 1e400}]}""")));
        }
        foreach (var (path, body) in calls)
        {
            body["collectionName"] = c.Name;
            var response = (await client.LegacyAsync(path, body)).ExpectLegacyError(400);
            Assert.Contains("finite", response.Message, StringComparison.Ordinal);
        }
        var items = await c.FindAsync(null);
        Assert.Equal(["kept"], items.Ids());
        Assert.Equal(1, items[0]!["n"]!.GetValue<double>());
        Assert.Equal("t", items[0].Str("title"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task String_operators_take_values_longer_than_50000_bytes(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("longpattern"), ("title", "text"));
        var body = new string('a', 60_000);
        await c.InsertAsync(new JsonObject { ["_id"] = "long", ["title"] = "start" + body + "end" });
        await c.InsertAsync(J("""{"_id": "short", "title": "start and end"}"""));
        var f = Filter(client);
        Assert.Equal(["long"], await c.IdsAsync(f.Op("$contains", "title", "t" + body + "e")));
        Assert.Equal(["long"], await c.IdsAsync(f.Op("$startsWith", "title", "start" + body)));
        Assert.Equal(["long"], await c.IdsAsync(f.Op("$endsWith", "title", body + "end")));
        Assert.Empty(await c.IdsAsync(f.Op("$contains", "title", new string('b', 2_000_000))));
    }
}
