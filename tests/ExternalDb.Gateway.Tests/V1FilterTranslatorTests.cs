using System.Text.Json.Nodes;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Adaptors.Legacy;
using ExternalDb.Server.Gateway;

namespace ExternalDb.Gateway.Tests;

public sealed class V1FilterTranslatorTests
{
    private static JsonObject Translate(string mongo) => V1FilterTranslator.Instance.Translate(JsonNode.Parse(mongo));

    [Theory]
    [InlineData("$eq", "\"BMW\"")]
    [InlineData("$ne", "\"BMW\"")]
    [InlineData("$lt", "2015")]
    [InlineData("$lte", "2015")]
    [InlineData("$gt", "2015")]
    [InlineData("$gte", "2015.5")]
    [InlineData("$hasSome", "[\"a\",\"b\"]")]
    [InlineData("$contains", "\"MW\"")]
    [InlineData("$startsWith", "\"B\"")]
    [InlineData("$endsWith", "\"W\"")]
    [InlineData("$urlized", "[\"red\",\"car\"]")]
    public void Field_operator_becomes_a_tree_node(string op, string value)
    {
        var tree = Translate("{\"make\": {\"" + op + "\": " + value + "}}");

        JsonAssert.Equal("{\"kind\":\"filter\",\"operator\":\"" + op + "\",\"fieldName\":\"make\",\"value\":" + value + "}", tree);
    }

    [Fact]
    public void Bare_value_is_eq_and_a_date_stays_a_date_object()
    {
        JsonAssert.Equal("""{"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"}""", Translate("""{"make":"BMW"}"""));
        JsonAssert.Equal("""{"kind":"filter","operator":"$eq","fieldName":"_createdDate","value":{"$date":"2020-01-01T00:00:00.000Z"}}""",
            Translate("""{"_createdDate":{"$date":"2020-01-01T00:00:00.000Z"}}"""));
        JsonAssert.Equal("""{"kind":"filter","operator":"$gte","fieldName":"_createdDate","value":{"$date":"2020-01-01T00:00:00.000Z"}}""",
            Translate("""{"_createdDate":{"$gte":{"$date":"2020-01-01T00:00:00.000Z"}}}"""));
    }

    [Fact]
    public void Null_value_is_kept_for_eq()
    {
        JsonAssert.Equal("""{"kind":"filter","operator":"$eq","fieldName":"owner","value":null}""", Translate("""{"owner":{"$eq":null}}"""));
    }

    [Fact]
    public void In_becomes_hasSome()
    {
        JsonAssert.Equal("""{"kind":"filter","operator":"$hasSome","fieldName":"year","value":[1,2]}""", Translate("""{"year":{"$in":[1,2]}}"""));
    }

    [Fact]
    public void And_and_or_hold_child_nodes_without_fieldName()
    {
        var tree = Translate("""{"$or":[{"$and":[{"make":{"$eq":"BMW"}},{"year":{"$gte":2015}}]},{"make":"Audi"}]}""");

        JsonAssert.Equal("""
            {"kind":"filter","operator":"$or","value":[
              {"kind":"filter","operator":"$and","value":[
                {"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"},
                {"kind":"filter","operator":"$gte","fieldName":"year","value":2015}]},
              {"kind":"filter","operator":"$eq","fieldName":"make","value":"Audi"}]}
            """, tree);
    }

    [Fact]
    public void Several_fields_or_operators_in_one_object_become_and()
    {
        var tree = Translate("""{"make":"BMW","year":{"$gt":2000,"$lt":2010}}""");

        JsonAssert.Equal("""
            {"kind":"filter","operator":"$and","value":[
              {"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"},
              {"kind":"filter","operator":"$gt","fieldName":"year","value":2000},
              {"kind":"filter","operator":"$lt","fieldName":"year","value":2010}]}
            """, tree);
    }

    [Theory]
    [InlineData("""{"$not":{"make":{"$eq":"BMW"}}}""")]
    [InlineData("""{"$not":[{"make":{"$eq":"BMW"}}]}""")]
    [InlineData("""{"make":{"$not":{"$eq":"BMW"}}}""")]
    public void Not_as_object_or_array_holds_one_child_at_value_0(string mongo)
    {
        JsonAssert.Equal("""
            {"kind":"filter","operator":"$not","value":[{"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"}]}
            """, Translate(mongo));
    }

    [Fact]
    public void Deep_nesting_is_kept()
    {
        var tree = Translate("""{"$and":[{"$not":[{"$or":[{"a":1},{"b":{"$ne":2}}]}]},{"c":{"$startsWith":"x"}}]}""");

        JsonAssert.Equal("""
            {"kind":"filter","operator":"$and","value":[
              {"kind":"filter","operator":"$not","value":[
                {"kind":"filter","operator":"$or","value":[
                  {"kind":"filter","operator":"$eq","fieldName":"a","value":1},
                  {"kind":"filter","operator":"$ne","fieldName":"b","value":2}]}]},
              {"kind":"filter","operator":"$startsWith","fieldName":"c","value":"x"}]}
            """, tree);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("\"\"")]
    [InlineData("""{"$and":[]}""")]
    [InlineData("""{"$and":[{}]}""")]
    public void Empty_filter_matches_everything(string mongo)
    {
        JsonAssert.Equal("{}", Translate(mongo));
    }

    [Fact]
    public void Single_child_and_is_unwrapped()
    {
        JsonAssert.Equal("""{"kind":"filter","operator":"$eq","fieldName":"a","value":1}""", Translate("""{"$and":[{"a":1}]}"""));
    }

    [Theory]
    [InlineData("""{"tags":{"$hasAll":["a"]}}""", "$hasAll")]
    [InlineData("""{"tags":{"$exists":true}}""", "$exists")]
    [InlineData("""{"$or":[{"a":1},{"name":{"$matches":{"spec":[]}}}]}""", "$matches")]
    [InlineData("""{"$not":[{"tags":{"$nin":[1]}}]}""", "$nin")]
    public void Operator_V1_cannot_express_is_refused_as_not_supported(string mongo, string op)
    {
        var e = Assert.Throws<AdaptorCallException>(() => Translate(mongo));

        Assert.Equal(AdaptorFailure.NotSupported, e.Failure);
        Assert.Contains(op, e.Message, StringComparison.Ordinal);
        Assert.Contains("V1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_logical_operator_is_a_validation_error()
    {
        var e = Assert.Throws<AdaptorCallException>(() => Translate("""{"$and":{"a":1}}"""));

        Assert.Equal("VALIDATION_ERROR", e.ErrorCode);
    }

    [Fact]
    public void Id_in_is_a_hasSome_node_on_id()
    {
        ILegacyFilterTranslator translator = V1FilterTranslator.Instance;

        JsonAssert.Equal("""{"kind":"filter","operator":"$hasSome","fieldName":"_id","value":["a","b"]}""", translator.IdIn(["a", "b"]));
    }

    [Fact]
    public void Translation_does_not_touch_the_request()
    {
        var request = JsonNode.Parse("""{"make":{"$in":["BMW"]},"$not":{"year":1}}""")!;
        var before = request.ToJsonString();

        V1FilterTranslator.Instance.Translate(request);

        Assert.Equal(before, request.ToJsonString());
    }
}
