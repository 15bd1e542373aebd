using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>Legacy <c>/provision</c>, secret-key authentication and <c>/schemas/*</c>.</summary>
public sealed class LegacySchemaTests : LegacyTest
{
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Provision_answers_the_protocol_version(string target)
    {
        var client = await ClientAsync(target);
        var response = (await client.LegacyAsync("/provision")).EnsureSuccess();
        var version = response.Object["protocolVersion"];
        if (client.Target.Protocol == ProtocolVersion.V2)
        {
            Assert.True(version is JsonValue v && v.GetValue<double>() == 2, $"A V2 adaptor answers protocolVersion 2: {response.Text}");
        }
        else if (!client.Target.SelfHosted)
        {
            Assert.True(version is null, $"A V1 adaptor answers /provision without protocolVersion: {response.Text}");
        }
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Wrong_secret_key_is_401_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        (await client.LegacyWithSecretAsync("/schemas/list", [], "wrong-" + Guid.NewGuid())).ExpectLegacyError(401);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Missing_secret_key_is_401_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        (await client.LegacyWithSecretAsync("/schemas/list", [], null)).ExpectLegacyError(401);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Missing_request_context_is_refused(string target)
    {
        var client = await ClientAsync(target);
        var response = await client.PostAsync("/schemas/list", "{}", "application/json");
        Assert.True(response.StatusCode is 400 or 401 && !string.IsNullOrEmpty(response.Message), $"Expected 400 or 401 with a message: {response}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Every_data_and_schema_path_checks_the_secret_key(string target)
    {
        var client = await ClientAsync(target);
        string[] paths =
        [
            "/schemas/list", "/schemas/find", "/data/find", "/data/get", "/data/insert", "/data/update", "/data/remove", "/data/count",
        ];
        if (client.Target.Protocol == ProtocolVersion.V2)
        {
            paths = [.. paths, "/schemas/create", "/schemas/column/add", "/schemas/column/remove", "/schemas/list/headers",
                "/data/insert/bulk", "/data/update/bulk", "/data/remove/bulk", "/data/aggregate", "/data/truncate"];
        }
        var failures = new List<string>();
        foreach (var path in paths)
        {
            var response = await client.LegacyWithSecretAsync(path, O("""{"collectionName": "anything", "schemaIds": ["anything"], "itemId": "x"}"""), "wrong");
            if (response.StatusCode != 401 || string.IsNullOrEmpty(response.Message))
            {
                failures.Add(response.ToString());
            }
        }
        Assert.True(failures.Count == 0, "Paths that did not answer 401 {message} to a wrong secret:\n" + string.Join('\n', failures));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Created_collection_is_listed_with_a_field_map_in_legacy_types(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("schema"),
            ("title", "text"), ("n", "number"), ("flag", "boolean"), ("when", "datetime"), ("meta", "object"));
        var list = (await client.LegacyAsync("/schemas/list")).EnsureSuccess();
        var schema = list.Body.Arr("schemas").OfType<JsonObject>().SingleOrDefault(s => s.Str("id") == c.Name);
        Assert.True(schema is not null, $"{c.Name} is not in /schemas/list");

        var fields = schema["fields"] as JsonObject;
        Assert.True(fields is not null, $"fields must be a map from name to FieldSpec: {schema.ToJsonString()}");
        Assert.Equal("text", fields["title"].Str("type"));
        Assert.Equal("number", fields["n"].Str("type"));
        Assert.Equal("boolean", fields["flag"].Str("type"));
        Assert.Equal("datetime", fields["when"].Str("type"));
        Assert.Equal("object", fields["meta"].Str("type"));
        Assert.True(fields.ContainsKey("_id"), "the _id field is part of the schema");
        foreach (var (name, spec) in fields)
        {
            Assert.Contains(spec.Str("type"), LegacyFieldTypes.All);
            Assert.All(spec.Arr("queryOperators"), op => Assert.DoesNotContain("$", op!.GetValue<string>(), StringComparison.Ordinal));
        }
        var operations = schema.Arr("allowedOperations").Select(o => o!.GetValue<string>().ToLowerInvariant()).ToList();
        Assert.Subset(operations.ToHashSet(), new HashSet<string> { "get", "find", "count", "insert", "update", "remove" });
        Assert.True(schema["maxPageSize"] is JsonValue, "maxPageSize is a number");
        Assert.True(schema["ttl"] is JsonValue, "ttl is a number");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Find_of_unknown_schema_is_404_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        (await client.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(UniqueName("missing")) })).ExpectLegacyError(404);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Creating_an_existing_collection_is_409_with_a_message(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/schemas/create");
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("dup"), ("a", "text"));
        (await client.LegacyAsync("/schemas/create", new JsonObject { ["collectionName"] = c.Name })).ExpectLegacyError(409);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Columns_can_be_added_and_removed(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/schemas/column/add and /schemas/column/remove");
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("cols"), ("keep", "text"), ("drop", "number"));
        (await client.LegacyAsync("/schemas/column/add", O($$$"""{"collectionName": "{{{c.Name}}}", "column": {"name": "added", "type": "boolean"}}"""))).EnsureSuccess();
        (await client.LegacyAsync("/schemas/column/remove", O($$"""{"collectionName": "{{c.Name}}", "columnName": "drop"}"""))).EnsureSuccess();
        var found = (await client.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(c.Name) })).EnsureSuccess();
        var fields = found.Body.Arr("schemas")[0]?["fields"] as JsonObject;
        Assert.NotNull(fields);
        Assert.True(fields.ContainsKey("keep"));
        Assert.Equal("boolean", fields["added"].Str("type"));
        Assert.False(fields.ContainsKey("drop"), $"drop was removed: {fields.ToJsonString()}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Adding_an_existing_column_is_refused(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/schemas/column/add");
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("colsdup"), ("a", "text"));
        var response = await client.LegacyAsync("/schemas/column/add", O($$$"""{"collectionName": "{{{c.Name}}}", "column": {"name": "a", "type": "text"}}"""));
        Assert.True(response.StatusCode is 400 or 409 && !string.IsNullOrEmpty(response.Message), $"Expected 400/409 with a message: {response}");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task List_headers_names_every_collection(string target)
    {
        var client = await ClientAsync(target);
        RequireV2(client, "/schemas/list/headers");
        await using var c = await LegacyCollection.CreateAsync(client, UniqueName("headers"), ("a", "text"));
        var response = (await client.LegacyAsync("/schemas/list/headers")).EnsureSuccess();
        Assert.Contains(response.Body.Arr("schemas"), s => s.Str("id") == c.Name);
    }
}
