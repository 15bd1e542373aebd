using System.Text.Json.Nodes;
using ExternalDb.TestSupport;
using Xunit.Abstractions;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// One scripted sequence through the gateway against our adaptor on SQLite, PostgreSQL and MySQL (MariaDB), connected
/// once as V3 and once as STANDALONE (V2): every combination must give the same answers.
/// </summary>
public sealed class GatewayMatrixTests(ITestOutputHelper output)
{
    private const string Secret = "matrix-secret-7d1e";

    [Fact]
    public async Task The_scripted_sequence_gives_the_same_answers_on_every_engine_and_protocol()
    {
        await using var server = await GatewayServer.StartAsync();
        var postgres = await SharedPostgres.GetAsync();
        var mariaDb = await SharedMariaDb.GetAsync();
        var transcripts = new Dictionary<string, List<(string Step, string Answer)>>();
        var adaptors = new List<ReferenceAdaptor>();
        try
        {
            foreach (var engine in new[] { "sqlite", "postgres", "mysql" })
            {
                foreach (var protocol in new[] { "v3", "v2" })
                {
                    var name = $"{engine}-{protocol}";
                    var connectionString = engine switch
                    {
                        "sqlite" => $"Data Source={Path.Combine(Path.GetTempPath(), $"e2e-{Guid.NewGuid():N}.db")}",
                        "postgres" => await postgres.CreateDatabaseAsync($"e2e_{protocol}_{Guid.NewGuid():N}"[..24]),
                        _ => await mariaDb.CreateDatabaseAsync($"e2e_{protocol}_{Guid.NewGuid():N}"[..24]),
                    };
                    ReferenceAdaptor adaptor;
                    if (protocol == "v3")
                    {
                        var created = await server.CreateConnectionAsync(name, null, "WIX_SERVICE_PLUGIN");
                        adaptor = await ReferenceAdaptor.StartAsync(engine, connectionString,
                            publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
                        adaptors.Add(adaptor);
                        var updated = await server.UpdateConnectionAsync(name, adaptor.BaseUrl);
                        Assert.Equal("V3", updated["protocolVersion"]!.GetValue<string>());
                        Assert.True(updated["connectionStatus"]!["successful"]!.GetValue<bool>(), updated.ToJsonString());
                    }
                    else
                    {
                        adaptor = await ReferenceAdaptor.StartAsync(engine, connectionString, secretKey: Secret);
                        adaptors.Add(adaptor);
                        var created = await server.CreateConnectionAsync(name, adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = Secret });
                        Assert.Equal("V2", created["protocolVersion"]!.GetValue<string>());
                        Assert.True(created["connectionStatus"]!["successful"]!.GetValue<bool>(), created.ToJsonString());
                    }
                    transcripts[name] = await RunSequenceAsync(server, name);
                }
            }
        }
        finally
        {
            foreach (var adaptor in adaptors)
            {
                await adaptor.DisposeAsync();
            }
        }

        var reference = transcripts["sqlite-v3"];
        foreach (var (name, transcript) in transcripts)
        {
            Assert.Equal(reference.Count, transcript.Count);
            for (var i = 0; i < reference.Count; i++)
            {
                Assert.True(reference[i].Answer == transcript[i].Answer,
                    $"{name} differs from sqlite-v3 at step '{reference[i].Step}':\n  sqlite-v3: {reference[i].Answer}\n  {name}: {transcript[i].Answer}");
            }
        }
    }

