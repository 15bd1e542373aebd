using System.Data.Common;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Storage;
using Npgsql;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// On PostgreSQL, listens for <see cref="RegistryChanges"/> of the other servers and drops the stale cache entries. While the listening connection is down nothing is heard, so on every (re)connection all cached
/// entries are dropped.
/// </summary>
internal sealed class RegistryChangeListener(
    Database database,
    RegistryChanges changes,
    ResolvedConnections connections,
    DataGateway gateway,
    ILogger<RegistryChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Dialect is not PostgresRegistryDialect postgres)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await postgres.OpenListenerAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = connection.Command($"LISTEN {RegistryChanges.Channel}"))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                connections.Clear();
                gateway.ClearSchemas();
                while (!stoppingToken.IsCancellationRequested)
                {
                    // A quiet minute ends with a round trip, so that a registry that went away is noticed.
                    if (!await connection.WaitAsync((int)KeepAlive.TotalMilliseconds, stoppingToken))
                    {
                        await using var ping = connection.Command("SELECT 1");
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException or IOException)
            {
                logger.LogWarning("Listening for changes made by other servers failed ({ExceptionType}); trying again shortly", e.GetType().Name);
                await Task.Delay(RetryDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        switch (changes.FromOtherServer(e.Payload))
        {
            case (RegistryChangeKind.Connection, var key):
                connections.InvalidateKey(key);
                break;
            case (RegistryChangeKind.Schemas, var key):
                gateway.InvalidateKey(key);
                break;
        }
    }
}
