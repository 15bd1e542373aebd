using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>
/// One read-only collection per target shared by the query tests (class fixture), holding ten items
/// chosen so that every operator has a small, hand-checked answer:
/// <code>
/// id  title          n   flag   when (2024-01-DD 10:00:00.123Z)  tags
/// a   Alpha          1   true   01                               [red, green]
/// b   beta           2   false  02                               [green]
/// c   Gamma Ray      3   true   03                               [blue, red, green]
/// d   delta          4   false  04                               []
/// e   Hello World    5   true   05                               [blue]
/// f   hello-world    6   false  06                               (missing)
/// g   100% pure      7   true   07                               [x]
/// h   100x pure      0   false  08                               [y]
/// i   (missing)      9   true   09                               [red]
/// j   ab_c           10  false  10                               [z]
/// </code>
/// </summary>
public sealed class QueryDataset : SeededCollections<V3Collection>
{
    public static readonly string[] AllIds = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

    private const string Items = """
        [
          {"_id": "a", "title": "Alpha",       "n": 1,  "flag": true,  "when": {"$date": "2024-01-01T10:00:00.123Z"}, "tags": ["red", "green"]},
          {"_id": "b", "title": "beta",        "n": 2,  "flag": false, "when": {"$date": "2024-01-02T10:00:00.123Z"}, "tags": ["green"]},
          {"_id": "c", "title": "Gamma Ray",   "n": 3,  "flag": true,  "when": {"$date": "2024-01-03T10:00:00.123Z"}, "tags": ["blue", "red", "green"]},
          {"_id": "d", "title": "delta",       "n": 4,  "flag": false, "when": {"$date": "2024-01-04T10:00:00.123Z"}, "tags": []},
          {"_id": "e", "title": "Hello World", "n": 5,  "flag": true,  "when": {"$date": "2024-01-05T10:00:00.123Z"}, "tags": ["blue"]},
          {"_id": "f", "title": "hello-world", "n": 6,  "flag": false, "when": {"$date": "2024-01-06T10:00:00.123Z"}},
          {"_id": "g", "title": "100% pure",   "n": 7,  "flag": true,  "when": {"$date": "2024-01-07T10:00:00.123Z"}, "tags": ["x"]},
          {"_id": "h", "title": "100x pure",   "n": 0,  "flag": false, "when": {"$date": "2024-01-08T10:00:00.123Z"}, "tags": ["y"]},
          {"_id": "i",                         "n": 9,  "flag": true,  "when": {"$date": "2024-01-09T10:00:00.123Z"}, "tags": ["red"]},
          {"_id": "j", "title": "ab_c",        "n": 10, "flag": false, "when": {"$date": "2024-01-10T10:00:00.123Z"}, "tags": ["z"]}
        ]
        """;

    /// <summary>The seeded collection for <paramref name="client"/>'s target, created on first use.</summary>
    public Task<V3Collection> GetAsync(AdaptorClient client, Func<Task<V3Collection>> create) =>
        GetOrSeedAsync(client.Target.Name, () => SeedAsync(create));

    private static async Task<V3Collection> SeedAsync(Func<Task<V3Collection>> create)
    {
        var collection = await create();
        var items = Json.J(Items).AsArray();
        if (collection.Field("tags") is null)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item.Remove("tags");
            }
        }
        await collection.InsertAsync([.. items.Select(i => i!)]);
        return collection;
    }
}
