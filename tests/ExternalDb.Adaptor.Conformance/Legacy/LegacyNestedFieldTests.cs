using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using static ExternalDb.Adaptor.Conformance.Json;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// Dotted paths into object fields in legacy filters (V1 tree and V2 form), sorts and projections. Skipped unless the
/// schema's object field carries <c>nestedPaths</c> (an ExternalDb extension of the field spec).
/// </summary>
public sealed class LegacyNestedFieldTests : LegacyTest
{
    private static async Task<LegacyCollection> CollectionAsync(AdaptorClient client, string purpose)
    {
        var c = await LegacyCollection.CreateAsync(client, UniqueName(purpose), ("title", "text"), ("address", "object"));
        Skip.If(c.Schema["fields"]?["address"]?["nestedPaths"] is null, "Schema field 'address' (object) does not carry nestedPaths; nested paths are not tested.");
        foreach (var item in J(V3.NestedDataset.Items).AsArray())
        {
            await c.InsertAsync(item!);
        }
        return c;
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Filters_compare_nested_values_by_type(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "lnested");
        var f = Filter(client);
        Assert.Equal(["p1"], await c.IdsAsync(f.Eq("address.city", "Paris")));
        Assert.Equal(["p1", "p2"], await c.IdsAsync(f.Op("$gt", "address.zip", 20000)));
        Assert.Equal(["p1", "p2"], await c.IdsAsync(f.Eq("address.geo.country.code", "FR")));
        Assert.Equal(["b1", "p1", "p2"], await c.IdsAsync(f.Op("$gt", "address.since", Date("2020-01-01T00:00:00.050Z"))));
        Assert.Equal(["l1"], await c.IdsAsync(f.Op("$startsWith", "address.city", "Lon")));
        Assert.Equal(["b1", "l1", "m1", "n1", "s1"], await c.IdsAsync(f.Not(f.Eq("address.geo.country.code", "FR"))));
    }

    [SkippableTheory, MemberData(nameof(Targets))]
    public async Task Sort_and_projection_take_nested_paths(string target)
    {
        var client = await ClientAsync(target);
        await using var c = await CollectionAsync(client, "lnestedsort");
        var f = Filter(client);
        var sorted = await c.FindAsync(f.Op("$exists", "address.geo.lat", true), J("""[{"fieldName": "address.geo.lat", "direction": "desc"}]"""));
        Assert.Equal(["b1", "l1", "p2", "p1", "s1"], sorted.Select(i => i.Str("_id")));
        if (client.Target.Protocol == ExternalDb.Protocol.ProtocolVersion.V2)
        {
            var projected = (await c.FindRawAsync(f.Eq("_id", "p1"), projection: J("""["address.city"]"""))).EnsureSuccess().Body.Arr("items");
            Assert.True(Same(J("""{"city": "Paris"}"""), Assert.Single(projected)?["address"]), projected.ToJsonString());
        }
    }
}
