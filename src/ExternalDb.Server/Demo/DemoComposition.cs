using ExternalDb.Demo;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Demo;

/// <summary>
/// The demo adaptor (project <c>ExternalDb.Demo</c>) plugged into this server through the hooks it defines: the
/// server's data directory and listen addresses, its private files, and the public keys of its V3 connections.
/// </summary>
internal static class DemoComposition
{
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        var dataDirectory = StorageOptions.DataDirectoryOf(configuration);
        services.AddSingleton<IDemoConnectionKeys, DemoConnectionKeys>();
        services.AddDemoAdaptor(configuration, new DemoHost(dataDirectory, ListenAddresses.Configured(configuration)));
        return services;
    }

    public static WebApplication MapDemo(this WebApplication app)
    {
        app.MapDemoAdaptor(Permissions.Admin);
        return app;
    }

    private sealed class DemoHost(string dataDirectory, IReadOnlyList<string> listenAddresses) : IDemoAdaptorHost
    {
        public string DataDirectory => dataDirectory;

        public IReadOnlyList<string> ListenAddresses => listenAddresses;

        public bool IsLoopback(string address) => Hosting.ListenAddresses.IsLoopback(address);

        public void CreatePrivateDirectory(string path) => Database.CreatePrivateDirectory(path);

        public (string Value, bool Created) ReadOrCreatePrivateFile(string path, Func<string> make) => PrivateFile.ReadOrCreate(path, make);
    }

    /// <summary>A connection being created is found by its signing key before it is stored; others in the registry.</summary>
    private sealed class DemoConnectionKeys(ConnectionStore store, SigningKeyRegistry signingKeys) : IDemoConnectionKeys
    {
        public async ValueTask<string?> FindPublicKeyAsync(string applicationId, CancellationToken ct) =>
            signingKeys.Find(applicationId)?.PublicKey ?? await store.FindPublicKeyAsync(applicationId, ct);
    }
}
