using System.Globalization;
using System.Text.Json.Nodes;

namespace ExternalDb.Bench;

/// <summary>
/// One benchmark operation, twice: as a V3 request to the adaptor, and as the statements the adaptor runs for it
/// through the raw driver (same SQL text, same parameter types, same transaction shape, same pooled-connection use).
/// What the raw side leaves out is exactly the adaptor's own work: HTTP, JWT verification, JSON in and out, and the
/// catalog look-up of the collection's fields that precedes every operation.
/// </summary>
internal sealed class Scenario
{
    public required string Name { get; init; }

    /// <summary>The V3 path, e.g. <c>/v3/items/query</c>.</summary>
    public required string Path { get; init; }

    /// <summary>How many distinct requests (ids, categories, batches) the loops cycle through.</summary>
    public required int Variants { get; init; }

    /// <summary>The V3 <c>data.request</c> of variant k.</summary>
    public required Func<int, JsonObject> Request { get; init; }

    /// <summary>Throws unless the adaptor's answer to variant k is right; run once before the measured loops.</summary>
    public required Action<int, JsonNode> CheckAnswer { get; init; }

    /// <summary>The SQL the adaptor runs for variant 0 after its catalog look-up, in order.</summary>
    public required IReadOnlyList<string> Statements { get; init; }

    /// <summary>The SQL of variant k, where variants differ in their statements (batches of several sizes).</summary>
    public Func<int, IReadOnlyList<string>>? StatementsOf { get; init; }

    /// <summary>Runs <see cref="Statements"/> for variant k through the raw driver; throws when a result is not the expected one.</summary>
    public required Func<RawDriver, int, CancellationToken, Task> Raw { get; init; }

    /// <summary>True for inserts and updates: their V3 answer is 200 even when an item failed, so the loop looks for per-item errors.</summary>
    public bool Writes { get; init; }

    /// <summary>The table the inserts go to, emptied before each run so that every run starts from the same table.</summary>
    public BenchTable? EmptiedBeforeEachRun { get; init; }

    /// <summary>The variant worker <paramref name="worker"/> sends at iteration <paramref name="iteration"/>.</summary>
    /// <remarks>When the concurrency divides <see cref="Variants"/>, two loops never send the same variant at once (update batches stay disjoint).</remarks>
    public int Variant(int worker, long iteration, int concurrency) => (int)((worker + iteration * concurrency) % Variants);
}

/// <summary>The deterministic rows of the benchmark collection and the scenarios of the issues.</summary>
internal static class Scenarios
{
    public const int Categories = 10;
    public const int PageSize = 50;
    public const int BatchSize = 100;

    public static string Id(int i) => "item-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static string Category(int i) => "cat-" + (i % Categories).ToString(CultureInfo.InvariantCulture);

    public static double Price(int i) => (i * 7919L % 100_000) / 100.0;

    public static JsonObject SeedItem(int i) => new()
    {
        ["_id"] = Id(i),
        ["title"] = "Item " + i.ToString(CultureInfo.InvariantCulture),
        ["price"] = Price(i),
        ["category"] = Category(i),
        ["flag"] = i % 3 == 0,
    };

