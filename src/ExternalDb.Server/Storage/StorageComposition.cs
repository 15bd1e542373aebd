using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Storage;

/// <summary>The registry (<c>Storage</c> section): the database, secrets at rest, the connection store, changes told to other servers.</summary>
internal static class StorageComposition
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<Database>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<CollectionMetadataStore>();
        services.AddSingleton<RegistryChanges>();
        return services;
    }
}
