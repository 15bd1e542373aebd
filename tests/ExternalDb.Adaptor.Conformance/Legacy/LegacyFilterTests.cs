using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>One seeded legacy collection per target, shared by <see cref="LegacyFilterTests"/> (read-only).</summary>
public sealed class LegacyDataset : SeededCollections<LegacyCollection>
{
    public Task<LegacyCollection> GetAsync(AdaptorClient client) => GetOrSeedAsync(client.Target.Name, () => SeedAsync(client));

    private static async Task<LegacyCollection> SeedAsync(AdaptorClient client)
    {
        var c = await LegacyCollection.CreateAsync(client, $"cf_lfilter_{Guid.NewGuid().ToString("N")[..8]}",
            ("title", "text"), ("n", "number"), ("flag", "boolean"), ("when", "datetime"));
        // The same rows as the V3 QueryDataset, without the array column.
        foreach (var item in J("""
            [
              {"_id": "a", "title": "Alpha",       "n": 1,  "flag": true,  "when": {"$date": "2024-01-01T10:00:00.123Z"}},
              {"_id": "b", "title": "beta",        "n": 2,  "flag": false, "when": {"$date": "2024-01-02T10:00:00.123Z"}},
              {"_id": "c", "title": "Gamma Ray",   "n": 3,  "flag": true,  "when": {"$date": "2024-01-03T10:00:00.123Z"}},
              {"_id": "d", "title": "delta",       "n": 4,  "flag": false, "when": {"$date": "2024-01-04T10:00:00.123Z"}},
              {"_id": "e", "title": "Hello World", "n": 5,  "flag": true,  "when": {"$date": "2024-01-05T10:00:00.123Z"}},
              {"_id": "f", "title": "hello-world", "n": 6,  "flag": false, "when": {"$date": "2024-01-06T10:00:00.123Z"}},
              {"_id": "g", "title": "100% pure",   "n": 7,  "flag": true,  "when": {"$date": "2024-01-07T10:00:00.123Z"}},
              {"_id": "h", "title": "100x pure",   "n": 0,  "flag": false, "when": {"$date": "2024-01-08T10:00:00.123Z"}},
              {"_id": "i",                         "n": 9,  "flag": true,  "when": {"$date": "2024-01-09T10:00:00.123Z"}},
              {"_id": "j", "title": "ab_c",        "n": 10, "flag": false, "when": {"$date": "2024-01-10T10:00:00.123Z"}}
            ]
            """).AsArray())
        {
            await c.InsertAsync(item!);
        }
        return c;
    }
}

/// <summary>
/// Legacy <c>/data/find</c> filters: V1 tree form on <c>…/v1</c> targets, V2 Mongo form on <c>…/v2</c> targets,
/// over the data set of <see cref="V3.QueryDataset"/>. String operators are checked with values whose case
/// matches, since the legacy documents do not say whether they ignore case.
/// </summary>
public sealed class LegacyFilterTests(LegacyDataset dataset) : LegacyTest, IClassFixture<LegacyDataset>
{
    private static readonly string[] All = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

    private async Task<(LegacyCollection C, LegacyFilter F)> DataAsync(string target)
    {
        var client = await ClientAsync(target);
        return (await dataset.GetAsync(client), Filter(client));
    }

