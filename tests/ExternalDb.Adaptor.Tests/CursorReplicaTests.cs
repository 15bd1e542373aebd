using System.Text.Json.Nodes;
using ExternalDb.TestSupport;

namespace ExternalDb.Adaptor.Tests;

public sealed partial class PostgresAdaptorTests
{
    /// <summary>
    /// Two adaptor processes started alike on one PostgreSQL database (no <c>Adaptor:CursorKey</c>: both derive it from
    /// the same configuration) serve one cursor walk in turns, with rows inserted and removed midway.
    /// </summary>
    [Fact]
    public async Task Two_adaptor_processes_serve_one_cursor_walk_alternately_without_a_gap_or_a_duplicate()
    {
        await using var first = await AdaptorProcess.StartAsync(Host.Settings);
        await using var second = await AdaptorProcess.StartAsync(Host.Settings);
        using var firstHttp = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var secondHttp = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Replica Through(HttpClient http, AdaptorProcess process) => async request =>
        {
            var (status, body) = await AdaptorHost.PostRawAsync(http, "/v3/items/query", Host.SignEs256(request));
            Assert.True(status == 200, $"adaptor process {process.ProcessId} answered {status}: {body?.ToJsonString()}\n{process.Output}");
            return body!;
        };
        await CursorWalkAcrossReplicasAsync([Through(firstHttp, first), Through(secondHttp, second)]);
    }
}
