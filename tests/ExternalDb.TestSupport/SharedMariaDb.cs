namespace ExternalDb.TestSupport;

/// <summary>
/// One <see cref="TemporaryMariaDb"/> per test process, started on first use and stopped when the process exits
/// (its watchdog also stops it if the process is killed). Give each test its own database with
/// <see cref="TemporaryMariaDb.CreateDatabaseAsync"/>.
/// </summary>
public static class SharedMariaDb
{
    private static readonly Lazy<Task<TemporaryMariaDb>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process-wide server; the first call starts it (and a failed start is reported to every caller).</summary>
    public static Task<TemporaryMariaDb> GetAsync() => Instance.Value;

    private static async Task<TemporaryMariaDb> StartAsync()
    {
        var server = await TemporaryMariaDb.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAtProcessExit();
        return server;
    }
}
