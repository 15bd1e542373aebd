using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Gateway.Tests;

/// <summary>The one rule of which operator an adaptor is sent (<see cref="QueryOperators"/>), as V3 requests use it.</summary>
public sealed class AdaptorOperatorsTests
{
    private static JsonNode? Sent(string filter) => QueryOperators.ForAdaptor(JsonNode.Parse(filter));

    [Fact]
    public void In_is_sent_as_hasSome_everywhere_in_a_filter()
    {
        JsonAssert.Equal(
            """{"$and":[{"genre":{"$hasSome":["sf"]}},{"$or":[{"pages":{"$hasSome":[1]}},{"$not":[{"title":{"$hasSome":["x"],"$ne":"y"}}]}]}],"year":{"$not":{"$hasSome":[2]}}}""",
            Sent("""{"$and":[{"genre":{"$in":["sf"]}},{"$or":[{"pages":{"$in":1}},{"$not":[{"title":{"$in":["x"],"$ne":"y"}}]}]}],"year":{"$not":{"$in":[2]}}}"""));
    }

    [Fact]
    public void Values_dates_and_other_operators_pass_unchanged()
    {
        const string filter = """{"title":"$in","when":{"$date":"2020-01-01T00:00:00.000Z"},"meta":{"$in":1,"$hasSome":[2]},"year":{"$gt":1}}""";

        JsonAssert.Equal(filter, Sent(filter));
    }
}