    private static async Task Expect(LegacyCollection c, JsonNode filter, params string[] ids) =>
        Assert.Equal(ids, await c.IdsAsync(filter));

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Empty_filter_matches_everything(string target)
    {
        var (c, f) = await DataAsync(target);
        await Expect(c, f.Empty, All);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Eq_and_ne(string target)
    {
        var (c, f) = await DataAsync(target);
        await Expect(c, f.Eq("title", "beta"), "b");
        await Expect(c, f.Eq("flag", false), "b", "d", "f", "h", "j");
        await Expect(c, f.Eq("title", null), "i");
        c.RequireOperator("n", "ne");
        await Expect(c, f.Op("$ne", "n", 2), [.. All.Except(["b"])]);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Lt_lte_gt_gte(string target)
    {
        var (c, f) = await DataAsync(target);
        c.RequireOperator("n", "lt");
        c.RequireOperator("n", "gte");
        await Expect(c, f.Op("$lt", "n", 2), "a", "h");
        await Expect(c, f.Op("$lte", "n", 2), "a", "b", "h");
        await Expect(c, f.Op("$gt", "n", 7), "i", "j");
        await Expect(c, f.Op("$gte", "n", 7), "g", "i", "j");
        await Expect(c, f.Op("$gt", "when", Date("2024-01-09T10:00:00.122Z")), "i", "j");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task HasSome_matches_any_listed_value(string target)
    {
        var (c, f) = await DataAsync(target);
        c.RequireOperator("n", "hasSome");
        await Expect(c, f.Op("$hasSome", "n", J("[2, 4]")), "b", "d");
        await Expect(c, f.Op("$hasSome", "title", J("""["beta", "delta"]""")), "b", "d");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Contains_startsWith_endsWith(string target)
    {
        var (c, f) = await DataAsync(target);
        c.RequireOperator("title", "contains");
        c.RequireOperator("title", "startsWith");
        c.RequireOperator("title", "endsWith");
        await Expect(c, f.Op("$contains", "title", "ell"), "e", "f");
        await Expect(c, f.Op("$startsWith", "title", "Gam"), "c");
        await Expect(c, f.Op("$endsWith", "title", "Ray"), "c");
        await Expect(c, f.Op("$contains", "title", "0% p"), "g");
        await Expect(c, f.Op("$startsWith", "title", "ab_"), "j");
        await Expect(c, f.Op("$startsWith", "title", "a_"));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Urlized_matches_words_joined_by_space_or_dash(string target)
    {
        var (c, f) = await DataAsync(target);
        c.RequireOperator("title", "urlized");
        await Expect(c, f.Op("$urlized", "title", J("""["hello", "world"]""")), "e", "f");
    }

    // Planted-defect guard: $matches must match the whole value, not a substring.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Matches_is_anchored_to_the_whole_value(string target)
    {
        var (c, f) = await DataAsync(target);
        Skip.If(f.IsTree, "$matches is a V2 filter operator; the V1 tree filter does not define it.");
        c.RequireOperator("title", "matches");
        await Expect(c, f.Op("$matches", "title", J("""
            {"ignoreCase": true, "spec": [{"type": "literal", "value": "ello"}, {"type": "anyOf", "value": " -"}, {"type": "literal", "value": "worl"}]}
            """)));
        await Expect(c, f.Op("$matches", "title", J("""
            {"ignoreCase": true, "spec": [{"type": "literal", "value": "hello"}, {"type": "anyOf", "value": " -"}, {"type": "literal", "value": "world"}]}
            """)), "e", "f");
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task And_or_not_combine(string target)
    {
        var (c, f) = await DataAsync(target);
        await Expect(c, f.And(f.Op("$gt", "n", 2), f.Eq("flag", true)), "c", "e", "g", "i");
        await Expect(c, f.Or(f.Eq("title", "beta"), f.Op("$gte", "n", 10)), "b", "j");
        await Expect(c, f.Not(f.Eq("flag", true)), "b", "d", "f", "h", "j");
        await Expect(c, f.Or(f.And(f.Eq("flag", false), f.Op("$lt", "n", 3)), f.Eq("title", "Gamma Ray")), "b", "c", "h");
    }

    // Planted-defect guard: an unknown operator is the caller's mistake (400), never a 500.
    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unknown_operator_is_400_not_500(string target)
    {
        var (c, f) = await DataAsync(target);
        (await c.FindRawAsync(f.Op("$regex", "title", "x"))).ExpectLegacyError(400);
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Unknown_field_is_400_not_500(string target)
    {
        var (c, f) = await DataAsync(target);
        (await c.FindRawAsync(f.Eq("no_such_field", 1))).ExpectLegacyError(400);
    }
}
