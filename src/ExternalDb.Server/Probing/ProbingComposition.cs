using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Probing;

/// <summary>The prober and its bounds (<c>Probe</c> section).</summary>
internal static class ProbingComposition
{
    public static IServiceCollection AddProbing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProbeOptions>().Bind(configuration.GetSection(ProbeOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProbeOptions>, ProbeOptionsValidator>());
        services.AddSingleton<AdaptorProber>();
        return services;
    }
}
