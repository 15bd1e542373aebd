using ExternalDb.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>Calling adaptors: the HTTP client and its egress policy, the protocol clients (keyed by protocol), signing keys.</summary>
internal static class AdaptorsComposition
{
    public static IServiceCollection AddAdaptors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdaptorClientOptions>().Bind(configuration.GetSection(AdaptorClientOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdaptorClientOptions>, AdaptorClientOptionsValidator>());
        services.AddOptions<AdaptorPipelineOptions>().Bind(configuration.GetSection(AdaptorPipelineOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdaptorPipelineOptions>, AdaptorPipelineOptionsValidator>());
        services.AddOptions<EgressOptions>().Bind(configuration.GetSection(EgressOptions.Section));

        AdaptorHttpClient.Register(services);
        services.AddSingleton<SigningKeyRegistry>();
        services.AddSingleton<V3Protocol>();
        services.AddSingleton<LegacyProtocol>();
        services.AddKeyedSingleton<IAdaptorProtocol>(ProtocolVersion.V3, (sp, _) => sp.GetRequiredService<V3Protocol>());
        services.AddKeyedSingleton<IAdaptorProtocol>(ProtocolVersion.V1, (sp, _) => sp.GetRequiredService<LegacyProtocol>());
        services.AddKeyedSingleton<IAdaptorProtocol>(ProtocolVersion.V2, (sp, _) => sp.GetRequiredService<LegacyProtocol>());
        return services;
    }
}
