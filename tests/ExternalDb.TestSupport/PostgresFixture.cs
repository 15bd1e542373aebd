using Xunit;

namespace ExternalDb.TestSupport;

/// <summary>
/// An xunit collection fixture holding one <see cref="TemporaryPostgres"/> for every test class in the
/// <c>"postgres"</c> collection. The cluster starts on the first <see cref="GetAsync"/> (tests that do
/// not touch it cost nothing) and stops when the collection finishes.
/// </summary>
/// <remarks>
/// xunit only discovers collection definitions in the test assembly itself, so each test project
/// that uses this fixture adds the one-liner
/// <code>
/// [CollectionDefinition(PostgresFixture.CollectionName)] public sealed class PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;;
/// </code>
/// and marks its classes with <c>[Collection(PostgresFixture.CollectionName)]</c>, taking the fixture
/// in the constructor:
/// <code>
/// [Collection(PostgresFixture.CollectionName)]
/// public sealed class StoreTests(PostgresFixture postgres)
/// {
///     [Fact]
///     public async Task Works()
///     {
///         var connectionString = await postgres.CreateDatabaseAsync("store_works");
///         // ...
///     }
/// }
/// </code>
/// Classes in one collection run one after another. Test assemblies that need parallel classes on one
/// cluster use <see cref="SharedPostgres"/> instead.
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    /// <summary>The collection name to use in <c>[Collection]</c> and <c>[CollectionDefinition]</c>.</summary>
    public const string CollectionName = "postgres";

    private readonly Lazy<Task<TemporaryPostgres>> _postgres = new(() => TemporaryPostgres.StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cluster, started on first call.</summary>
    public Task<TemporaryPostgres> GetAsync() => _postgres.Value;

    /// <summary>Creates a fresh database on the cluster (starting it if needed) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name) =>
        await (await GetAsync().ConfigureAwait(false)).CreateDatabaseAsync(name).ConfigureAwait(false);

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_postgres.IsValueCreated)
        {
            try
            {
                await (await _postgres.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The start itself failed; the tests that asked for it already reported why.
            }
        }
    }
}