    public static IReadOnlyList<Scenario> All(RawDriver raw, BenchTable items, BenchTable inserts, int rows) =>
    [
        QueryById(raw, items, rows),
        FilteredPage(raw, items, rows),
        CountFiltered(raw, items, rows),
        Insert(raw, inserts, 1),
        Insert(raw, inserts, BatchSize),
        Update(raw, items, rows),
        OverlappingUpdates(raw, items),
    ];

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    private static DateTime NowMs()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>Query by <c>_id</c>: <c>{"_id": {"$eq": id}}</c>, limit 1.</summary>
    private static Scenario QueryById(RawDriver raw, BenchTable table, int rows)
    {
        const int variants = 1000;
        var ids = Enumerable.Range(0, variants).Select(k => Id((int)(k * 7919L % rows))).ToArray();
        string IdOf(int k) => ids[k];
        var page = table.QueryPage($"{table.Q("_id")} = @p0", raw.OrderTextAscending(table.Q("_id")), 1);
        return new Scenario
        {
            Name = "query by _id",
            Path = "/v3/items/query",
            Variants = variants,
            Request = k => new JsonObject
            {
                ["collectionId"] = table.Name,
                ["query"] = new JsonObject
                {
                    ["filter"] = new JsonObject { ["_id"] = new JsonObject { ["$eq"] = IdOf(k) } },
                    ["paging"] = new JsonObject { ["limit"] = 1, ["offset"] = 0 },
                },
                ["consistentRead"] = false,
                ["returnTotalCount"] = false,
            },
            CheckAnswer = (k, answer) => Require(answer["items"] is JsonArray { Count: 1 } a && (string?)a[0]?["_id"] == IdOf(k),
                $"query by _id did not answer item {IdOf(k)}: {answer.ToJsonString()}"),
            Statements = [page],
            Raw = async (driver, k, ct) =>
            {
                await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
                var read = await driver.ReadRowsAsync(connection, null, page, [new(IdOf(k), ColumnKind.Text), new(2L, ColumnKind.Number), new(0L, ColumnKind.Number)], ct).ConfigureAwait(false);
                Require(read == 1, $"raw query by _id read {read} rows");
            },
        };
    }

    /// <summary>A 50-row page of one category, most expensive first, with the total count.</summary>
    private static Scenario FilteredPage(RawDriver raw, BenchTable table, int rows)
    {
        string CategoryOf(int k) => Category(k);
        var totals = Enumerable.Range(0, Categories).Select(c => Enumerable.Range(0, rows).LongCount(i => i % Categories == c)).ToArray();
        long Total(int k) => totals[k % Categories];
        var where = $"{table.Q("category")} = @p0";
        var page = table.QueryPage(where, raw.OrderNumberDescending(table.Q("price")) + ", " + raw.OrderTextAscending(table.Q("_id")), 1);
        var count = table.Count(where);
        return new Scenario
        {
            Name = "50-row filtered query + total",
            Path = "/v3/items/query",
            Variants = Categories,
            Request = k => new JsonObject
            {
                ["collectionId"] = table.Name,
                ["query"] = new JsonObject
                {
                    ["filter"] = new JsonObject { ["category"] = new JsonObject { ["$eq"] = CategoryOf(k) } },
                    ["sort"] = new JsonArray(new JsonObject { ["fieldName"] = "price", ["order"] = "DESC" }),
                    ["paging"] = new JsonObject { ["limit"] = PageSize, ["offset"] = 0 },
                },
                ["consistentRead"] = false,
                ["returnTotalCount"] = true,
            },
            CheckAnswer = (k, answer) => Require(answer["items"] is JsonArray { Count: PageSize }
                                                 && (long?)answer["pagingMetadata"]?["total"] == Total(k),
                $"the filtered query did not answer {PageSize} items with total {Total(k)}: {answer["pagingMetadata"]?.ToJsonString()}"),
            // The page and the total in one command (one round trip), sharing the filter's parameter.
            Statements = [page + "; " + count],
            Raw = async (driver, k, ct) =>
            {
                await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
                var category = new RawParam(CategoryOf(k), ColumnKind.Text);
                var read = await driver.ReadResultsAsync(connection, null, page + "; " + count, [category, new(PageSize + 1L, ColumnKind.Number), new(0L, ColumnKind.Number)], ct).ConfigureAwait(false);
                Require(read is [PageSize + 1, 1], $"raw filtered query read {string.Join(" + ", read)} rows");
            },
        };
    }

    /// <summary>The user fields of one item, made once so the raw loops do not pay for building them.</summary>
    private sealed record ItemValues(string Id, string Title, double Price, string Category, bool Flag)
    {
        public JsonObject ToJson(bool withId)
        {
            var item = new JsonObject { ["title"] = Title, ["price"] = Price, ["category"] = Category, ["flag"] = Flag };
            if (withId)
            {
                item["_id"] = Id;
            }
            return item;
        }

