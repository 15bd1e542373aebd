using System.Data.Common;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Data;

/// <summary>The one place that turns SQL text and <see cref="SqlParams"/> into commands.</summary>
internal static class Db
{
    public static DbCommand Command(SqlDialect dialect, DbConnection connection, DbTransaction? tx, string sql, SqlParams? ps)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
#pragma warning disable CA2100 // Every caller builds SQL only from validated, quoted identifiers and fixed keywords; all values are parameters in ps.
        command.CommandText = sql;
#pragma warning restore CA2100
        if (ps is not null)
        {
            foreach (var p in ps.Items)
            {
                dialect.Bind(command, p);
            }
        }
        return command;
    }

    public static async Task<int> ExecuteAsync(SqlDialect dialect, DbConnection connection, DbTransaction? tx, string sql, SqlParams? ps, CancellationToken ct)
    {
        await using var command = Command(dialect, connection, tx, sql, ps);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task<object?> ScalarAsync(SqlDialect dialect, DbConnection connection, DbTransaction? tx, string sql, SqlParams? ps, CancellationToken ct)
    {
        await using var command = Command(dialect, connection, tx, sql, ps);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    public static async Task<List<T>> QueryAsync<T>(SqlDialect dialect, DbConnection connection, DbTransaction? tx, string sql, SqlParams? ps,
        Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var command = Command(dialect, connection, tx, sql, ps);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<T>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(map(reader));
        }
        return list;
    }

    /// <summary>
    /// Runs several statements (separated by <c>;</c>, sharing <paramref name="ps"/>) as one command, so that they travel
    /// in one round trip, and hands each result set to <paramref name="read"/> with its index, in order.
    /// </summary>
    public static async Task ReadResultsAsync(SqlDialect dialect, DbConnection connection, DbTransaction? tx, string sql, SqlParams? ps,
        Action<DbDataReader, int> read, CancellationToken ct)
    {
        await using var command = Command(dialect, connection, tx, sql, ps);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var index = 0;
        do
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                read(reader, index);
            }
            index++;
        }
        while (await reader.NextResultAsync(ct).ConfigureAwait(false));
    }

    public static string? StringOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
