using System.Net.Http.Json;
using ExternalDb.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MySqlConnector;
using Npgsql;

namespace ExternalDb.Adaptor.Conformance.SelfChecks;

/// <summary>
/// Checks of the kit's own helpers (ExternalDb.TestSupport). They need PostgreSQL and MariaDB binaries only when the
/// kit self-hosts the reference adaptor, which it does when CONFORMANCE_BASE_URL is not set.
/// </summary>
public sealed class TestSupportChecks
{
    [SkippableFact]
    public async Task TemporaryPostgres_starts_answers_SELECT_1_and_creates_databases()
    {
        Skip.If(ConformanceSettings.Current.IsExternal, "The kit targets an external adaptor; PostgreSQL is not needed.");
        await using var postgres = await TemporaryPostgres.StartAsync();
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            Assert.Equal(1, await command.ExecuteScalarAsync());
        }
        var other = await postgres.CreateDatabaseAsync("selfcheck_db");
        await using (var connection = new NpgsqlConnection(other))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal("selfcheck_db", await command.ExecuteScalarAsync());
        }
        Assert.InRange(postgres.Port, 1, 65535);
    }

    [SkippableFact]
    public async Task TemporaryMariaDb_starts_answers_SELECT_1_creates_databases_and_leaves_nothing_behind()
    {
        Skip.If(ConformanceSettings.Current.IsExternal, "The kit targets an external adaptor; MariaDB is not needed.");
        var mariaDb = await TemporaryMariaDb.StartAsync();
        string dataDirectory;
        await using (mariaDb)
        {
            Assert.Contains("MariaDB", mariaDb.Version, StringComparison.Ordinal);
            var database = await mariaDb.CreateDatabaseAsync("selfcheck_db");
            await using var connection = new MySqlConnection(database);
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT DATABASE(), 1", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("selfcheck_db", reader.GetString(0));
            await using var socketPath = new MySqlCommand("SELECT @@socket, @@datadir", connection);
            await reader.CloseAsync();
            await using var paths = await socketPath.ExecuteReaderAsync();
            Assert.True(await paths.ReadAsync());
            dataDirectory = paths.GetString(1);
            Assert.StartsWith(Path.GetTempPath(), paths.GetString(0), StringComparison.Ordinal);
            Assert.StartsWith(Path.GetTempPath(), dataDirectory, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(dataDirectory), $"{dataDirectory} is left behind");
    }

    [Fact]
    public async Task LoopbackServer_serves_handlers_and_records_requests()
    {
        await using var server = await LoopbackServer.StartAsync(app =>
            app.MapPost("/provision", () => Results.Json(new { protocolVersion = 2 })));
        Assert.StartsWith("http://127.0.0.1:", server.BaseUrl, StringComparison.Ordinal);
        Assert.False(server.BaseUrl.EndsWith('/'));

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/provision")
        {
            Content = JsonContent.Create(new { hello = "world" }),
        };
        request.Headers.Add("X-Probe", "1");
        using var response = await http.SendAsync(request);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<ProvisionReply>())!.ProtocolVersion);

        var recorded = Assert.Single(server.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/provision", recorded.Path);
        Assert.Contains("\"hello\":\"world\"", recorded.Body, StringComparison.Ordinal);
        Assert.Equal("1", recorded.Headers["x-probe"]);
    }

    [Fact]
    public void FreePort_gives_a_bindable_port()
    {
        var port = FreePort.Get();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }

    private sealed record ProvisionReply(int ProtocolVersion);
}

/// <summary>The collection definition PostgresFixture's documentation asks test assemblies to add.</summary>
[CollectionDefinition(PostgresFixture.CollectionName)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;

/// <summary>The documented <see cref="PostgresFixture"/> pattern, used as documented.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class PostgresFixtureChecks(PostgresFixture postgres)
{
    [SkippableFact]
    public async Task Fixture_starts_one_cluster_lazily_and_hands_out_databases()
    {
        Skip.If(ConformanceSettings.Current.IsExternal, "The kit targets an external adaptor; PostgreSQL is not needed.");
        var first = await postgres.GetAsync();
        Assert.Same(first, await postgres.GetAsync());
        var connectionString = await postgres.CreateDatabaseAsync("fixture_check");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal("fixture_check", await command.ExecuteScalarAsync());
    }
}
