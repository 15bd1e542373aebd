using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Webhooks;

/// <summary>Registration of the outbox, the webhook store and the delivery worker.</summary>
internal static class WebhookComposition
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        EgressPolicy.Register(services);
        Observability.ServerMetrics.Register(services);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<WebhookStore>();
        services.AddHttpClient(DeliveryWorker.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(AdaptorHttpClient.EgressCheckedHandler)
            .RemoveAllLoggers();
        services.AddHostedService<DeliveryWorker>();
        return services;
    }
}
