using Xunit.Abstractions;

namespace ExternalDb.WixSdk.Tests;

/// <summary>
/// Wix's official JavaScript SDK (<c>@wix/sdk</c> + <c>@wix/data</c>) against a real server, through
/// <c>tests/wix-sdk/run.mjs</c>: every case it prints becomes part of these results.
/// </summary>
public sealed class WixSdkTests(WixSdkHarness harness, ITestOutputHelper output) : IClassFixture<WixSdkHarness>
{
    /// <summary>Fewer served cases than this means the harness stopped early or lost cases.</summary>
    private const int ServedCasesAtLeast = 60;

    [Fact]
    public void Every_served_case_of_the_SDK_passes()
    {
        foreach (var line in harness.Cases)
        {
            output.WriteLine(line.ToString());
        }
        var failed = harness.Cases.Where(c => c.Outcome == "FAIL").ToList();
        Assert.True(failed.Count == 0,
            $"{failed.Count} of the SDK's cases failed:\n{string.Join('\n', failed)}\n\n{harness.Run.Describe()}");
        Assert.True(harness.Run.ExitCode == 0, $"run.mjs failed without a failing case: {harness.Run.Describe()}");
    }

    [Fact]
    public void The_harness_ran_every_case_on_both_connections_and_summed_them_up()
    {
        var served = harness.Cases.Where(c => c.Outcome != "SKIP").ToList();
        Assert.True(served.Count >= ServedCasesAtLeast, $"only {served.Count} served cases ran: {harness.Run.Describe()}");
        foreach (var label in new[] { "(V3)", "(V2)" })
        {
            Assert.Contains(served, c => c.Name.EndsWith(label, StringComparison.Ordinal) && c.Name.StartsWith("items.truncate", StringComparison.Ordinal));
        }
        var summary = $"{harness.Cases.Count(c => c.Outcome == "PASS")} passed, {harness.Cases.Count(c => c.Outcome == "FAIL")} failed, " +
            $"{harness.Cases.Count(c => c.Outcome == "SKIP")} skipped";
        Assert.Contains(summary, harness.Run.StandardOutput.Split('\n').Select(l => l.Trim()));
    }

    [SkippableFact]
    public void Cases_not_yet_served()
    {
        var notYet = harness.Cases.Where(c => c.Outcome == "SKIP").ToList();
        Skip.If(notYet.Count > 0, $"{notYet.Count} of the SDK's methods are not served yet (tests/wix-sdk/README.md):\n{string.Join('\n', notYet)}");
    }

    [Fact]
    public void Each_case_not_yet_served_is_listed_in_the_README()
    {
        var readme = File.ReadAllText(Path.Combine(WixSdkHarness.Folder, "README.md"));
        var unlisted = harness.Cases.Where(c => c.Outcome == "SKIP")
            .Select(c => c.Name[..c.Name.LastIndexOf(" (", StringComparison.Ordinal)])
            .Distinct()
            .Where(method => !readme.Contains($"`{method}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(unlisted.Count == 0, $"Not in tests/wix-sdk/README.md: {string.Join(", ", unlisted)}");
    }
}
