using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace ExternalDb.Client;

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
public sealed class DataItemsQuery : DataFilterBuilder<DataItemsQuery>
{
    private readonly DataItemsClient _items;
    private readonly List<Sorting> _sort = [];
    private readonly List<string> _fields = [];
    private int? _limit;
    private int? _skip;
    private bool _returnTotalCount;
    private bool _cursor;
    private bool _consistentRead;

    internal DataItemsQuery(DataItemsClient items, string dataCollectionId)
    {
        _items = items;
        DataCollectionId = dataCollectionId;
    }

    /// <summary>The collection queried.</summary>
    public string DataCollectionId { get; }

    /// <summary>Sorts ascending by <paramref name="fields"/>, after any sort keys added before.</summary>
    public DataItemsQuery Ascending(params IEnumerable<string> fields) => AddSort(fields, SortOrder.Asc);

    /// <summary>Sorts descending by <paramref name="fields"/>, after any sort keys added before.</summary>
    public DataItemsQuery Descending(params IEnumerable<string> fields) => AddSort(fields, SortOrder.Desc);

    /// <summary>At most <paramref name="limit"/> items per page (server default 50, at most 1000).</summary>
    public DataItemsQuery Limit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = limit;
        return this;
    }

    /// <summary>Skips the first <paramref name="skip"/> matching items (offset paging only).</summary>
    public DataItemsQuery Skip(int skip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        _skip = skip;
        return this;
    }

    /// <summary>Returns only <paramref name="fields"/> of each item (<c>_id</c> always comes back).</summary>
    public DataItemsQuery Fields(params IEnumerable<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _fields.AddRange(fields);
        return this;
    }

    /// <summary>Asks for the total number of matches (<see cref="DataItemsQueryResult.TotalCount"/>; offset paging only).</summary>
    public DataItemsQuery WithTotalCount()
    {
        _returnTotalCount = true;
        return this;
    }

    /// <summary>Pages with cursors instead of offsets: each next page sends only the cursor of the page before.</summary>
    public DataItemsQuery UsingCursor()
    {
        _cursor = true;
        return this;
    }

    /// <summary>Reads from the primary database: slower, but sees writes made just before.</summary>
    public DataItemsQuery ConsistentRead()
    {
        _consistentRead = true;
        return this;
    }

    /// <summary>Runs the query and returns its first page.</summary>
    /// <exception cref="InvalidOperationException">When <see cref="Skip"/> is combined with <see cref="UsingCursor"/>.</exception>
    public Task<DataItemsQueryResult> FindAsync(CancellationToken ct = default)
    {
        if (_cursor && _skip is not null)
        {
            throw new InvalidOperationException("Skip cannot be used with cursor paging.");
        }
        var plan = new QueryPlan(
            _items,
            DataCollectionId,
            ToJson(),
            [.. _sort],
            [.. _fields],
            _limit,
            _skip ?? 0,
            _cursor,
            _returnTotalCount,
            _consistentRead);
        return plan.FirstAsync(ct);
    }

    /// <summary>Counts the items matching the filter (the sort and paging are ignored).</summary>
    public Task<int> CountAsync(CancellationToken ct = default) =>
        _items.CountDataItemsAsync(DataCollectionId, IsEmptyFilter ? null : ToJson(), ct);

    /// <summary>Runs the query and yields every matching item, page after page.</summary>
    public async IAsyncEnumerable<DataItem> EnumerateAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var page = await FindAsync(ct).ConfigureAwait(false);
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

    private DataItemsQuery AddSort(IEnumerable<string> fields, SortOrder order)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var field in fields)
        {
            ArgumentException.ThrowIfNullOrEmpty(field);
            _sort.Add(new Sorting(field, order));
        }
        return this;
    }
}

/// <summary>A snapshot of a query, so that later changes to the builder do not change the pages of a result.</summary>
internal sealed record QueryPlan(
    DataItemsClient Items,
    string DataCollectionId,
    JsonObject Filter,
    IReadOnlyList<Sorting> Sort,
    IReadOnlyList<string> Fields,
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

    /// <summary>How many items match in all, when <see cref="DataItemsQuery.WithTotalCount"/> was asked for and the server could count them.</summary>
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
