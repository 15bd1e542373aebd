using System.Globalization;
using System.Text.Json.Nodes;
using ExternalDb.Client;
using Xunit.Abstractions;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>
/// The .NET SDK against a real server and our reference adaptor on SQLite, connected once as V3 (two-call flow)
/// and once as STANDALONE: every call goes through <see cref="ExternalDbClient"/>, nothing through raw HTTP.
/// </summary>
public sealed class SdkAgainstGatewayTests(GatewayWithSqliteAdaptorsFixture fixture, ITestOutputHelper output)
    : IClassFixture<GatewayWithSqliteAdaptorsFixture>
{
    private const int ProductCount = 120;
    private static readonly string[] Categories = ["lamp", "chair", "desk"];

    /// <summary>One seeded product, as the test knows it.</summary>
    private sealed record Product(string Id, string Title, string Category, double Price, bool InStock);

    private static List<Product> Products() =>
    [
        .. Enumerable.Range(0, ProductCount).Select(i =>
        {
            var category = Categories[i % 3];
            var title = string.Create(CultureInfo.InvariantCulture, $"{char.ToUpperInvariant(category[0])}{category[1..]} {i:000}");
            return new Product($"p{i:000}", title, category, i, i % 4 != 0);
        }),
    ];

    private static DataItem ToItem(Product p) => new()
    {
        Id = p.Id,
        Data = new JsonObject { ["title"] = p.Title, ["category"] = p.Category, ["price"] = p.Price, ["inStock"] = p.InStock },
    };

    private (ExternalDbClient Client, HttpClient Http) NewClient(string apiKey)
    {
        var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return (new ExternalDbClient(http, apiKey), http);
    }

    /// <summary>Creates <c>{connection}/{name}</c> with the SDK and bulk-inserts the 120 products; returns the collection ID.</summary>
    private static async Task<string> CreateProductsAsync(ExternalDbClient client, string connection, string name)
    {
        var collectionId = $"{connection}/{name}";
        var created = await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = collectionId,
            DisplayName = "Products",
            Fields =
            [
                new DataCollectionField { Key = "title", Type = "TEXT" },
                new DataCollectionField { Key = "category", Type = "TEXT" },
                new DataCollectionField { Key = "price", Type = "NUMBER" },
                new DataCollectionField { Key = "inStock", Type = "BOOLEAN" },
            ],
            Permissions = DataCollectionPermissions.AdminOnly,
        });
        Assert.Equal(collectionId, created.Id);
        Assert.Equal("EXTERNAL", created.CollectionType);
        Assert.Contains(created.Fields!, f => f.Key == "price" && f.Type == "NUMBER");

        var products = Products();
        var inserted = await client.Items.BulkInsertDataItemsAsync(collectionId, products.Select(ToItem));
        Assert.Equal(ProductCount, inserted.BulkActionMetadata.TotalSuccesses);
        Assert.Equal(0, inserted.BulkActionMetadata.TotalFailures);
        Assert.Equal(products.Select(p => p.Id), inserted.Results.Select(r => r.ItemMetadata.Id));
        Assert.All(inserted.Results, r => Assert.Equal(BulkActionType.Insert, r.Action));
        Assert.Equal(ProductCount, await client.Items.CountDataItemsAsync(collectionId));
        return collectionId;
    }

    /// <summary>
    /// inStock and price &gt; 10 and (title starts with "Lamp" or "Desk") and (price &lt; 114 and not p050): each
    /// condition removes items, so a condition the server ignored would change the answer. 51 items, 3 pages of 25.
    /// </summary>
    private static DataItemsQuery FilteredQuery(ExternalDbClient client, string collectionId) =>
        client.Items.Query(collectionId)
            .Eq("inStock", true)
            .Gt("price", 10)
            .Or(f => f.StartsWith("title", "Lamp"), f => f.StartsWith("title", "Desk"))
            .And(f => f.Lt("price", 114).Ne("_id", "p050"))
            .Ascending("category", "price")
            .Limit(25);

    private static List<string> ExpectedFilteredIds() =>
    [
        .. Products()
            .Where(p => p.InStock && p.Price > 10 && (p.Title.StartsWith("Lamp", StringComparison.Ordinal) || p.Title.StartsWith("Desk", StringComparison.Ordinal))
                && p.Price < 114 && p.Id != "p050")
            .OrderBy(p => p.Category, StringComparer.Ordinal).ThenBy(p => p.Price)
            .Select(p => p.Id),
    ];

    /// <summary>Reads every page with HasNext/NextAsync; returns the IDs in the order received and the page sizes.</summary>
    private static async Task<(List<string> Ids, List<int> PageSizes)> WalkAsync(DataItemsQueryResult page)
    {
        var ids = new List<string>();
        var sizes = new List<int>();
        for (var pages = 1; ; pages++)
        {
            Assert.True(pages <= 10, $"still HasNext after {pages - 1} pages: {string.Join(",", sizes)}");
            ids.AddRange(page.Items.Select(i => i.Id!));
            sizes.Add(page.Items.Count);
            if (!page.HasNext)
            {
                return (ids, sizes);
            }
            page = await page.NextAsync();
        }
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_fluent_query_walked_with_offsets_sees_each_matching_item_once_and_in_order(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "offsetwalk");
        var expected = ExpectedFilteredIds();
        Assert.Equal(51, expected.Count);

        var first = await FilteredQuery(client, collectionId).WithTotalCount().FindAsync();
        Assert.Equal(expected.Count, first.TotalCount);
        var (ids, sizes) = await WalkAsync(first);
        output.WriteLine($"{protocol} offset pages: {string.Join(", ", sizes)}");

        Assert.Equal(expected, ids);
        Assert.Equal([25, 25, 1], sizes);
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_fluent_query_walked_with_cursors_sees_each_matching_item_once_and_in_order(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "cursorwalk");
        var expected = ExpectedFilteredIds();

        var first = await FilteredQuery(client, collectionId).UsingCursor().FindAsync();
        Assert.NotNull(first.PagingMetadata.Cursors?.Next);
        var (ids, sizes) = await WalkAsync(first);
        output.WriteLine($"{protocol} cursor pages: {string.Join(", ", sizes)}");

        Assert.Equal(expected, ids);
        Assert.Equal([25, 25, 1], sizes);
        Assert.Equal(expected.Count, await FilteredQuery(client, collectionId).CountAsync());
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Count_get_update_save_and_remove_act_on_exactly_the_item_addressed(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "crud");

        Assert.Equal(Products().Count(p => p.Category == "chair"),
            await client.Items.CountDataItemsAsync(collectionId, new DataFilter().Eq("category", "chair").ToJson()));

        var got = await client.Items.GetDataItemAsync(collectionId, "p007");
        Assert.Equal("p007", got.Id);
        Assert.Equal(collectionId, got.DataCollectionId);
        Assert.Equal("Chair 007", got.Data["title"]!.GetValue<string>());
        Assert.Equal(7, got.Data["price"]!.GetValue<double>());
        Assert.True(got.Data["inStock"]!.GetValue<bool>());

        // An update replaces the item: the fields not sent are gone.
        var updated = await client.Items.UpdateDataItemAsync(collectionId,
            new DataItem { Id = "p007", Data = new JsonObject { ["title"] = "Chair 007 (repainted)", ["price"] = 70.25 } });
        Assert.Equal("p007", updated.Id);
        var reread = await client.Items.GetDataItemAsync(collectionId, "p007");
        Assert.Equal("Chair 007 (repainted)", reread.Data["title"]!.GetValue<string>());
        Assert.Equal(70.25, reread.Data["price"]!.GetValue<double>());
        Assert.Null(reread.Data["category"]);
        Assert.Null(reread.Data["inStock"]);
        Assert.Equal("Chair 010", (await client.Items.GetDataItemAsync(collectionId, "p010")).Data["title"]!.GetValue<string>());

        var savedNew = await client.Items.SaveDataItemAsync(collectionId,
            new DataItem { Id = "p500", Data = new JsonObject { ["title"] = "Stool 500", ["category"] = "stool", ["price"] = 5, ["inStock"] = true } });
        Assert.Equal(SaveDataItemAction.Inserted, savedNew.Action);
        Assert.Equal(ProductCount + 1, await client.Items.CountDataItemsAsync(collectionId));
        var savedAgain = await client.Items.SaveDataItemAsync(collectionId,
            new DataItem { Id = "p500", Data = new JsonObject { ["title"] = "Stool 500", ["category"] = "stool", ["price"] = 6, ["inStock"] = false } });
        Assert.Equal(SaveDataItemAction.Updated, savedAgain.Action);
        Assert.Equal(ProductCount + 1, await client.Items.CountDataItemsAsync(collectionId));
        var stool = await client.Items.GetDataItemAsync(collectionId, "p500");
        Assert.Equal(6, stool.Data["price"]!.GetValue<double>());
        Assert.False(stool.Data["inStock"]!.GetValue<bool>());

        var removed = await client.Items.RemoveDataItemAsync(collectionId, "p500");
        Assert.Equal("p500", removed.Id);
        Assert.Equal(ProductCount, await client.Items.CountDataItemsAsync(collectionId));
        var gone = await Assert.ThrowsAsync<ExternalDbException>(() => client.Items.GetDataItemAsync(collectionId, "p500"));
        Assert.Equal("WDE0073", gone.Code);
        Assert.Equal("Chair 007 (repainted)", (await client.Items.GetDataItemAsync(collectionId, "p007")).Data["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Aggregate_and_distinct_values_summarise_the_matching_items(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "summaries");
        // In stock from price 55 up: groups of 17, 16 and 16 items whose sums (1463, 1409, 1407) all differ.
        var matching = Products().Where(p => p.InStock && p.Price >= 55).ToList();

        var aggregated = await client.Items.AggregateDataItemsAsync(collectionId,
            new DataAggregation
            {
                GroupingFields = ["category"],
                Operations =
                [
                    AggregationOperation.ItemCount("n"),
                    AggregationOperation.Sum("total", "price"),
                    AggregationOperation.Max("top", "price"),
                ],
            },
            new AggregateDataItemsOptions
            {
                InitialFilter = new DataFilter().Eq("inStock", true).Ge("price", 55).ToJson(),
                Sort = [new Sorting("total", SortOrder.Desc)],
            });
        output.WriteLine($"{protocol} aggregate: {string.Join(" ", aggregated.Results.Select(r => r.ToJsonString()))}");
        var expectedGroups = matching.GroupBy(p => p.Category)
            .Select(g => (Category: g.Key, N: g.Count(), Total: g.Sum(p => p.Price), Top: g.Max(p => p.Price)))
            .OrderByDescending(g => g.Total)
            .ToList();
        Assert.Equal(expectedGroups.Count, expectedGroups.Select(g => g.Total).Distinct().Count());
        Assert.Equal(expectedGroups.Count, aggregated.Results.Count);
        for (var i = 0; i < expectedGroups.Count; i++)
        {
            var result = aggregated.Results[i];
            Assert.Equal(expectedGroups[i].Category, GroupKey(result, "category"));
            Assert.Equal(expectedGroups[i].N, result["n"]!.GetValue<double>());
            Assert.Equal(expectedGroups[i].Total, result["total"]!.GetValue<double>());
            Assert.Equal(expectedGroups[i].Top, result["top"]!.GetValue<double>());
        }

        var distinct = await client.Items.QueryDistinctValuesAsync(collectionId, "category", new QueryDistinctValuesOptions { Order = SortOrder.Asc });
        Assert.Equal(["chair", "desk", "lamp"], distinct.DistinctValues.Select(v => v!.GetValue<string>()));
        var cheap = await client.Items.QueryDistinctValuesAsync(collectionId, "category",
            new QueryDistinctValuesOptions { Filter = new DataFilter().Lt("price", 2).ToJson(), Order = SortOrder.Desc });
        Assert.Equal(["lamp", "chair"], cheap.DistinctValues.Select(v => v!.GetValue<string>()));
    }

    /// <summary>A grouping value: Wix puts it in <c>_id</c> (an object of the grouping fields) and may repeat it at the top level.</summary>
    private static string? GroupKey(JsonObject result, string field) =>
        (result["_id"] is JsonObject id ? id[field] : result[field] ?? result["_id"])?.GetValue<string>();

    /// <summary>A product as a typed SDK user writes it: <c>Id</c> is <c>_id</c>, dates are .NET dates, the maker a reference.</summary>
    public sealed record TypedProduct(string? Id, string Title, double Price, bool InStock, DateTimeOffset? ReleasedAt, DataReference<TypedMaker>? Maker = null);

    public sealed record TypedMaker(string? Id, string Name);

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Typed_items_round_trip_with_dates_and_references_through_insert_get_query_update_and_save(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var connection = fixture.ConnectionFor(protocol);
        var makers = $"{connection}/typedmakers";
        var products = $"{connection}/typedproducts";
        await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = makers,
            Fields = [new DataCollectionField { Key = "name", Type = "TEXT" }],
            Permissions = DataCollectionPermissions.AdminOnly,
        });
        await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = products,
            Fields =
            [
                new DataCollectionField { Key = "title", Type = "TEXT" },
                new DataCollectionField { Key = "price", Type = "NUMBER" },
                new DataCollectionField { Key = "inStock", Type = "BOOLEAN" },
                new DataCollectionField { Key = "releasedAt", Type = "DATETIME" },
                new DataCollectionField
                {
                    Key = "maker",
                    Type = "REFERENCE",
                    TypeMetadata = new JsonObject { ["reference"] = new JsonObject { ["referencedCollectionId"] = makers } },
                },
            ],
            Permissions = DataCollectionPermissions.AdminOnly,
        });
        var maker = await client.Items.InsertAsync(makers, new TypedMaker(null, "Lumo"));
        Assert.False(string.IsNullOrEmpty(maker.Id));
        var released = new DateTimeOffset(2024, 5, 1, 12, 30, 15, 123, TimeSpan.FromHours(2));

        var lamp = await client.Items.InsertAsync(products, new TypedProduct(null, "Ñandú lamp", 25.5, true, released, maker.Id!));
        Assert.False(string.IsNullOrEmpty(lamp.Id));
        Assert.Equal(released, lamp.ReleasedAt);
        Assert.Equal(maker.Id, lamp.Maker!.Id);

        var read = await client.Items.GetAsync<TypedProduct>(products, lamp.Id!);
        Assert.Equal(lamp with { Maker = null }, read! with { Maker = null });
        Assert.Equal(maker.Id, read.Maker!.Id);
        Assert.Null(await client.Items.GetAsync<TypedProduct>(products, "no-such-item"));

        var bulk = await client.Items.BulkInsertAsync(products, Enumerable.Range(1, 5).Select(i =>
            new TypedProduct($"t{i}", $"Desk {i}", 10 * i, i % 2 == 0, released.AddDays(i))));
        Assert.Equal(5, bulk.BulkActionMetadata.TotalSuccesses);

        var page = await client.Items.Query<TypedProduct>(products).Gt("releasedAt", released.AddDays(2)).Ascending("price").FindAsync();
        Assert.Equal(["t3", "t4", "t5"], page.Items.Select(p => p.Id));
        Assert.Equal([released.AddDays(3), released.AddDays(4), released.AddDays(5)], page.Items.Select(p => p.ReleasedAt!.Value));

        var updated = await client.Items.UpdateAsync(products, read with { Price = 30 });
        Assert.Equal(30, updated.Price);
        var saved = await client.Items.SaveAsync(products, new TypedProduct("t9", "Chair", 45, true, null));
        Assert.Equal("t9", saved.Id);
        Assert.Equal(30, (await client.Items.GetAsync<TypedProduct>(products, lamp.Id!))!.Price);
        Assert.Equal(7, await client.Items.Query<TypedProduct>(products).CountAsync());

        var anonymous = await client.Items.InsertDataItemAsync(products, new { title = "Stool", price = 12, inStock = false });
        Assert.Equal(12, anonymous.Get<double>("price"));
        Assert.True(anonymous.Get<DateTime>("_createdDate") > DateTime.UtcNow.AddMinutes(-5));
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_reference_inserted_with_the_SDK_is_returned_by_query_referenced(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var connection = fixture.ConnectionFor(protocol);
        var products = await CreateProductsAsync(client, connection, "referenced");
        var owners = $"{connection}/owners";
        await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = owners,
            Fields =
            [
                new DataCollectionField { Key = "name", Type = "TEXT" },
                new DataCollectionField
                {
                    Key = "favourites",
                    Type = "MULTI_REFERENCE",
                    TypeMetadata = new JsonObject { ["multiReference"] = new JsonObject { ["referencedCollectionId"] = products } },
                },
            ],
            Permissions = DataCollectionPermissions.AdminOnly,
        });
        await client.Items.InsertDataItemAsync(owners, new DataItem { Id = "o1", Data = new JsonObject { ["name"] = "Ann" } });
        await client.Items.InsertDataItemAsync(owners, new DataItem { Id = "o2", Data = new JsonObject { ["name"] = "Bob" } });

        var reference = await client.Items.InsertDataItemReferenceAsync(owners, new DataItemReference("favourites", "o1", "p003"));
        Assert.Equal(new DataItemReference("favourites", "o1", "p003"), reference);
        await client.Items.InsertDataItemReferenceAsync(owners, new DataItemReference("favourites", "o1", "p006"));
        await client.Items.InsertDataItemReferenceAsync(owners, new DataItemReference("favourites", "o2", "p009"));

        var referenced = await client.Items.QueryReferencedDataItemsAsync(owners, "o1", "favourites", new QueryReferencedDataItemsOptions { Order = SortOrder.Asc });
        Assert.Equal(["p003", "p006"], referenced.Results.Select(r => r.DataItem?.Id));
        Assert.Equal(["Lamp 003", "Lamp 006"], referenced.Results.Select(r => r.DataItem!.Data["title"]!.GetValue<string>()));
        Assert.True(await client.Items.IsReferencedDataItemAsync(owners, new DataItemReference("favourites", "o1", "p006")));
        Assert.False(await client.Items.IsReferencedDataItemAsync(owners, new DataItemReference("favourites", "o1", "p009")));

        await client.Collections.DeleteDataCollectionAsync(owners);
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_missing_item_is_WDE0073_and_inserting_an_existing_ID_is_WDE0074(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "errors");

        var missing = await Assert.ThrowsAsync<ExternalDbException>(() => client.Items.GetDataItemAsync(collectionId, "nope"));
        Assert.Equal("WDE0073", missing.Code);
        Assert.Equal(404, missing.StatusCode);
        Assert.True(missing.IsNotFound);

        var duplicate = await Assert.ThrowsAsync<ExternalDbException>(() =>
            client.Items.InsertDataItemAsync(collectionId, new DataItem { Id = "p001", Data = new JsonObject { ["title"] = "Impostor" } }));
        Assert.Equal("WDE0074", duplicate.Code);
        Assert.Equal(409, duplicate.StatusCode);
        Assert.True(duplicate.IsAlreadyExists);
        Assert.Equal("Chair 001", (await client.Items.GetDataItemAsync(collectionId, "p001")).Data["title"]!.GetValue<string>());
        Assert.Equal(ProductCount, await client.Items.CountDataItemsAsync(collectionId));
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_deleted_collection_and_its_items_are_gone(AdaptorProtocol protocol)
    {
        var (client, http) = NewClient(GatewayServer.AdminKey);
        using var _ = http;
        var collectionId = await CreateProductsAsync(client, fixture.ConnectionFor(protocol), "doomed");
        Assert.Equal(collectionId, (await client.Collections.GetDataCollectionAsync(collectionId)).Id);

        await client.Collections.DeleteDataCollectionAsync(collectionId);

        var get = await Assert.ThrowsAsync<ExternalDbException>(() => client.Collections.GetDataCollectionAsync(collectionId));
        Assert.Equal(404, get.StatusCode);
        Assert.Equal("WDE0025", get.Code);
        var count = await Assert.ThrowsAsync<ExternalDbException>(() => client.Items.CountDataItemsAsync(collectionId));
        Assert.Equal(404, count.StatusCode);
        Assert.DoesNotContain((await client.Collections.ListDataCollectionsAsync()).Collections, c => c.Id == collectionId);
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_read_only_key_can_query_but_its_insert_is_refused_with_PERMISSION_DENIED(AdaptorProtocol protocol)
    {
        var (admin, adminHttp) = NewClient(GatewayServer.AdminKey);
        using var _ = adminHttp;
        var collectionId = await CreateProductsAsync(admin, fixture.ConnectionFor(protocol), "readonly");
        var key = await admin.ApiKeys.CreateApiKeyAsync("reader", ["DATA_READ"]);
        var (reader, readerHttp) = NewClient(key.Key);
        using var __ = readerHttp;

        var page = await reader.Items.Query(collectionId).Eq("category", "desk").Ascending("price").Limit(5).FindAsync();
        Assert.Equal(["p002", "p005", "p008", "p011", "p014"], page.Items.Select(i => i.Id));
        Assert.Equal(ProductCount, await reader.Items.CountDataItemsAsync(collectionId));

        var refused = await Assert.ThrowsAsync<ExternalDbException>(() =>
            reader.Items.InsertDataItemAsync(collectionId, new DataItem { Id = "x1", Data = new JsonObject { ["title"] = "Sneaky" } }));
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("PERMISSION_DENIED", refused.Code);
        var bulkRefused = await Assert.ThrowsAsync<ExternalDbException>(() =>
            reader.Items.BulkInsertDataItemsAsync(collectionId, [new DataItem { Id = "x2", Data = new JsonObject { ["title"] = "Sneaky" } }]));
        Assert.Equal(403, bulkRefused.StatusCode);
        Assert.Equal(ProductCount, await admin.Items.CountDataItemsAsync(collectionId));
    }
}
