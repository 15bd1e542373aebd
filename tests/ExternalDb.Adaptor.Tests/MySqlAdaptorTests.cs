using ExternalDb.TestSupport;
using MySqlConnector;

namespace ExternalDb.Adaptor.Tests;

/// <summary>The adaptor over a database of the process's throwaway MariaDB server (<see cref="SharedMariaDb"/>).</summary>
public sealed class MySqlAdaptorHost : AdaptorHost
{
    private string _connectionString = "";

    protected override async Task<Dictionary<string, string?>> EngineSettingsAsync()
    {
        var server = await SharedMariaDb.GetAsync();
        _connectionString = await server.CreateDatabaseAsync("adaptor_tests_" + Guid.NewGuid().ToString("N")[..12]);
        return new Dictionary<string, string?>
        {
            ["Adaptor:Engine"] = "mysql",
            ["Adaptor:ConnectionString"] = _connectionString,
        };
    }

    public override async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100 // Test-only SQL written in the test itself.
        await using var command = new MySqlCommand(sql, connection);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class MySqlAdaptorTests(MySqlAdaptorHost host) : AdaptorBehaviourTests(host), IClassFixture<MySqlAdaptorHost>;
