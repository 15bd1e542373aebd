using ExternalDb.Adaptor.Conformance.Client;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// One read-only collection per target for the nested-path tests (class fixture): an OBJECT field <c>address</c>
/// whose values hold strings, numbers, a boolean, a date, an array and objects two levels down.
/// <code>
/// id  city        zip      geo.lat  geo.country.code  tags     since (date)               open
/// p1  Paris       75001    48.85    FR                [a, b]   2020-01-01T00:00:00.100Z   true
/// p2  paris       75002    48.86    FR                [b]      2021-06-01T00:00:00.000Z   false
/// l1  London      "EC1A"   51.5     GB                []       2019-03-01T12:00:00.500Z   true
/// b1  Berlin      10115    52.52    DE                —        2022-01-01T00:00:00.000Z   —
/// s1  São Paulo   1000     -23.5    —                 [c]      —                          —
/// n1  null        —        —        —                 —        —                          —      (address {"city": null})
/// m1  (no address at all)
/// </code>
/// </summary>
public sealed class NestedDataset : SeededCollections<V3Collection>
{
    public static readonly string[] AllIds = ["b1", "l1", "m1", "n1", "p1", "p2", "s1"];

    public const string Items = """
        [
          {"_id": "p1", "title": "first",  "address": {"city": "Paris", "zip": 75001, "geo": {"lat": 48.85, "country": {"code": "FR"}}, "tags": ["a", "b"], "since": {"$date": "2020-01-01T00:00:00.100Z"}, "open": true}},
          {"_id": "p2", "title": "second", "address": {"city": "paris", "zip": 75002, "geo": {"lat": 48.86, "country": {"code": "FR"}}, "tags": ["b"], "since": {"$date": "2021-06-01T00:00:00.000Z"}, "open": false}},
          {"_id": "l1", "title": "third",  "address": {"city": "London", "zip": "EC1A", "geo": {"lat": 51.5, "country": {"code": "GB"}}, "tags": [], "since": {"$date": "2019-03-01T12:00:00.500Z"}, "open": true}},
          {"_id": "b1", "title": "fourth", "address": {"city": "Berlin", "zip": 10115, "geo": {"lat": 52.52, "country": {"code": "DE"}}, "since": {"$date": "2022-01-01T00:00:00.000Z"}}},
          {"_id": "s1", "title": "fifth",  "address": {"city": "São Paulo", "zip": 1000, "geo": {"lat": -23.5}, "tags": ["c"]}},
          {"_id": "n1", "title": "sixth",  "address": {"city": null}},
          {"_id": "m1", "title": "seventh"}
        ]
        """;

    /// <summary>The seeded collection for <paramref name="client"/>'s target, created on first use.</summary>
    public Task<V3Collection> GetAsync(AdaptorClient client, Func<Task<V3Collection>> create) =>
        GetOrSeedAsync(client.Target.Name, () => SeedAsync(create));

    private static async Task<V3Collection> SeedAsync(Func<Task<V3Collection>> create)
    {
        var collection = await create();
        await collection.InsertAsync([.. Json.J(Items).AsArray().Select(i => i!)]);
        return collection;
    }
}
