using System.Collections.Concurrent;

namespace ExternalDb.Adaptor.Conformance;

/// <summary>
/// A class fixture holding one seeded, read-only collection per target, made on first use and deleted when the test
/// class is done.
/// </summary>
public abstract class SeededCollections<TCollection> : IAsyncLifetime where TCollection : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task<TCollection>> _collections = new(StringComparer.Ordinal);

    /// <summary>The collection of <paramref name="target"/>, made by <paramref name="seed"/> the first time.</summary>
    protected Task<TCollection> GetOrSeedAsync(string target, Func<Task<TCollection>> seed) => _collections.GetOrAdd(target, _ => seed());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var pending in _collections.Values)
        {
            try
            {
                await (await pending).DisposeAsync();
            }
            catch (Exception)
            {
                // Creation failed or was skipped; nothing to clean up.
            }
        }
    }
}
