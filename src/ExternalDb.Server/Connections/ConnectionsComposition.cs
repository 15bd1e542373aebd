namespace ExternalDb.Server.Connections;

/// <summary>The connections' life and the connections data calls use.</summary>
internal static class ConnectionsComposition
{
    public static IServiceCollection AddConnectionServices(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionService>();
        services.AddSingleton<ResolvedConnections>();
        return services;
    }
}
