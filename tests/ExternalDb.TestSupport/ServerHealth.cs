using System.Diagnostics;
using Xunit;

namespace ExternalDb.TestSupport;

/// <summary>Waiting for a server started as a child process to answer <c>GET /healthz</c>.</summary>
public static class ServerHealth
{
    /// <summary>Polls <c>healthz</c> until it succeeds; fails with the process's output when it exits or <paramref name="timeout"/> passes.</summary>
    public static async Task WaitAsync(Uri baseAddress, Process process, Func<string> output, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The server exited with {(process.HasExited ? process.ExitCode : 0)}:\n{output()}");
            try
            {
                using var response = await http.GetAsync("healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail($"The server did not become healthy:\n{output()}");
    }
}
