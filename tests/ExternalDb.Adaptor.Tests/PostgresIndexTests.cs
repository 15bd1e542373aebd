using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Data;
using Npgsql;
using NpgsqlTypes;

namespace ExternalDb.Adaptor.Tests;

/// <summary>PostgreSQL only: indexes built CONCURRENTLY (BUILDING, INVALID leftovers) and nested-path queries served by an index.</summary>
public sealed partial class PostgresAdaptorTests
{
    private async Task<string> ObjectCollectionAsync(int rows)
    {
        var id = await CreateAsync(("address", "OBJECT"), ("n", "NUMBER"));
        if (rows > 0)
        {
            await Host.ExecuteSqlAsync($"INSERT INTO \"{id}\" (\"_id\", \"address\", \"n\") " +
                $"SELECT 'i' || g, jsonb_build_object('city', 'c' || (g % 500), 'zip', g), g FROM generate_series(1, {rows}) AS g");
        }
        return id;
    }

    [Fact]
    public async Task Nested_path_equality_is_answered_through_an_index_on_the_path()
    {
        var id = await ObjectCollectionAsync(20_000);
        await Host.V3OkAsync("/v3/indexes/create", IndexRequest(id, "by_city", "address.city"));
        Assert.Equal("ACTIVE", (await SettledIndexAsync(id, "by_city"))["status"]!.GetValue<string>());
        await Host.ExecuteSqlAsync($"ANALYZE \"{id}\"");

        // The statement the adaptor sends, from Npgsql's tracing (the adaptor runs in this process).
        var statements = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is string sql && sql.Contains($"FROM \"{id}\" WHERE", StringComparison.Ordinal))
                {
                    statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var items = await QueryAsync(id, new JsonObject { ["address.city"] = "c42" }, limit: 100);
        Assert.Equal(40, items.Count);
        Assert.All(items, i => Assert.Equal("c42", i!["address"]!["city"]!.GetValue<string>()));

        var select = Assert.Single(statements, s => s.StartsWith("SELECT", StringComparison.Ordinal) && s.Contains("LIMIT", StringComparison.Ordinal));
        await using var connection = await Postgres.OpenConnectionAsync();
#pragma warning disable CA2100 // The adaptor's own statement (its values are the parameters below).
        await using var explain = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + select, connection);
#pragma warning restore CA2100
        explain.Parameters.Add(new NpgsqlParameter("p0", NpgsqlDbType.Jsonb) { Value = "\"c42\"" });
        explain.Parameters.Add(new NpgsqlParameter("p1", NpgsqlDbType.Bigint) { Value = 101L });
        explain.Parameters.Add(new NpgsqlParameter("p2", NpgsqlDbType.Bigint) { Value = 0L });
        var plan = Convert.ToString(await explain.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
        Assert.Contains($"\"Index Name\": \"{IndexStore.SqlName(id, "by_city")}\"", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_is_BUILDING_while_a_transaction_holds_the_table_then_ACTIVE()
    {
        var id = await ObjectCollectionAsync(100);
        await using var blocker = await Postgres.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
#pragma warning disable CA2100 // Test SQL.
        await using (var insert = new NpgsqlCommand($"INSERT INTO \"{id}\" (\"_id\", \"n\") VALUES ('held', 1)", blocker, tx))
#pragma warning restore CA2100
        {
            await insert.ExecuteNonQueryAsync();
        }
        var created = await Host.V3OkAsync("/v3/indexes/create", IndexRequest(id, "by_n", "n"));
        Assert.Equal("BUILDING", created["index"]!["status"]!.GetValue<string>());
        Assert.Equal("BUILDING", (await IndexAsync(id, "by_n"))["status"]!.GetValue<string>());
        await tx.CommitAsync();
        Assert.Equal("ACTIVE", (await SettledIndexAsync(id, "by_n"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unique_index_over_duplicates_fails_with_the_reason_and_leaves_no_index_behind()
    {
        var id = await ObjectCollectionAsync(0);
        await InsertAsync(id, new JsonObject { ["_id"] = "a", ["n"] = 1 }, new JsonObject { ["_id"] = "b", ["n"] = 1 });
        await Host.V3OkAsync("/v3/indexes/create", IndexRequest(id, "n_unique", "n", unique: true));
        var index = await SettledIndexAsync(id, "n_unique");
        Assert.Equal("FAILED", index["status"]!.GetValue<string>());
        Assert.Equal("WDE0113", index["failure"]!["code"]!.GetValue<string>());
        Assert.Contains("n", index["failure"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0L, await CountIndexesAsync(IndexStore.SqlName(id, "n_unique")));
    }

    [Fact]
    public async Task A_build_cut_short_by_the_adaptor_stopping_is_INVALID_and_can_be_removed()
    {
        var id = await ObjectCollectionAsync(100);
        await using (var blocker = await Postgres.OpenConnectionAsync())
        {
            await using var tx = await blocker.BeginTransactionAsync();
#pragma warning disable CA2100 // Test SQL.
            await using (var insert = new NpgsqlCommand($"INSERT INTO \"{id}\" (\"_id\", \"n\") VALUES ('held', 1)", blocker, tx))
#pragma warning restore CA2100
            {
                await insert.ExecuteNonQueryAsync();
            }
            await using (var twin = await Host.StartTwinAsync())
            {
                var (status, body) = await twin.PostTokenAsync("/v3/indexes/create", Host.SignEs256(IndexRequest(id, "by_n", "n")));
                Assert.True(status == 200, body?.ToJsonString());
                Assert.Equal("BUILDING", body!["index"]!["status"]!.GetValue<string>());
            }
            await tx.RollbackAsync();
        }
        var index = await IndexAsync(id, "by_n");
        Assert.Equal("INVALID", index["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(index["failure"]!["description"]!.GetValue<string>()));
        Assert.Equal(1L, await CountIndexesAsync(IndexStore.SqlName(id, "by_n")));

        await Host.V3OkAsync("/v3/indexes/remove", new JsonObject { ["collectionId"] = id, ["indexName"] = "by_n" });
        Assert.Equal(0L, await CountIndexesAsync(IndexStore.SqlName(id, "by_n")));
        await Host.V3OkAsync("/v3/indexes/create", IndexRequest(id, "by_n", "n"));
        Assert.Equal("ACTIVE", (await SettledIndexAsync(id, "by_n"))["status"]!.GetValue<string>());
    }

    private async Task<long> CountIndexesAsync(string sqlName)
    {
        await using var connection = await Postgres.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM pg_class WHERE relkind = 'i' AND relname = @name", connection);
        command.Parameters.AddWithValue("name", sqlName);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