        public void AddParams(List<RawParam> values)
        {
            values.Add(new(Title, ColumnKind.Text));
            values.Add(new(Price, ColumnKind.Number));
            values.Add(new(Category, ColumnKind.Text));
            values.Add(new(Flag, ColumnKind.Boolean));
        }
    }

    private static ItemValues NewItem(int k, int j) => new("", $"New {k}.{j}", k * 1000 + j + 0.5, Category(j), j % 2 == 0);

    /// <summary>
    /// <paramref name="size"/> new items in one request. The items carry no <c>_id</c> (the adaptor makes a GUID), so that
    /// one signed body can be sent again and again; the raw side makes GUIDs too.
    /// </summary>
    private static Scenario Insert(RawDriver raw, BenchTable table, int size)
    {
        const int variants = 16;
        var columns = table.InsertColumns;
        // Where the engine answers the rows it writes, one statement; elsewhere the existence check (locking the rows it
        // finds, in id order, as every write's does; here it finds none), the insert and the read-back.
        var exists = table.ExistingIds(size, raw.LockRows(table.Q("_id")));
        var insert = table.Insert(columns, size);
        var insertReturning = table.InsertReturning(columns, size);
        var readBack = table.ReadByIds(size);
        var batches = Enumerable.Range(0, variants).Select(k => Enumerable.Range(0, size).Select(j => NewItem(k, j)).ToArray()).ToArray();
        return new Scenario
        {
            Name = size == 1 ? "insert 1 item" : $"insert {size} items",
            Path = "/v3/items/insert",
            Variants = variants,
            Writes = true,
            EmptiedBeforeEachRun = table,
            Request = k => new JsonObject
            {
                ["collectionId"] = table.Name,
                ["items"] = new JsonArray([.. batches[k].Select(item => (JsonNode)item.ToJson(withId: false))]),
            },
            CheckAnswer = (k, answer) => Require(answer["results"] is JsonArray r && r.Count == size && r.All(x => x?["item"]?["_id"] is not null),
                $"the insert did not answer {size} items: {answer.ToJsonString()[..Math.Min(400, answer.ToJsonString().Length)]}"),
            Statements = raw.ReturnsWrittenRows ? [insertReturning] : [exists, insert, readBack],
            Raw = async (driver, k, ct) =>
            {
                // The adaptor inserts rows in id order (the order their keys are locked in).
                var ids = Enumerable.Range(0, size).Select(_ => Guid.NewGuid().ToString()).Order(StringComparer.Ordinal)
                    .Select(id => new RawParam(id, ColumnKind.Text)).ToArray();
                var now = NowMs();
                var values = new List<RawParam>(size * columns.Count);
                for (var j = 0; j < size; j++)
                {
                    values.Add(ids[j]);
                    values.Add(new(now, ColumnKind.DateTime));
                    values.Add(new(now, ColumnKind.DateTime));
                    batches[k][j].AddParams(values);
                }
                await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
                await using var tx = await connection.BeginTransactionAsync(driver.WriteIsolation, ct).ConfigureAwait(false);
                if (driver.ReturnsWrittenRows)
                {
                    var returned = await driver.ReadRowsAsync(connection, tx, insertReturning, values, ct).ConfigureAwait(false);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                    Require(returned == size, $"raw insert returned {returned} rows");
                    return;
                }
                var existing = await driver.ReadRowsAsync(connection, tx, exists, ids, ct).ConfigureAwait(false);
                var inserted = await driver.ExecuteAsync(connection, tx, insert, values, ct).ConfigureAwait(false);
                var stored = await driver.ReadRowsAsync(connection, tx, readBack, ids, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                Require(existing == 0 && inserted == size && stored == size, $"raw insert: {existing} existing, {inserted} inserted, {stored} read back");
            },
        };
    }

    /// <summary>100 existing items replaced in one request; each variant is its own batch of 100 ids.</summary>
    private static Scenario Update(RawDriver raw, BenchTable table, int rows)
    {
        var batches = rows / BatchSize;
        var variants = batches >= 16 ? batches - (batches % 16) : batches;
        return Updates("update 100 items", raw, table,
            [.. Enumerable.Range(0, variants).Select(k => (IReadOnlyList<int>)[.. Enumerable.Range(0, BatchSize).Select(j => k * BatchSize + j)])]);
    }

    /// <summary>
    /// 16 writers, each replacing 100 items of the same 200 (every two batches share about half their items), listed in a
    /// different order each: the adaptor must lock them in one order (or retry) so that no writer fails.
    /// </summary>
    private static Scenario OverlappingUpdates(RawDriver raw, BenchTable table)
    {
        const int pool = 2 * BatchSize;
        return Updates("16 writers, overlapping 100-item updates", raw, table,
        [
            .. Enumerable.Range(0, 16).Select(k =>
            {
                var batch = Enumerable.Range(0, BatchSize).Select(j => (k * 13 + j * 2 + (j >= BatchSize / 2 ? 1 : 0)) % pool).Distinct().ToList();
                return (IReadOnlyList<int>)(k % 2 == 0 ? batch : Enumerable.Reverse(batch).ToList());
            }),
        ]);
    }

    /// <summary>Replaces the items of one batch of rows per variant (in the order given; the adaptor sorts them by id).</summary>
    private static Scenario Updates(string name, RawDriver raw, BenchTable table, IReadOnlyList<IReadOnlyList<int>> batches)
    {
        string UpdatedTitle(int i) => $"Item {i} (updated)";
        var replacements = batches.Select(batch => batch.Select(i => new ItemValues(Id(i), UpdatedTitle(i), Price(i), Category(i), i % 3 == 0)).ToArray()).ToArray();
        // The raw side works in id order, as the adaptor does.
        var sorted = replacements.Select(batch => batch.OrderBy(item => item.Id, StringComparer.Ordinal).ToArray()).ToArray();
        var idParams = sorted.Select(batch => batch.Select(item => new RawParam(item.Id, ColumnKind.Text)).ToArray()).ToArray();
        var columns = table.UpdateColumns;
        var lockRows = raw.LockRows(table.Q("_id"));
        string[] Statements(int size)
        {
            if (!raw.ReturnsWrittenRows)
            {
                // The existence check locks the rows to change in id order; the update; the read-back.
                return [table.ExistingIds(size, lockRows), table.UpdateFromValues(size), table.ReadByIds(size)];
            }
            // One command: the rows locked in id order (where the engine locks rows; an UPDATE from a list of rows would
            // lock them in its join's order), then the UPDATE that answers the changed rows.
            return lockRows.Length == 0
                ? [table.UpdateFromValues(size) + table.Returning]
                : [table.ExistingIds(size, lockRows) + "; " + table.UpdateFromValues(size, firstParam: size) + table.Returning];
        }
        var statements = sorted.Select(batch => Statements(batch.Length)).ToArray();
        return new Scenario
        {
            Name = name,
            Path = "/v3/items/update",
            Variants = batches.Count,
            Writes = true,
            Request = k => new JsonObject
            {
                ["collectionId"] = table.Name,
                ["items"] = new JsonArray([.. replacements[k].Select(item => (JsonNode)item.ToJson(withId: true))]),
            },
            CheckAnswer = (k, answer) => Require(answer["results"] is JsonArray r && r.Count == replacements[k].Length
                                                 && r.Select((x, j) => (string?)x?["item"]?["title"] == replacements[k][j].Title).All(ok => ok),
                $"the update did not answer {replacements[k].Length} updated items: {answer.ToJsonString()[..Math.Min(400, answer.ToJsonString().Length)]}"),
            Statements = statements[0],
            StatementsOf = k => statements[k],
            Raw = async (driver, k, ct) =>
            {
                var ids = idParams[k];
                var size = ids.Length;
                var now = NowMs();
                var values = new List<RawParam>(size * (columns.Count + 1));
                for (var j = 0; j < size; j++)
                {
                    values.Add(ids[j]);
                    values.Add(new(now, ColumnKind.DateTime));
                    values.Add(new(null, ColumnKind.Text));
                    sorted[k][j].AddParams(values);
                }
                await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
                await using var tx = await connection.BeginTransactionAsync(driver.WriteIsolation, ct).ConfigureAwait(false);
                var sql = statements[k];
                if (driver.ReturnsWrittenRows)
                {
                    var locked = sql[0].Contains("; ", StringComparison.Ordinal);
                    var counts = await driver.ReadResultsAsync(connection, tx, sql[0], locked ? [.. ids, .. values] : values, ct).ConfigureAwait(false);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                    Require(counts[^1] == size && (!locked || counts[0] == size), $"raw update: {string.Join(" + ", counts)} rows");
                    return;
                }
                var existing = await driver.ReadRowsAsync(connection, tx, sql[0], ids, ct).ConfigureAwait(false);
                var updated = await driver.ExecuteAsync(connection, tx, sql[1], values, ct).ConfigureAwait(false);
                var stored = await driver.ReadRowsAsync(connection, tx, sql[2], ids, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                Require(existing == size && updated == size && stored == size, $"raw update: {existing} existing, {updated} updated, {stored} read back");
            },
        };
    }

    /// <summary>A count with a filter: <c>/v3/items/count</c> of one category.</summary>
    private static Scenario CountFiltered(RawDriver raw, BenchTable table, int rows)
    {
        var totals = Enumerable.Range(0, Categories).Select(c => Enumerable.Range(0, rows).LongCount(i => i % Categories == c)).ToArray();
        var count = table.Count($"{table.Q("category")} = @p0");
        return new Scenario
        {
            Name = "count with a filter",
            Path = "/v3/items/count",
            Variants = Categories,
            Request = k => new JsonObject
            {
                ["collectionId"] = table.Name,
                ["filter"] = new JsonObject { ["category"] = new JsonObject { ["$eq"] = Category(k) } },
            },
            CheckAnswer = (k, answer) => Require((long?)answer["totalCount"] == totals[k], $"count answered {answer.ToJsonString()}, not {totals[k]}"),
            Statements = [count],
            Raw = async (driver, k, ct) =>
            {
                await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
                var total = await driver.ScalarAsync(connection, null, count, [new(Category(k), ColumnKind.Text)], ct).ConfigureAwait(false);
                Require(total == totals[k], $"raw count {total}");
            },
        };
    }

    /// <summary>HTTP + JWT verification + JSON with no database work: what every V3 call pays before its statements.</summary>
    public static Scenario Capabilities() => new()
    {
        Name = "capabilities/get (no database)",
        Path = "/v3/capabilities/get",
        Variants = 1,
        Request = _ => [],
        CheckAnswer = (_, answer) => Require(answer["supportedFieldTypes"] is JsonArray, "capabilities/get answered no supportedFieldTypes"),
        Statements = [],
        Raw = (_, _, _) => Task.CompletedTask,
    };

    /// <summary>The adaptor's catalog look-up alone (three statements), through the raw driver.</summary>
    public static Func<RawDriver, int, CancellationToken, Task> CatalogLookup(BenchTable table) => async (driver, _, ct) =>
    {
        await using var connection = await driver.OpenAsync(ct).ConfigureAwait(false);
        var columns = 0;
        foreach (var sql in driver.CatalogStatements)
        {
            var read = await driver.ReadRowsAsync(connection, null, sql, [new(table.Name, ColumnKind.Text)], ct).ConfigureAwait(false);
            columns = columns == 0 ? read : columns;
        }
        Require(columns == table.Columns.Count, $"the catalog look-up found {columns} columns");
    };
}
