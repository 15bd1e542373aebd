using ExternalDb.Server.Hosting;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Tests;

/// <summary>A setting out of its range stops the start with a message that names it (each section's validator).</summary>
public sealed class StartupSettingsTests
{
    [Theory]
    [InlineData("Console:IdleTimeout", "00:00:10", "Console:IdleTimeout must be between 1 minute and 7 days.")]
    [InlineData("Console:RevalidationInterval", "00:00:00.5", "Console:RevalidationInterval must be at least 1 second.")]
    [InlineData("Probe:Interval", "-00:00:01", "Probe:Interval must not be negative")]
    [InlineData("Probe:FailureRetryDelay", "00:00:00", "Probe:FailureRetryDelay must be positive.")]
    [InlineData("Probe:MaxConcurrentChecks", "0", "Probe:MaxConcurrentChecks must be from 1 to 256.")]
    [InlineData("Probe:HistoryRetention", "0", "Probe:HistoryRetention must be positive.")]
    [InlineData("Gateway:AdaptorTimeout", "00:00:00", "Gateway:AdaptorTimeout must be positive.")]
    [InlineData("Auth:KeyCacheDuration", "02:00:00", "Auth:KeyCacheDuration must be between 0 and 1 hour.")]
    [InlineData("Webhooks:MaxConcurrentDeliveries", "0", "Webhooks:MaxConcurrentDeliveries must be from 1 to 256.")]
    [InlineData("Webhooks:Timeout", "00:00:00", "Webhooks:Timeout must be positive.")]
    [InlineData("Webhooks:RetryBaseDelay", "00:00:00", "Webhooks:RetryBaseDelay must be positive.")]
    [InlineData("Webhooks:MaxRetryDelay", "00:00:01", "Webhooks:MaxRetryDelay must be at least Webhooks:RetryBaseDelay.")]
    [InlineData("Webhooks:MaxAttempts", "101", "Webhooks:MaxAttempts must be from 1 to 100.")]
    [InlineData("Webhooks:PollInterval", "00:00:00", "Webhooks:PollInterval must be positive.")]
    [InlineData("Webhooks:LeaseDuration", "00:00:10", "Webhooks:LeaseDuration must be longer than Webhooks:Timeout.")]
    [InlineData("Webhooks:Retention", "00:00:00.5", "Webhooks:Retention must be at least 1 second.")]
    public async Task A_setting_out_of_range_stops_the_start_naming_it(string setting, string value, string message)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-settings-").FullName;
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["DemoAdaptor:Enabled"] = "false",
                [setting] = value,
            });
            builder.Logging.ClearProviders();
        });
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
            TempFiles.TryDelete(dataDirectory);
        }
    }
}
