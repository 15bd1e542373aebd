using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace ExternalDb.Adaptor.Sql;

/// <summary>The engines the adaptor speaks: their names, how their connection strings are checked, their dialects.</summary>
internal static class SqlEngines
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public const string MySql = "mysql";

    /// <summary>The engine names as the <c>Adaptor:Engine</c> setting takes them.</summary>
    public const string Names = "sqlite, postgres or mysql";

    /// <summary>The engine a setting names (<c>mariadb</c> is <c>mysql</c>), or null.</summary>
    public static string? Canonical(string? engine) => (engine ?? "").Trim().ToLowerInvariant() switch
    {
        Sqlite => Sqlite,
        Postgres => Postgres,
        MySql or "mariadb" => MySql,
        _ => null,
    };

    /// <summary>Why a connection string cannot serve <paramref name="engine"/>, or null when it can. Never quotes the string.</summary>
    public static string? Problem(string engine, string connectionString)
    {
        DbConnectionStringBuilder builder;
        try
        {
            builder = engine switch
            {
                Sqlite => new SqliteConnectionStringBuilder(connectionString),
                Postgres => new NpgsqlConnectionStringBuilder(connectionString),
                _ => new MySqlConnectionStringBuilder(connectionString),
            };
            _ = builder.ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return $"is not a valid {engine} connection string";
        }
        // Without a database the collections would have no schema to live in.
        return builder is MySqlConnectionStringBuilder { Database: null or "" } ? "must name a Database for the mysql engine" : null;
    }

    /// <summary>
    /// The dialect of <paramref name="engine"/> over <paramref name="connectionString"/>; a PostgreSQL or MySQL pool holds
    /// at most <paramref name="maxPoolSize"/> connections unless the connection string names its own maximum.
    /// </summary>
    public static SqlDialect CreateDialect(string engine, string connectionString, int maxPoolSize) => engine switch
    {
        Postgres => new PostgresDialect(WithPoolSize(new NpgsqlConnectionStringBuilder(connectionString), b => b.MaxPoolSize = maxPoolSize)),
        MySql => new MySqlDialect(WithPoolSize(new MySqlConnectionStringBuilder(connectionString), b => b.MaximumPoolSize = (uint)maxPoolSize)),
        _ => new SqliteDialect(connectionString),
    };

    private static string WithPoolSize<T>(T builder, Action<T> setMaximum) where T : DbConnectionStringBuilder
    {
        // Both drivers spell the key several ways ("Maximum Pool Size", "Max Pool Size", "MaxPoolSize").
        var named = new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.Keys.Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maximumpoolsize" or "maxpoolsize");
        if (!named)
        {
            setMaximum(builder);
        }
        return builder.ConnectionString;
    }
}
