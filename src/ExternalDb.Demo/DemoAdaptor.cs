using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ExternalDb.Demo;

/// <summary>What <c>GET /v1/demo-adaptor</c> answers (ADMIN only).</summary>
public sealed record DemoAdaptorInfo(bool Enabled, string Path, string? Endpoint, string? SecretKey, string? Reason);

/// <summary>
/// Lets a first connection work on a fresh machine: the reference adaptor is mapped under
/// <see cref="DemoAdaptorOptions.PathPrefix"/> over <c>{DataDirectory}/demo-adaptor.db</c>, seeded with a
/// <c>products</c> collection. STANDALONE connections use the demo secret (random per data directory unless
/// configured); V3 connections made by this server are trusted by their own public key (the audience is the
/// connection's application id). It is off by default when the server listens beyond loopback.
/// </summary>
public static class DemoAdaptor
{
    /// <summary>Registers the demo adaptor (the <c>DemoAdaptor</c> section); the host must also register an <see cref="IDemoConnectionKeys"/>.</summary>
    public static void AddDemoAdaptor(this IServiceCollection services, IConfiguration configuration, IDemoAdaptorHost host)
    {
        var section = configuration.GetSection("DemoAdaptor");
        services.AddOptions<DemoAdaptorOptions>().Bind(section);
        var options = section.Get<DemoAdaptorOptions>() ?? new DemoAdaptorOptions();
        var dataDirectory = host.DataDirectory;
        var state = new DemoAdaptorState(options, host);
        services.AddSingleton(state);
        if (!state.Enabled)
        {
            return;
        }
        host.CreatePrivateDirectory(dataDirectory);
        services.AddSingleton<IV3KeyResolver, ConnectionKeyResolver>();
        services.AddExternalDbAdaptor(adaptor =>
        {
            adaptor.Engine = "sqlite";
            adaptor.ConnectionString = $"Data Source={Path.Combine(dataDirectory, "demo-adaptor.db")}";
            adaptor.SecretKey = state.Secret.Value;
        });
    }

    /// <summary>Maps <c>GET /v1/demo-adaptor</c> (behind <paramref name="adminPolicy"/>) and, when on, the adaptor itself.</summary>
    public static void MapDemoAdaptor(this WebApplication app, string adminPolicy)
    {
        var state = app.Services.GetRequiredService<DemoAdaptorState>();
        app.MapGet("/v1/demo-adaptor", Describe).RequireAuthorization(adminPolicy).WithTags("Demo adaptor")
            .WithSummary("Whether the demo adaptor is served, where, and its secret key for STANDALONE connections (ADMIN only).");
        if (!state.Enabled)
        {
            return;
        }
        app.MapExternalDbAdaptor(state.PathPrefix).WithMetadata(state).ExcludeFromDescription();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            state.CheckBoundAddresses(bound);
            if (!state.Enabled)
            {
                app.Logger.LogWarning("The demo adaptor is off: {Reason}", state.DisabledReason);
            }
        });
        // Once off, the demo adaptor's routes answer as if they did not exist.
        app.Use(async (context, next) =>
        {
            if (!state.Enabled && context.GetEndpoint()?.Metadata.GetMetadata<DemoAdaptorState>() is not null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
    }

    public static Ok<DemoAdaptorInfo> Describe(HttpRequest request, DemoAdaptorState state) => TypedResults.Ok(state.Enabled
        ? new DemoAdaptorInfo(true, state.PathPrefix, $"{request.Scheme}://{request.Host}{request.PathBase}{state.PathPrefix}", state.Secret.Value, null)
        : new DemoAdaptorInfo(false, state.PathPrefix, null, null, state.DisabledReason));

    /// <summary>Creates the demo collection on first start, through the adaptor's own legacy protocol.</summary>
    public static async Task SeedAsync(WebApplication app, CancellationToken ct = default)
    {
        var state = app.Services.GetRequiredService<DemoAdaptorState>();
        if (!state.Enabled)
        {
            return;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return;
        }
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        uri.Path = state.PathPrefix + "/";
        using var http = new HttpClient { BaseAddress = uri.Uri, Timeout = TimeSpan.FromSeconds(30) };
        var context = new JsonObject { ["settings"] = new JsonObject { ["secretKey"] = state.Secret.Value }, ["role"] = "OWNER" };
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
        ["releasedAt"] = new JsonObject { [ExternalDb.Protocol.QueryOperators.DateKey] = released },
    };

    /// <summary>Trusts each V3 connection of this server by its own public key, with its application id as audience.</summary>
    private sealed class ConnectionKeyResolver(IDemoConnectionKeys connections) : IV3KeyResolver
    {
        // One key object per public key: the token library caches verifiers per key, so they are made once.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, V3Keys> _keys = new(StringComparer.Ordinal);

        public async ValueTask<V3Keys?> ResolveAsync(string audience, CancellationToken ct)
        {
            var publicKey = await connections.FindPublicKeyAsync(audience, ct);
            return publicKey is null ? null : _keys.GetOrAdd(publicKey, static key =>
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key), out _);
                return new V3Keys([new ECDsaSecurityKey(ecdsa)]);
            });
        }
    }
}
