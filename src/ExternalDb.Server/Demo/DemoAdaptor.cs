using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Auth;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Server.Demo;

/// <summary>The <c>DemoAdaptor</c> section: a reference adaptor served by the server itself, over a seeded SQLite file.</summary>
public sealed class DemoAdaptorOptions
{
    /// <summary>Whether the server serves the demo adaptor. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where it is served. Default <c>/demo-adaptor</c>.</summary>
    public string PathPrefix { get; set; } = "/demo-adaptor";

    /// <summary>The legacy secret key of the demo adaptor (put it in a STANDALONE connection's configuration).</summary>
    public string SecretKey { get; set; } = "demo-secret";
}

/// <summary>
/// Lets a first connection work on a fresh machine: the reference adaptor is mapped under
/// <see cref="DemoAdaptorOptions.PathPrefix"/> over <c>{DataDirectory}/demo-adaptor.db</c>, seeded with a
/// <c>products</c> collection. STANDALONE connections use the demo secret; V3 connections made by this server are
/// trusted by their own public key (the audience is the connection's application id).
/// </summary>
public static class DemoAdaptor
{
    public static void AddDemoAdaptor(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("DemoAdaptor").Get<DemoAdaptorOptions>() ?? new DemoAdaptorOptions();
        services.AddOptions<DemoAdaptorOptions>().Bind(configuration.GetSection("DemoAdaptor"));
        if (!options.Enabled)
        {
            return;
        }
        var dataDirectory = Path.GetFullPath(configuration.GetSection("Storage").Get<StorageOptions>()?.DataDirectory ?? new StorageOptions().DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        services.AddSingleton<IV3KeyResolver, ConnectionKeyResolver>();
        services.AddExternalDbAdaptor(adaptor =>
        {
            adaptor.Engine = "sqlite";
            adaptor.ConnectionString = $"Data Source={Path.Combine(dataDirectory, "demo-adaptor.db")}";
            adaptor.SecretKey = options.SecretKey;
        });
    }

    public static void MapDemoAdaptor(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DemoAdaptorOptions>>().Value;
        if (options.Enabled)
        {
            app.MapExternalDbAdaptor(options.PathPrefix).ExcludeFromDescription();
        }
    }

    /// <summary>Creates the demo collection on first start, through the adaptor's own legacy protocol.</summary>
    public static async Task SeedAsync(WebApplication app, CancellationToken ct = default)
    {
        var options = app.Services.GetRequiredService<IOptions<DemoAdaptorOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return;
        }
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        uri.Path = options.PathPrefix.TrimEnd('/') + "/";
        using var http = new HttpClient { BaseAddress = uri.Uri, Timeout = TimeSpan.FromSeconds(30) };
        var context = new JsonObject { ["settings"] = new JsonObject { ["secretKey"] = options.SecretKey }, ["role"] = "OWNER" };
        async Task<JsonObject?> Call(string path, JsonObject body)
        {
            body["requestContext"] = context.DeepClone();
            using var response = await http.PostAsJsonAsync(path, body, ct);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        }

        var schemas = await Call("schemas/list", new JsonObject());
        if ((schemas?["schemas"] as JsonArray)?.Any(s => s?["id"]?.GetValue<string>() == "products") == true)
        {
            return;
        }
        await Call("schemas/create", new JsonObject { ["collectionName"] = "products" });
        foreach (var (name, type) in new[] { ("title", "text"), ("price", "number"), ("inStock", "boolean"), ("category", "text"), ("releasedAt", "datetime") })
        {
            await Call("schemas/column/add", new JsonObject { ["collectionName"] = "products", ["column"] = new JsonObject { ["name"] = name, ["type"] = type } });
        }
        var items = new JsonArray(
            Product("p-1", "Desk lamp", 25, true, "lighting", "2024-03-01T10:00:00.000Z"),
            Product("p-2", "Standing desk", 420, true, "furniture", "2023-11-15T09:30:00.000Z"),
            Product("p-3", "Office chair", 180, false, "furniture", "2024-01-20T14:45:00.000Z"),
            Product("p-4", "Monitor arm", 75.5, true, "accessories", "2024-06-05T08:00:00.000Z"),
            Product("p-5", "Cable tray", 0, true, "accessories", "2022-09-09T12:00:00.000Z"));
        await Call("data/insert/bulk", new JsonObject { ["collectionName"] = "products", ["items"] = items });
    }

    private static JsonObject Product(string id, string title, double price, bool inStock, string category, string released) => new()
    {
        ["_id"] = id,
        ["title"] = title,
        ["price"] = price,
        ["inStock"] = inStock,
        ["category"] = category,
        ["releasedAt"] = new JsonObject { ["$date"] = released },
    };

    /// <summary>Trusts each V3 connection of this server by its own public key, with its application id as audience.</summary>
    private sealed class ConnectionKeyResolver(ConnectionStore store, PendingSigningKeys pending) : IV3KeyResolver
    {
        // One key object per public key: the token library caches verifiers per key, so they are made once.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, V3Keys> _keys = new(StringComparer.Ordinal);

        public async ValueTask<V3Keys?> ResolveAsync(string audience, CancellationToken ct)
        {
            var publicKey = pending.Find(audience) ?? await store.FindPublicKeyAsync(audience, ct);
            return publicKey is null ? null : _keys.GetOrAdd(publicKey, static key =>
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key), out _);
                return new V3Keys([new ECDsaSecurityKey(ecdsa)]);
            });
        }
    }
}
