using ExternalDb.Server.Storage;

namespace ExternalDb.Server.StatusChecks;

/// <summary>Registration of the status history and the background checks.</summary>
internal static class StatusCheckExtensions
{
    public static IServiceCollection AddStatusChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StatusCheckOptions>().Bind(configuration.GetSection(StatusCheckOptions.Section))
            .Validate(o => o.Interval >= TimeSpan.Zero, "Probe:Interval must not be negative (00:00:00 turns background checks off).")
            .Validate(o => o.FailureRetryDelay > TimeSpan.Zero, "Probe:FailureRetryDelay must be positive.")
            .Validate(o => o.MaxConcurrentChecks is > 0 and <= 256, "Probe:MaxConcurrentChecks must be from 1 to 256.")
            .Validate(o => o.HistoryRetention > 0, "Probe:HistoryRetention must be positive.")
            .ValidateOnStart();
        services.AddSingleton<StatusHistoryStore>();
        services.AddHostedService<BackgroundChecks>();
        return services;
    }
}
