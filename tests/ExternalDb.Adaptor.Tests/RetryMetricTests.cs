using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Endpoints;
using ExternalDb.Adaptor.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Tests;

/// <summary>An operation run again after a lost transaction is counted on <c>externaldb.adaptor.retries</c>.</summary>
public sealed class RetryMetricTests
{
    [Fact]
    public async Task Each_run_again_is_counted_with_its_reason()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var options = Options.Create(new AdaptorOptions { Engine = "sqlite", ConnectionString = "Data Source=:memory:", SecretKey = "s" });
        await using var runtime = new AdaptorRuntime(options, new AdaptorMetrics(meters));
        var counted = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == AdaptorMetrics.RetriesName && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counted)
            {
                counted.AddRange(Enumerable.Repeat((string)tags.ToArray().Single(t => t.Key == "reason").Value!, (int)value));
            }
        });
        listener.Start();

        var failures = new Queue<Exception>([new SqliteException("database is locked", 5), new SqliteException("UNIQUE constraint failed", 19)]);
        var runs = 0;
        var answer = await AdaptorEndpoints.RunAsync(runtime, () =>
        {
            runs++;
            return failures.TryDequeue(out var failure) ? throw failure : Task.FromResult<JsonNode>(new JsonObject { ["ok"] = true });
        }, CancellationToken.None);

        Assert.True(answer["ok"]!.GetValue<bool>());
        Assert.Equal(3, runs);
        Assert.Equal(["transient", "key_taken"], counted);
    }
}
