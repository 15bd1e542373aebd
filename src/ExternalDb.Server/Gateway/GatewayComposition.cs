using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Gateway;

/// <summary>The data gateway: its bounds (<c>Gateway</c> section), its services and its routes.</summary>
internal static class GatewayComposition
{
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.AddSingleton<GatewayCursors>();
        services.AddSingleton<DataGateway>();
        services.AddSingleton<ItemEvents>();
        services.AddSingleton<DataItemsService>();
        services.AddSingleton<DataPatchService>();
        services.AddSingleton<DataReferencesService>();
        services.AddSingleton<DataCollectionsService>();
        services.AddSingleton<DataIndexesService>();
        services.AddHostedService<RegistryChangeListener>();
        return services;
    }

    /// <summary>Wix Data Items, Collections and Indexes v2, at <c>/wix-data/v2</c> and <c>/data/v2</c>.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app) => app.MapItems().MapDataCollections().MapIndexes();
}
