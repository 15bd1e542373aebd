using System.Collections.Concurrent;
using System.Diagnostics;

namespace ExternalDb.Bench;

/// <summary>
/// Records the SQL text of every Npgsql and MySqlConnector command run in this process while it is alive, from the
/// drivers' own tracing (<see cref="ActivitySource"/> "Npgsql" and "MySqlConnector"). The adaptor runs in this process, so this shows the statements it really
/// sends. Only used outside the measured loops: with no listener the drivers trace nothing.
/// </summary>
internal sealed class SqlCapture : IDisposable
{
    private readonly ConcurrentQueue<string> _statements = new();
    private readonly ActivityListener _listener;

    public SqlCapture()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "MySqlConnector",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if ((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is string sql)
                {
                    _statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The statements in the order they finished.</summary>
    public IReadOnlyList<string> Statements => [.. _statements];

    public void Dispose() => _listener.Dispose();
}
