using System.Text.Json.Nodes;
using ExternalDb.Client;
using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>A server holding exactly <see cref="Count"/> connections, created one after another.</summary>
public sealed class PagedServer : IAsyncLifetime
{
    public const int Count = 123;
    private ServerInstance? _server;

    public ServerInstance Server => _server!;

    /// <summary>The names in creation order.</summary>
    public List<string> Names { get; } = [];

    public async Task InitializeAsync()
    {
        _server = await ServerInstance.StartAsync();
        using var client = _server.Client();
        for (var i = 0; i < Count; i++)
        {
            var name = $"paged-{i:D3}-{Guid.NewGuid():N}"[..18];
            await client.ExternalDatabaseConnections.CreateExternalDatabaseConnectionAsync(
                new ExternalDatabaseConnection { Name = name },
                new CreateExternalDatabaseConnectionOptions { ConnectionType = ConnectionType.WixServicePlugin });
            Names.Add(name);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>List with offset paging over more connections than one page holds.</summary>
public sealed class PagingTests(PagedServer fixture) : IClassFixture<PagedServer>
{
    private readonly ServerInstance _server = fixture.Server;

    private static List<string> NamesOf(RawResponse page) =>
        [.. page.Json["externalDatabaseConnections"]!.AsArray().Select(c => c!["name"]!.GetValue<string>())];

    private static (int Count, int Offset, int Total, bool HasNext) Metadata(RawResponse page)
    {
        var m = page.Json["pagingMetadata"]!;
        return (m["count"]!.GetValue<int>(), m["offset"]!.GetValue<int>(), m["total"]!.GetValue<int>(), m["hasNext"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Walking_all_pages_of_25_returns_each_connection_exactly_once_oldest_first()
    {
        var http = _server.AdminHttp();
        var seen = new List<string>();
        var pages = 0;

        for (var offset = 0; ; offset += 25)
        {
            var page = await http.GetRawAsync($"{RawApi.Base}?paging.limit=25&paging.offset={offset}");
            Assert.Equal(200, page.Status);
            var names = NamesOf(page);
            var (count, reportedOffset, total, hasNext) = Metadata(page);
            pages++;
            Assert.Equal(names.Count, count);
            Assert.Equal(offset, reportedOffset);
            Assert.Equal(PagedServer.Count, total);
            Assert.Equal(offset + count < PagedServer.Count, hasNext);
            Assert.Equal(Math.Min(25, PagedServer.Count - offset), count);
            seen.AddRange(names);
            if (!hasNext)
            {
                break;
            }
        }

        Assert.Equal(5, pages);
        Assert.Equal(fixture.Names, seen);
    }

    [Fact]
    public async Task The_sdk_walks_the_same_pages()
    {
        using var client = _server.Client();
        var seen = new List<string>();
        ListExternalDatabaseConnectionsResponse page;
        var offset = 0;
        do
        {
            page = await client.ExternalDatabaseConnections.ListExternalDatabaseConnectionsAsync(new Paging(25, offset));
            seen.AddRange(page.ExternalDatabaseConnections.Select(c => c.Name!));
            offset += page.PagingMetadata.Count;
        }
        while (page.PagingMetadata.HasNext);

        Assert.Equal(fixture.Names, seen);
        Assert.Equal(23, page.PagingMetadata.Count);
        Assert.Equal(100, page.PagingMetadata.Offset);
        Assert.Equal(PagedServer.Count, page.PagingMetadata.Total);
        Assert.False(page.PagingMetadata.TooManyToCount);
    }

    [Fact]
    public async Task Without_paging_the_first_page_has_the_default_size_and_says_more_follow()
    {
        var page = await _server.AdminHttp().GetRawAsync(RawApi.Base);

        var (count, offset, total, hasNext) = Metadata(page);
        Assert.Equal(50, count);
        Assert.Equal(0, offset);
        Assert.Equal(PagedServer.Count, total);
        Assert.True(hasNext);
        Assert.Equal(fixture.Names.Take(50), NamesOf(page));
    }

    [Fact]
    public async Task A_limit_of_1000_returns_everything_in_one_page()
    {
        var page = await _server.AdminHttp().GetRawAsync(RawApi.Base + "?paging.limit=1000");

        var (count, _, total, hasNext) = Metadata(page);
        Assert.Equal(PagedServer.Count, count);
        Assert.Equal(PagedServer.Count, total);
        Assert.False(hasNext);
    }

    [Fact]
    public async Task An_offset_past_the_end_answers_an_empty_last_page()
    {
        var page = await _server.AdminHttp().GetRawAsync(RawApi.Base + "?paging.limit=10&paging.offset=500");

        Assert.Equal(200, page.Status);
        Assert.Empty(NamesOf(page));
        var (count, offset, total, hasNext) = Metadata(page);
        Assert.Equal(0, count);
        Assert.Equal(500, offset);
        Assert.Equal(PagedServer.Count, total);
        Assert.False(hasNext);
    }

    [Fact]
    public async Task The_largest_offset_answers_an_empty_page()
    {
        var page = await _server.AdminHttp().GetRawAsync(RawApi.Base + "?paging.limit=1000&paging.offset=" + int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(200, page.Status);
        Assert.Empty(NamesOf(page));
        Assert.False(Metadata(page).HasNext);
    }

    [Theory]
    [InlineData("paging.limit=1001", "paging.limit")]
    [InlineData("paging.limit=100000", "paging.limit")]
    [InlineData("paging.limit=-1", "paging.limit")]
    [InlineData("paging.limit=ten", "paging.limit")]
    [InlineData("paging.limit=2.5", "paging.limit")]
    [InlineData("paging.offset=-1", "paging.offset")]
    [InlineData("paging.offset=abc", "paging.offset")]
    [InlineData("paging.limit=99999999999999999999", "paging.limit")]
    public async Task Invalid_paging_is_rejected(string query, string field)
    {
        var response = await _server.AdminHttp().GetRawAsync(RawApi.Base + "?" + query);

        ErrorAssert.Validation(response, field);
    }

    [Fact]
    public async Task Invalid_paging_through_the_sdk_is_an_invalid_argument()
    {
        using var client = _server.Client();

        var error = await Assert.ThrowsAsync<ExternalDbException>(() =>
            client.ExternalDatabaseConnections.ListExternalDatabaseConnectionsAsync(new Paging(Limit: 5000)));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", error.Code);
        Assert.Contains(error.FieldViolations, v => v.Field == "paging.limit");
    }

    [Fact]
    public async Task Listed_connections_carry_every_field_of_a_connection()
    {
        var page = await _server.AdminHttp().GetRawAsync(RawApi.Base + "?paging.limit=1");

        var connection = page.Json["externalDatabaseConnections"]![0] as JsonObject;
        Assert.NotNull(connection);
        foreach (var field in new[] { "name", "connectionStatus", "capabilities", "protocolVersion", "publicKey", "applicationId", "connectionType", "createdDate", "updatedDate" })
        {
            Assert.True(connection.ContainsKey(field), $"A listed connection lacks {field}: {connection}");
        }
    }
}
