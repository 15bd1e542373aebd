using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// Changing a field's type through <c>/v3/collections/update</c>: allowed when the field holds no values or every value
/// converts without loss (NUMBER → TEXT, TEXT of digits → NUMBER, DATETIME ↔ ISO TEXT...), refused otherwise with
/// <c>COLLECTION_CHANGE_NOT_SUPPORTED</c> naming the field and the item whose value does not convert, and then nothing
/// changes. Skipped unless <c>/v3/capabilities/get</c> says <c>externalDb.fieldTypeChanges: true</c>.
/// </summary>
public sealed class V3FieldTypeChangeTests : V3Test
{
    private static async Task<V3Collection> CollectionAsync(AdaptorClient client, string purpose, params (string Key, string Type)[] fields)
    {
        await RequireCollectionModificationsAsync(client);
        Skip.IfNot((await CapabilitiesAsync(client))["externalDb"]?["fieldTypeChanges"]?.GetValue<bool>() == true,
            "The adaptor does not advertise externalDb.fieldTypeChanges in /v3/capabilities/get.");
        return await V3Collection.CreateAsync(client, UniqueId(purpose), fields);
    }

    /// <summary>Sends collections/update with <c>_id</c> and <paramref name="fields"/> (key, type).</summary>
    internal static Task<AdaptorResponse> UpdateAsync(V3Collection c, params (string Key, string Type)[] fields) =>
        c.Client.V3Async("/v3/collections/update", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = c.Id,
                ["fields"] = new JsonArray([.. fields.Prepend((Key: "_id", Type: "TEXT")).Select(f => (JsonNode)new JsonObject { ["key"] = f.Key, ["type"] = f.Type })]),
            },
        });

    private static async Task<string?> TypeOfAsync(V3Collection c, string key)
    {
        var got = (await c.Client.V3Async("/v3/collections/get", new JsonObject { ["collectionIds"] = new JsonArray(c.Id) })).EnsureSuccess();
        return got.Body.Arr("collections").Single(x => x.Str("id") == c.Id).Arr("fields").FirstOrDefault(f => f.Str("key") == key).Str("type");
    }

    private static async Task<Dictionary<string, JsonNode?>> ValuesAsync(V3Collection c, string key) =>
        (await c.QueryAsync()).OfType<JsonObject>().ToDictionary(i => i.Str("_id")!, i => i[key]?.DeepClone());

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_field_without_values_changes_to_any_type(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcempty", ("title", "TEXT"), ("price", "TEXT"));
        await c.InsertAsync(J("""{"_id": "a", "title": "no price"}"""));
        (await UpdateAsync(c, ("title", "TEXT"), ("price", "NUMBER"))).EnsureSuccess();
        Assert.Equal("NUMBER", await TypeOfAsync(c, "price"));
        await c.InsertAsync(J("""{"_id": "b", "price": 9.5}"""));
        Assert.Equal(["b"], await c.IdsAsync(J("""{"price": {"$gt": 5}}""")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Number_to_text_keeps_every_value(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcnum", ("n", "NUMBER"));
        await c.InsertAsync(J("""{"_id": "a", "n": 5}"""), J("""{"_id": "b", "n": 1.5}"""), J("""{"_id": "c", "n": -2}"""), J("""{"_id": "d"}"""));
        (await UpdateAsync(c, ("n", "TEXT"))).EnsureSuccess();
        Assert.Equal("TEXT", await TypeOfAsync(c, "n"));
        var values = await ValuesAsync(c, "n");
        Assert.Equal("5", values["a"]?.GetValue<string>());
        Assert.Equal("1.5", values["b"]?.GetValue<string>());
        Assert.Equal("-2", values["c"]?.GetValue<string>());
        Assert.Null(values["d"]);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Text_of_digits_changes_to_number_keeping_every_value(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcdigits", ("code", "TEXT"));
        await c.InsertAsync(J("""{"_id": "a", "code": "007"}"""), J("""{"_id": "b", "code": "12"}"""), J("""{"_id": "c", "code": "-1.50"}"""), J("""{"_id": "d"}"""));
        (await UpdateAsync(c, ("code", "NUMBER"))).EnsureSuccess();
        Assert.Equal("NUMBER", await TypeOfAsync(c, "code"));
        var values = await ValuesAsync(c, "code");
        Assert.Equal(7, values["a"]?.GetValue<double>());
        Assert.Equal(12, values["b"]?.GetValue<double>());
        Assert.Equal(-1.5, values["c"]?.GetValue<double>());
        Assert.Null(values["d"]);
        Assert.Equal(["a", "b"], await c.IdsAsync(J("""{"code": {"$gt": 5}}""")));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Datetime_and_iso_text_convert_both_ways(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcdate", ("when", "DATETIME"));
        await c.InsertAsync(J("""{"_id": "a", "when": {"$date": "2024-02-03T04:05:06.789Z"}}"""));
        (await UpdateAsync(c, ("when", "TEXT"))).EnsureSuccess();
        var text = (await ValuesAsync(c, "when"))["a"]?.GetValue<string>();
        Assert.Equal(DateTimeOffset.Parse("2024-02-03T04:05:06.789Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(text!, System.Globalization.CultureInfo.InvariantCulture));
        (await UpdateAsync(c, ("when", "DATETIME"))).EnsureSuccess();
        Assert.Equal(DateTimeOffset.Parse("2024-02-03T04:05:06.789Z", System.Globalization.CultureInfo.InvariantCulture),
            DateValue((await ValuesAsync(c, "when"))["a"], "when"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Boolean_and_text_convert_both_ways(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcbool", ("flag", "BOOLEAN"));
        await c.InsertAsync(J("""{"_id": "a", "flag": true}"""), J("""{"_id": "b", "flag": false}"""));
        (await UpdateAsync(c, ("flag", "TEXT"))).EnsureSuccess();
        Assert.Equal("true", (await ValuesAsync(c, "flag"))["a"]?.GetValue<string>());
        (await UpdateAsync(c, ("flag", "BOOLEAN"))).EnsureSuccess();
        var values = await ValuesAsync(c, "flag");
        Assert.True(values["a"]?.GetValue<bool>());
        Assert.False(values["b"]?.GetValue<bool>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Text_that_is_not_a_number_refuses_the_change_naming_the_field_and_item_and_changes_nothing(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcrefuse", ("title", "TEXT"), ("code", "TEXT"));
        await c.InsertAsync(J("""{"_id": "good", "code": "12"}"""), J("""{"_id": "bad", "code": "12 secret-ish"}"""), J("""{"_id": "zz", "code": "x"}"""));
        var response = await UpdateAsync(c, ("title", "TEXT"), ("code", "NUMBER"), ("extra", "NUMBER"));
        response.ExpectV3Error(400, "COLLECTION_CHANGE_NOT_SUPPORTED");
        var error = Assert.Single(response.Body?["data"]?["errors"]?.AsArray() ?? []);
        Assert.Equal("code", error.Str("fieldKey"));
        Assert.Contains("bad", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-ish", response.Text, StringComparison.Ordinal);
        // Nothing changed: the type, the values, and no field was added by the refused update.
        Assert.Equal("TEXT", await TypeOfAsync(c, "code"));
        Assert.Null(await TypeOfAsync(c, "extra"));
        var values = await ValuesAsync(c, "code");
        Assert.Equal("12", values["good"]?.GetValue<string>());
        Assert.Equal("12 secret-ish", values["bad"]?.GetValue<string>());
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task A_number_a_double_cannot_hold_exactly_refuses_the_change(string target)
    {
        await using var c = await CollectionAsync(await ClientAsync(target), "tcbig", ("code", "TEXT"));
        await c.InsertAsync(J("""{"_id": "a", "code": "12345678901234567890"}"""));
        (await UpdateAsync(c, ("code", "NUMBER"))).ExpectV3Error(400, "COLLECTION_CHANGE_NOT_SUPPORTED");
        Assert.Equal("12345678901234567890", (await ValuesAsync(c, "code"))["a"]?.GetValue<string>());
    }
}
