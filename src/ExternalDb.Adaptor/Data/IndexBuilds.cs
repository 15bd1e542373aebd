using System.Collections.Concurrent;

namespace ExternalDb.Adaptor.Data;

/// <summary>
/// The index builds running in the background in this process (PostgreSQL builds <c>CONCURRENTLY</c>, outside any
/// request). Stopping the adaptor cancels them; an index left half-built is then reported INVALID.
/// </summary>
internal sealed class IndexBuilds : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Build> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    private sealed record Build(Task Task, CancellationTokenSource Cancel);

    /// <summary>True while the build of the SQL index <paramref name="sqlName"/> runs in this process.</summary>
    public bool IsRunning(string sqlName) => _running.ContainsKey(sqlName);

    /// <summary>Starts <paramref name="build"/> for <paramref name="sqlName"/>; its token is cancelled by <see cref="CancelAsync"/> or at shutdown.</summary>
    public void Start(string sqlName, Func<CancellationToken, Task> build)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var task = Task.Run(() => build(cancel.Token), CancellationToken.None);
        var entry = new Build(task, cancel);
        _running[sqlName] = entry;
        _ = task.ContinueWith(_ =>
        {
            _running.TryRemove(KeyValuePair.Create(sqlName, entry));
            cancel.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits until the build ends or <paramref name="atMost"/> has passed.</summary>
    public async Task WaitAsync(string sqlName, TimeSpan atMost, CancellationToken ct)
    {
        if (_running.TryGetValue(sqlName, out var build))
        {
            await Task.WhenAny(build.Task, Task.Delay(atMost, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Cancels the build and waits for it to end (the index is being removed).</summary>
    public async Task CancelAsync(string sqlName)
    {
        if (_running.TryGetValue(sqlName, out var build))
        {
            try
            {
                await build.Cancel.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // It ended meanwhile.
            }
            await Ended(build.Task).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Values.Select(b => Ended(b.Task))).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>A task that completes when <paramref name="task"/> does, whatever its outcome (the build records its own).</summary>
    private static Task Ended(Task task) => task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
