using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>
/// The parts of a fluent query shared by <see cref="DataItemsQuery"/> (items as JSON) and
/// <see cref="DataItemsQuery{T}"/> (items mapped to a type): filter, sort, paging, projection, references to include.
/// </summary>
/// <typeparam name="TSelf">The concrete query, so that every method returns it for chaining.</typeparam>
public abstract class DataItemsQueryBuilder<TSelf> : DataFilterBuilder<TSelf>
    where TSelf : DataItemsQueryBuilder<TSelf>
{
    private readonly List<Sorting> _sort = [];
    private readonly List<string> _fields = [];
    private readonly List<IncludedReference> _include = [];
    private int? _limit;
    private int? _skip;
    private bool _returnTotalCount;
    private bool _cursor;
    private bool _consistentRead;

    private protected DataItemsQueryBuilder(DataItemsClient items, string dataCollectionId)
    {
        Items = items;
        DataCollectionId = dataCollectionId;
    }

    /// <summary>The collection queried.</summary>
    public string DataCollectionId { get; }

    private protected DataItemsClient Items { get; }

    private TSelf Self => (TSelf)this;

    /// <summary>Sorts ascending by <paramref name="fields"/>, after any sort keys added before.</summary>
    public TSelf Ascending(params IEnumerable<string> fields) => AddSort(fields, SortOrder.Asc);

    /// <summary>Sorts descending by <paramref name="fields"/>, after any sort keys added before.</summary>
    public TSelf Descending(params IEnumerable<string> fields) => AddSort(fields, SortOrder.Desc);

    /// <summary>At most <paramref name="limit"/> items per page (server default 50, at most 1000).</summary>
    public TSelf Limit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = limit;
        return Self;
    }

    /// <summary>Skips the first <paramref name="skip"/> matching items (offset paging only).</summary>
    public TSelf Skip(int skip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        _skip = skip;
        return Self;
    }

    /// <summary>Returns only <paramref name="fields"/> of each item (<c>_id</c> always comes back).</summary>
    public TSelf Fields(params IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields.AddRange(fields);
        return Self;
    }

    /// <summary>
    /// Asks for the items referenced by these (multi-)reference fields in full, instead of their IDs
    /// (Wix's <c>include()</c>; sent as <c>includeReferences</c>). Read them with <see cref="DataReference{T}"/>.
    /// </summary>
    public TSelf Include(params IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var field in fields)
        {
            IncludeReferences(field);
        }
        return Self;
    }

    /// <summary>
    /// Asks for the items referenced by <paramref name="field"/> in full, instead of their IDs; for a MULTI_REFERENCE
    /// field at most <paramref name="limit"/> per item (server default 50). Sent as <c>includeReferences</c>.
    /// </summary>
    public TSelf IncludeReferences(string field, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (limit is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n, nameof(limit));
        }
        _include.Add(new IncludedReference(field, limit));
        return Self;
    }

    /// <summary>Asks for the total number of matches (<c>TotalCount</c> of the result; offset paging only).</summary>
    public TSelf WithTotalCount()
    {
        _returnTotalCount = true;
        return Self;
    }

    /// <summary>Pages with cursors instead of offsets: each next page sends only the cursor of the page before.</summary>
    public TSelf UsingCursor()
    {
        _cursor = true;
        return Self;
    }

    /// <summary>Reads from the primary database: slower, but sees writes made just before.</summary>
    public TSelf ConsistentRead()
    {
        _consistentRead = true;
        return Self;
    }

    /// <summary>Counts the items matching the filter (the sort and paging are ignored).</summary>
    public Task<int> CountAsync(CancellationToken ct = default) =>
        Items.CountDataItemsAsync(DataCollectionId, IsEmptyFilter ? null : ToJson(), ct);

    /// <summary>Runs the query: its first page, untyped.</summary>
    /// <exception cref="InvalidOperationException">When <see cref="Skip"/> is combined with <see cref="UsingCursor"/>.</exception>
    private protected Task<DataItemsQueryResult> FirstPageAsync(CancellationToken ct)
    {
        if (_cursor && _skip is not null)
        {
            throw new InvalidOperationException("Skip cannot be used with cursor paging.");
        }
        var plan = new QueryPlan(
            Items,
            DataCollectionId,
            ToJson(),
            [.. _sort],
            [.. _fields],
            [.. _include],
            _limit,
            _skip ?? 0,
            _cursor,
            _returnTotalCount,
            _consistentRead);
        return plan.FirstAsync(ct);
    }

    /// <summary>Every matching item, page after page.</summary>
    private protected async IAsyncEnumerable<DataItem> AllItemsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var page = await FirstPageAsync(ct).ConfigureAwait(false);
        while (true)
        {
            foreach (var item in page.Items)
            {
                yield return item;
            }
            if (!page.HasNext || page.Items.Count == 0)
            {
                yield break;
            }
            page = await page.NextAsync(ct).ConfigureAwait(false);
        }
    }

    private TSelf AddSort(IEnumerable<string> fields, SortOrder order)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var field in fields)
        {
            ArgumentException.ThrowIfNullOrEmpty(field);
            _sort.Add(new Sorting(field, order));
        }
        return Self;
    }
}

