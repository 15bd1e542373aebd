using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Data;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Sql;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Hosting;

/// <summary>The engine of one adaptor: dialect, catalog, item store and cursor codec.</summary>
internal sealed class AdaptorRuntime : IAsyncDisposable
{
    public AdaptorRuntime(IOptions<AdaptorOptions> options, AdaptorMetrics metrics)
    {
        Options = options.Value;
        Metrics = metrics;
        Dialect = SqlEngines.CreateDialect(Options.EngineName, Options.EffectiveConnectionString, Options.MaxPoolSize);
        Catalog = new Catalog(Dialect);
        Items = new ItemStore(Catalog, new FilterTranslator(Dialect), Options.ReadOnly);
        Patcher = new ItemPatcher(Items, Catalog);
        Indexes = new IndexStore(Items, Catalog, _indexBuilds, Options.ReadOnly);
        Permissions = new RolePermissions(Options);
        Cursors = new CursorCodec(CursorCodec.KeyFor(Options));
    }

    private readonly IndexBuilds _indexBuilds = new();

    public AdaptorOptions Options { get; }

    public AdaptorMetrics Metrics { get; }

    public SqlDialect Dialect { get; }

    public Catalog Catalog { get; }

    public ItemStore Items { get; }

    public ItemPatcher Patcher { get; }

    public IndexStore Indexes { get; }

    public RolePermissions Permissions { get; }

    public CursorCodec Cursors { get; }

    public async ValueTask DisposeAsync()
    {
        await _indexBuilds.DisposeAsync().ConfigureAwait(false);
        if (Dialect is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }
}