    private async Task<List<(string Step, string Answer)>> RunSequenceAsync(GatewayServer server, string connection)
    {
        var transcript = new List<(string, string)>();
        var collection = $"{connection}/cars";
        async Task<JsonObject> Step(string step, string path, JsonObject body, int expectedStatus = 200)
        {
            var (status, answer) = await GatewayServer.PostAsync(server.Admin, path, body);
            output.WriteLine($"{connection} {step}: {status} {answer.ToJsonString()}");
            Assert.True(status == expectedStatus, $"{connection} {step}: expected {expectedStatus}, got {status}: {answer.ToJsonString()}");
            transcript.Add((step, status + " " + Normalize(answer, connection)));
            return answer;
        }
        JsonObject Item(string id, string make, double year, bool electric) => new()
        {
            ["id"] = id,
            ["data"] = new JsonObject { ["make"] = make, ["year"] = year, ["electric"] = electric, ["registered"] = new JsonObject { ["$date"] = $"{(int)year}-05-06T07:08:09.123Z" } },
        };

        await Step("create collection", "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = collection,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "make", ["type"] = "TEXT" },
                    new JsonObject { ["key"] = "year", ["type"] = "NUMBER" },
                    new JsonObject { ["key"] = "electric", ["type"] = "BOOLEAN" },
                    new JsonObject { ["key"] = "registered", ["type"] = "DATETIME" }),
                ["permissions"] = new JsonObject { ["insert"] = "ADMIN", ["update"] = "ADMIN", ["remove"] = "ADMIN", ["read"] = "ANYONE" },
            },
        });
        foreach (var (id, make, year, electric) in new[] { ("c1", "Tesla", 2020.0, true), ("c2", "BMW", 2015.0, false), ("c3", "Audi", 2018.0, false) })
        {
            await Step($"insert {id}", "wix-data/v2/items", new JsonObject { ["dataCollectionId"] = collection, ["dataItem"] = Item(id, make, year, electric) });
        }
        await Step("query filter+sort+offset+total", "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["query"] = new JsonObject
            {
                ["filter"] = new JsonObject { ["year"] = new JsonObject { ["$gte"] = 2015 } },
                ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "year", ["order"] = "DESC" }),
                ["paging"] = new JsonObject { ["limit"] = 2, ["offset"] = 1 },
            },
            ["returnTotalCount"] = true,
        });
        var first = await Step("cursor page 1", "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["query"] = new JsonObject
            {
                ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "make", ["order"] = "ASC" }),
                ["cursorPaging"] = new JsonObject { ["limit"] = 2 },
            },
        });
        await Step("cursor page 2", "wix-data/v2/items/query", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["query"] = new JsonObject { ["cursorPaging"] = new JsonObject { ["limit"] = 2, ["cursor"] = first["pagingMetadata"]!["cursors"]!["next"]!.GetValue<string>() } },
        });
        await Step("count", "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collection, ["filter"] = new JsonObject { ["electric"] = false } });
        var (getStatus, got) = await GatewayServer.GetAsync(server.Admin, $"wix-data/v2/items/c2?dataCollectionId={Uri.EscapeDataString(collection)}");
        transcript.Add(("get", getStatus + " " + Normalize(got, connection)));
        Assert.Equal(200, getStatus);
        await Step("update", "wix-data/v2/items/update", new JsonObject { ["dataCollectionId"] = collection, ["dataItem"] = Item("c2", "BMW", 2016, true) });
        await Step("save new", "wix-data/v2/items/save", new JsonObject { ["dataCollectionId"] = collection, ["dataItem"] = Item("c4", "Kia", 2022, true) });
        await Step("save existing", "wix-data/v2/items/save", new JsonObject { ["dataCollectionId"] = collection, ["dataItem"] = Item("c4", "Kia", 2023, true) });
        await Step("aggregate", "wix-data/v2/items/aggregate", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["aggregation"] = new JsonObject
            {
                ["groupingFields"] = new JsonArray("electric"),
                ["operations"] = new JsonArray(
                    new JsonObject { ["resultFieldName"] = "n", ["itemCount"] = new JsonObject() },
                    new JsonObject { ["resultFieldName"] = "newest", ["max"] = new JsonObject { ["itemFieldName"] = "year" } }),
            },
            ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "n", ["order"] = "ASC" }),
        });
        await Step("distinct", "wix-data/v2/items/query-distinct-values", new JsonObject { ["dataCollectionId"] = collection, ["fieldName"] = "electric", ["order"] = "ASC" });
        await Step("bulk insert with a duplicate", "wix-data/v2/bulk/items/insert", new JsonObject
        {
            ["dataCollectionId"] = collection,
            ["dataItems"] = new JsonArray(Item("c5", "Fiat", 2010, false), Item("c1", "Tesla", 2020, true), Item("c6", "Seat", 2012, false)),
        });
        var owners = $"{connection}/owners";
        await Step("create referring collection", "wix-data/v2/collections", new JsonObject
        {
            ["collection"] = new JsonObject
            {
                ["id"] = owners,
                ["fields"] = new JsonArray(
                    new JsonObject { ["key"] = "name", ["type"] = "TEXT" },
                    new JsonObject
                    {
                        ["key"] = "cars",
                        ["type"] = "MULTI_REFERENCE",
                        ["typeMetadata"] = new JsonObject { ["multiReference"] = new JsonObject { ["referencedCollectionId"] = collection } },
                    }),
            },
        });
        await Step("insert owner", "wix-data/v2/items", new JsonObject { ["dataCollectionId"] = owners, ["dataItem"] = new JsonObject { ["id"] = "o1", ["data"] = new JsonObject { ["name"] = "Ann" } } });
        JsonObject Reference(string car) => new() { ["referringItemFieldName"] = "cars", ["referringItemId"] = "o1", ["referencedItemId"] = car };
        await Step("insert references", "wix-data/v2/bulk/items/insert-references", new JsonObject
        {
            ["dataCollectionId"] = owners,
            ["dataItemReferences"] = new JsonArray(Reference("c1"), Reference("c3")),
        });
        await Step("insert a duplicate reference", "wix-data/v2/items/insert-reference", new JsonObject { ["dataCollectionId"] = owners, ["dataItemReference"] = Reference("c1") }, 409);
        await Step("query referenced", "wix-data/v2/items/query-referenced", new JsonObject
        {
            ["dataCollectionId"] = owners,
            ["referringItemId"] = "o1",
            ["referringItemFieldName"] = "cars",
            ["order"] = "ASC",
        });
        await Step("is referenced", "wix-data/v2/items/is-referenced", new JsonObject
        {
            ["dataCollectionId"] = owners, ["referringItemFieldName"] = "cars", ["referringItemId"] = "o1", ["referencedItemId"] = "c3",
        });
        await Step("remove reference", "wix-data/v2/items/remove-reference", new JsonObject { ["dataCollectionId"] = owners, ["dataItemReference"] = Reference("c3") });
        await Step("is referenced after remove", "wix-data/v2/items/is-referenced", new JsonObject
        {
            ["dataCollectionId"] = owners, ["referringItemFieldName"] = "cars", ["referringItemId"] = "o1", ["referencedItemId"] = "c3",
        });
        await Step("remove", "wix-data/v2/items/remove", new JsonObject { ["dataCollectionId"] = collection, ["dataItemId"] = "c5" });
        await Step("count after remove", "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collection });
        await Step("truncate", "wix-data/v2/items/truncate", new JsonObject { ["dataCollectionId"] = collection });
        await Step("count after truncate", "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collection });
        var (ownersStatus, ownersDeleted) = await GatewayServer.DeleteAsync(server.Admin, $"wix-data/v2/collections/{owners}");
        Assert.True(ownersStatus == 200, ownersDeleted.ToJsonString());
        var (deleteStatus, deleted) = await GatewayServer.DeleteAsync(server.Admin, $"wix-data/v2/collections/{collection}");
        transcript.Add(("delete collection", deleteStatus + " " + deleted.ToJsonString()));
        Assert.True(deleteStatus == 200, deleted.ToJsonString());
        var (goneStatus, _) = await GatewayServer.PostAsync(server.Admin, "wix-data/v2/items/count", new JsonObject { ["dataCollectionId"] = collection });
        transcript.Add(("count of deleted collection", goneStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(404, goneStatus);
        return transcript;
    }

    /// <summary>
    /// Drops what legitimately differs between runs: the connection's name, timestamps, cursors; and the index limits,
    /// which V3 adaptors say (<c>indexOptions</c>) and the legacy protocol has no way to say (they read 0 there).
    /// </summary>
    private static string Normalize(JsonNode node, string connection)
    {
        var copy = node.DeepClone();
        Walk(copy);
        return copy.ToJsonString().Replace(connection + "/", "", StringComparison.Ordinal);

        static void Walk(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var key in new[] { "_createdDate", "_updatedDate", "cursors", "revision", "traceId", "requestId", "_owner", "indexLimits" })
                    {
                        o.Remove(key);
                    }
                    foreach (var (key, value) in o.ToList())
                    {
                        if (value is JsonValue number && number.TryGetValue<double>(out var d))
                        {
                            o[key] = d;
                        }
                        else
                        {
                            Walk(value);
                        }
                    }
                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item);
                    }
                    break;
            }
        }
    }
}