/// <summary>
/// A fluent query of one collection: filter conditions (all must hold), sort, paging and projection.
/// <code>
/// var result = await client.Items.Query("shop/products")
///     .Eq("category", "lamps").Gt("price", 10)
///     .Or(f =&gt; f.StartsWith("title", "La"), f =&gt; f.IsEmpty("title"))
///     .Descending("price").Limit(50)
///     .FindAsync();
/// while (true)
/// {
///     foreach (var item in result.Items) { /* ... */ }
///     if (!result.HasNext) break;
///     result = await result.NextAsync();
/// }
/// </code>
/// </summary>
public sealed class DataItemsQuery : DataItemsQueryBuilder<DataItemsQuery>
{
    internal DataItemsQuery(DataItemsClient items, string dataCollectionId)
        : base(items, dataCollectionId)
    {
    }

    /// <summary>Runs the query and returns its first page.</summary>
    /// <exception cref="InvalidOperationException">When <c>Skip</c> is combined with <c>UsingCursor</c>.</exception>
    public Task<DataItemsQueryResult> FindAsync(CancellationToken ct = default) => FirstPageAsync(ct);

    /// <summary>Runs the query and yields every matching item, page after page.</summary>
    public IAsyncEnumerable<DataItem> EnumerateAllAsync(CancellationToken ct = default) => AllItemsAsync(ct);
}

/// <summary>
/// A fluent query whose items come back as <typeparamref name="T"/> (mapped by <see cref="DataMapping"/>).
/// <code>
/// public sealed record Product(string? Id, string Title, double Price, DateTimeOffset? ReleasedAt);
/// var page = await client.Items.Query&lt;Product&gt;("demo/products").Gt("price", 10).Ascending("price").FindAsync();
/// foreach (var product in page.Items) Console.WriteLine($"{product.Title}: {product.Price}");
/// </code>
/// </summary>
/// <typeparam name="T">The items' type.</typeparam>
public sealed class DataItemsQuery<T> : DataItemsQueryBuilder<DataItemsQuery<T>>
{
    internal DataItemsQuery(DataItemsClient items, string dataCollectionId)
        : base(items, dataCollectionId)
    {
    }

    /// <summary>Runs the query and returns its first page.</summary>
    /// <exception cref="InvalidOperationException">When <c>Skip</c> is combined with <c>UsingCursor</c>.</exception>
    /// <exception cref="System.Text.Json.JsonException">When an item's data does not fit <typeparamref name="T"/>.</exception>
    public async Task<DataItemsQueryResult<T>> FindAsync(CancellationToken ct = default) =>
        new(await FirstPageAsync(ct).ConfigureAwait(false));

    /// <summary>Runs the query and yields every matching item, page after page.</summary>
    /// <exception cref="System.Text.Json.JsonException">When an item's data does not fit <typeparamref name="T"/>.</exception>
    public async IAsyncEnumerable<T> EnumerateAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var item in AllItemsAsync(ct).ConfigureAwait(false))
        {
            yield return DataMapping.FromData<T>(item.Data);
        }
    }
}

