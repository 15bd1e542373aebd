using ExternalDb.TestSupport;
using Npgsql;

namespace ExternalDb.Adaptor.Tests;

/// <summary>The adaptor over a throwaway PostgreSQL cluster (<see cref="TemporaryPostgres"/>).</summary>
public sealed class PostgresAdaptorHost : AdaptorHost
{
    private TemporaryPostgres? _cluster;

    public override string Engine => "postgres";
    private string _connectionString = "";

    protected override async Task<Dictionary<string, string?>> EngineSettingsAsync()
    {
        _cluster = await TemporaryPostgres.StartAsync();
        _connectionString = await _cluster.CreateDatabaseAsync("adaptor_tests");
        return new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = "postgres",
            ["Adaptor:ConnectionString"] = _connectionString,
        };
    }

    /// <summary>A connection to the adaptor's database, for tests that hold transactions or read plans.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // Test-only SQL written in the test itself.
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task CleanupAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

public sealed partial class PostgresAdaptorTests(PostgresAdaptorHost host) : AdaptorBehaviourTests(host), IClassFixture<PostgresAdaptorHost>
{
    private PostgresAdaptorHost Postgres { get; } = host;
}
