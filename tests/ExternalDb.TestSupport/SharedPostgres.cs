namespace ExternalDb.TestSupport;

/// <summary>
/// One <see cref="TemporaryPostgres"/> per test process, started on first use and stopped when the
/// process exits. For test assemblies whose tests run in several parallel collections and so cannot
/// share a single <see cref="PostgresFixture"/>; give each test its own database with
/// <see cref="TemporaryPostgres.CreateDatabaseAsync"/>.
/// </summary>
public static class SharedPostgres
{
    private static readonly Lazy<Task<TemporaryPostgres>> Instance = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process-wide cluster; the first call starts it (and a failed start is reported to every caller).</summary>
    public static Task<TemporaryPostgres> GetAsync() => Instance.Value;

    private static async Task<TemporaryPostgres> StartAsync()
    {
        var postgres = await TemporaryPostgres.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => postgres.StopAtProcessExit();
        return postgres;
    }
}