/// <summary>A snapshot of a query, so that later changes to the builder do not change the pages of a result.</summary>
internal sealed record QueryPlan(
    DataItemsClient Items,
    string DataCollectionId,
    JsonObject Filter,
    IReadOnlyList<Sorting> Sort,
    IReadOnlyList<string> Fields,
    IReadOnlyList<IncludedReference> Include,
    int? Limit,
    int Skip,
    bool Cursor,
    bool ReturnTotalCount,
    bool ConsistentRead)
{
    public async Task<DataItemsQueryResult> FirstAsync(CancellationToken ct)
    {
        var query = new JsonObject();
        if (Filter.Count > 0)
        {
            query["filter"] = Filter.DeepClone();
        }
        if (Sort.Count > 0)
        {
            query["sort"] = DataItemsClient.Node(Sort);
        }
        if (Cursor)
        {
            query["cursorPaging"] = DataItemsClient.Node(new CursorPaging(Limit));
        }
        else if (Limit is not null || Skip > 0)
        {
            query["paging"] = DataItemsClient.Node(new Paging(Limit, Skip > 0 ? Skip : null));
        }
        if (Fields.Count > 0)
        {
            query["fields"] = DataItemsClient.Node(Fields);
        }
        var body = Body(query);
        if (ReturnTotalCount)
        {
            body["returnTotalCount"] = true;
        }
        var page = await Items.QueryAsync(body, ct).ConfigureAwait(false);
        return new DataItemsQueryResult(this, page, Skip);
    }

    public async Task<DataItemsQueryResult> NextAsync(DataItemsQueryResult current, CancellationToken ct)
    {
        JsonObject body;
        int skip;
        if (Cursor)
        {
            var cursor = current.PagingMetadata.Cursors?.Next
                ?? throw new InvalidOperationException("The server sent no cursor for the next page.");
            // Per Wix: a follow-up sends only the cursor; it carries the filter and sort.
            body = Body(new JsonObject { ["cursorPaging"] = DataItemsClient.Node(new CursorPaging(Limit, cursor)) });
            skip = 0;
        }
        else
        {
            skip = current.Skip + (Limit ?? current.Items.Count);
            var query = new JsonObject();
            if (Filter.Count > 0)
            {
                query["filter"] = Filter.DeepClone();
            }
            if (Sort.Count > 0)
            {
                query["sort"] = DataItemsClient.Node(Sort);
            }
            query["paging"] = DataItemsClient.Node(new Paging(Limit, skip));
            if (Fields.Count > 0)
            {
                query["fields"] = DataItemsClient.Node(Fields);
            }
            body = Body(query);
            if (ReturnTotalCount)
            {
                body["returnTotalCount"] = true;
            }
        }
        var page = await Items.QueryAsync(body, ct).ConfigureAwait(false);
        return new DataItemsQueryResult(this, page, skip);
    }

    private JsonObject Body(JsonObject query)
    {
        var body = DataItemsClient.Body(DataCollectionId);
        body["query"] = query;
        if (Include.Count > 0)
        {
            body["includeReferences"] = DataItemsClient.IncludeReferencesNode(Include);
        }
        if (ConsistentRead)
        {
            body["consistentRead"] = true;
        }
        return body;
    }
}

/// <summary>One page of a <see cref="DataItemsQuery"/>; <see cref="NextAsync"/> reads the page after it.</summary>
public sealed class DataItemsQueryResult
{
    private readonly QueryPlan _plan;

    internal DataItemsQueryResult(QueryPlan plan, QueryDataItemsResponse page, int skip)
    {
        _plan = plan;
        Items = page.DataItems;
        PagingMetadata = page.PagingMetadata;
        Skip = skip;
    }

    /// <summary>The items of this page.</summary>
    public IReadOnlyList<DataItem> Items { get; }

    /// <summary>How many items match in all, when <c>WithTotalCount</c> was asked for and the server could count them.</summary>
    public int? TotalCount => PagingMetadata.Total;

    /// <summary>Whether another page follows.</summary>
    public bool HasNext => PagingMetadata.HasNext;

    /// <summary>The paging metadata as the server sent it.</summary>
    public ItemsPagingMetadata PagingMetadata { get; }

    /// <summary>How many matching items precede this page (offset paging).</summary>
    public int Skip { get; }

    /// <summary>Reads the next page: with offsets, the same query at offset skip + limit; with cursors, only the next cursor.</summary>
    /// <exception cref="InvalidOperationException">When <see cref="HasNext"/> is false.</exception>
    public Task<DataItemsQueryResult> NextAsync(CancellationToken ct = default)
    {
        if (!HasNext)
        {
            throw new InvalidOperationException("There is no next page (HasNext is false).");
        }
        return _plan.NextAsync(this, ct);
    }
}

/// <summary>One page of a <see cref="DataItemsQuery{T}"/>; <see cref="NextAsync"/> reads the page after it.</summary>
/// <typeparam name="T">The items' type.</typeparam>
public sealed class DataItemsQueryResult<T>
{
    internal DataItemsQueryResult(DataItemsQueryResult page)
    {
        Page = page;
        Items = [.. page.Items.Select(i => DataMapping.FromData<T>(i.Data))];
    }

    /// <summary>The items of this page.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>The same page as JSON items (with every field the type does not hold).</summary>
    public DataItemsQueryResult Page { get; }

    /// <summary>How many items match in all, when <c>WithTotalCount</c> was asked for and the server could count them.</summary>
    public int? TotalCount => Page.TotalCount;

    /// <summary>Whether another page follows.</summary>
    public bool HasNext => Page.HasNext;

    /// <summary>Reads the next page.</summary>
    /// <exception cref="InvalidOperationException">When <see cref="HasNext"/> is false.</exception>
    public async Task<DataItemsQueryResult<T>> NextAsync(CancellationToken ct = default) =>
        new(await Page.NextAsync(ct).ConfigureAwait(false));
}
