namespace ExternalDb.Server.Storage;

/// <summary>The registry (<c>Storage</c> section): the database, secrets at rest, the connection store.</summary>
internal static class StorageComposition
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection("Storage"));
        services.AddSingleton<Database>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<ConnectionStore>();
        services.AddSingleton<CollectionMetadataStore>();
        return services;
    }
}
