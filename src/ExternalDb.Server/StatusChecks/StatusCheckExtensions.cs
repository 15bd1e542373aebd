using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.StatusChecks;

/// <summary>Registration of the status history and the background checks.</summary>
internal static class StatusCheckExtensions
{
    public static IServiceCollection AddStatusChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StatusCheckOptions>().Bind(configuration.GetSection(StatusCheckOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StatusCheckOptions>, StatusCheckOptionsValidator>());
        services.AddSingleton<StatusHistoryStore>();
        services.AddHostedService<BackgroundChecks>();
        return services;
    }
}
