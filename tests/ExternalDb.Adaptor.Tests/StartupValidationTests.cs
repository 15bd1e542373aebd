using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Tests;

/// <summary>A missing or invalid setting stops start-up with a message naming it.</summary>
public sealed class StartupValidationTests
{
    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        await using var app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(settings));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        return string.Join("; ", e.Failures);
    }

    [Fact]
    public async Task Unknown_engine_is_named()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "oracle", ["Adaptor:SecretKey"] = "x" });
        Assert.Contains("Adaptor:Engine must be sqlite or postgres", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_authentication_refuses_to_start()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "sqlite", ["Adaptor:ConnectionString"] = "Data Source=:memory:" });
        Assert.Contains("Adaptor:SecretKey", message, StringComparison.Ordinal);
        Assert.Contains("Adaptor:JwtPublicKeys", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_key_and_missing_audience_are_named_without_echoing_the_key()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:JwtPublicKeys:0"] = "bm90LWEta2V5" });
        Assert.Contains("Adaptor:JwtPublicKeys:0", message, StringComparison.Ordinal);
        Assert.Contains("Adaptor:Audience", message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90LWEta2V5", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_without_connection_string_is_named()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "postgres", ["Adaptor:SecretKey"] = "x" });
        Assert.Contains("Adaptor:ConnectionString", message, StringComparison.Ordinal);
    }
}
