using System.Text.Json.Nodes;
using ExternalDb.Server.Adaptors.Legacy;

namespace ExternalDb.Gateway.Tests;

public sealed class V2FilterTranslatorTests
{
    private static JsonObject Translate(string mongo) => V2FilterTranslator.Instance.Translate(JsonNode.Parse(mongo));

    [Fact]
    public void Canonical_filter_is_sent_as_is()
    {
        const string filter = """{"$and":[{"make":{"$eq":"BMW"}},{"_createdDate":{"$gte":{"$date":"2019-02-01T00:00:00.000Z"}}}]}""";

        JsonAssert.Equal(filter, Translate(filter));
    }

    [Fact]
    public void Bare_values_become_eq()
    {
        JsonAssert.Equal("""{"make":{"$eq":"BMW"}}""", Translate("""{"make":"BMW"}"""));
        JsonAssert.Equal("""{"when":{"$eq":{"$date":"2020-01-01T00:00:00.000Z"}}}""", Translate("""{"when":{"$date":"2020-01-01T00:00:00.000Z"}}"""));
        JsonAssert.Equal("""{"address":{"$eq":{"city":"Paris"}}}""", Translate("""{"address":{"city":"Paris"}}"""));
    }

    [Fact]
    public void Not_object_becomes_an_array_of_one()
    {
        JsonAssert.Equal("""{"$not":[{"make":{"$eq":"BMW"}}]}""", Translate("""{"$not":{"make":"BMW"}}"""));
    }

    [Fact]
    public void Several_keys_become_an_explicit_and()
    {
        JsonAssert.Equal("""{"$and":[{"make":{"$eq":"BMW"}},{"year":{"$gt":1}},{"year":{"$lt":9}}]}""",
            Translate("""{"make":"BMW","year":{"$gt":1,"$lt":9}}"""));
    }

    [Fact]
    public void In_becomes_hasSome_and_other_operators_pass_through()
    {
        JsonAssert.Equal("""{"year":{"$hasSome":[1,2]}}""", Translate("""{"year":{"$in":[1,2]}}"""));
        JsonAssert.Equal("""{"name":{"$matches":{"ignoreCase":true,"spec":[]}}}""", Translate("""{"name":{"$matches":{"ignoreCase":true,"spec":[]}}}"""));
    }

    [Fact]
    public void Or_with_a_match_all_branch_matches_everything()
    {
        JsonAssert.Equal("{}", Translate("""{"$or":[{},{"a":1}]}"""));
    }
}
