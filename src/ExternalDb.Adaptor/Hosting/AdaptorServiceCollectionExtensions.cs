using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Endpoints;
using ExternalDb.Adaptor.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Extension methods live in the namespaces their receivers come from, so they are found without a using.
namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers the reference adaptor.</summary>
    public static class AdaptorServiceCollectionExtensions
    {
        /// <summary>
        /// Registers the adaptor with its options bound from <paramref name="section"/> (normally the <c>Adaptor</c>
        /// section), validated at start-up.
        /// </summary>
        public static IServiceCollection AddExternalDbAdaptor(this IServiceCollection services, IConfiguration section)
        {
            services.AddOptions<AdaptorOptions>().Bind(section).ValidateOnStart();
            return AddCore(services);
        }

        /// <summary>Registers the adaptor with options set in code, validated at start-up.</summary>
        public static IServiceCollection AddExternalDbAdaptor(this IServiceCollection services, Action<AdaptorOptions> configure)
        {
            services.AddOptions<AdaptorOptions>().Configure(configure).ValidateOnStart();
            return AddCore(services);
        }

        private static IServiceCollection AddCore(IServiceCollection services)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdaptorOptions>, AdaptorOptionsValidator>());
            services.TryAddSingleton<IV3KeyResolver, ConfiguredV3KeyResolver>();
            services.TryAddSingleton(TimeProvider.System);
            services.AddMetrics();
            services.TryAddSingleton<AdaptorMetrics>();
            services.TryAddSingleton<AdaptorRuntime>();
            services.TryAddSingleton<V3RequestVerifier>();
            services.TryAddSingleton<LegacySecretChecker>();
            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    /// <summary>Maps the reference adaptor's endpoints.</summary>
    public static class AdaptorEndpointRouteBuilderExtensions
    {
        /// <summary>
        /// Maps every adaptor endpoint (V3 under <c>/v3/...</c>, legacy <c>/provision</c>, <c>/schemas/...</c>,
        /// <c>/data/...</c>), all POST, under <paramref name="prefix"/> (e.g. <c>/demo-adaptor</c>; empty for the root).
        /// Requires <c>AddExternalDbAdaptor</c>.
        /// </summary>
        public static RouteGroupBuilder MapExternalDbAdaptor(this IEndpointRouteBuilder endpoints, string prefix = "")
        {
            var normalized = string.IsNullOrWhiteSpace(prefix) ? "" : "/" + prefix.Trim().Trim('/');
            var group = endpoints.MapGroup(normalized);
            AdaptorEndpoints.Map(group);
            return group;
        }
    }
}
