using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace ExternalDb.Gateway.Tests;

/// <summary>The <see cref="LegacyProtocol"/> as the server builds it: a real pooled <see cref="AdaptorHttpClient"/>.</summary>
internal static class LegacyHarness
{
    public const string InstanceId = "instance-1";

    private static readonly Lazy<ServiceProvider> Services = new(() =>
    {
        var services = new ServiceCollection();
        services.AddOptions<GatewayOptions>();
        services.AddOptions<AdaptorClientOptions>().Configure(o => o.InstanceId = InstanceId);
        AdaptorHttpClient.Register(services);
        services.AddTransient<LegacyProtocol>();
        return services.BuildServiceProvider();
    });

    public static Task<JsonObject> CallAsync(FakeLegacyAdaptor fake, string operation, string request) =>
        CallAsync(fake, operation, JsonAssert.Parse(request));

    public static Task<JsonObject> CallAsync(FakeLegacyAdaptor fake, string operation, JsonObject request) =>
        Services.Value.GetRequiredService<LegacyProtocol>().CallAsync(fake.Connection(), operation, request, CallOptions, CancellationToken.None);

    public static Task<JsonObject> CallWithAsync(AdaptorConnection connection, string operation, string request) =>
        Services.Value.GetRequiredService<LegacyProtocol>().CallAsync(connection, operation, JsonAssert.Parse(request), CallOptions, CancellationToken.None);

    /// <summary>A legacy client of its own (what it learns of adaptors is its own).</summary>
    public static LegacyProtocol NewProtocol() => ActivatorUtilities.CreateInstance<LegacyProtocol>(Services.Value);

    /// <summary>Calls a paged operation for one page, as the gateway does (the collection serves pages of up to 50).</summary>
    public static Task<JsonObject> CallPageAsync(LegacyProtocol protocol, FakeLegacyAdaptor fake, string operation, string request) =>
        protocol.CallAsync(fake.Connection(), operation, JsonAssert.Parse(request), CallOptions with { MaxPageSize = 50 }, CancellationToken.None);

    /// <summary>The bounds the gateway calls with by default.</summary>
    private static readonly AdaptorCallOptions CallOptions = new()
    {
        Timeout = new GatewayOptions().AdaptorTimeout,
        MaxAnswerBytes = new GatewayOptions().MaxResponseBytes,
    };

    public static Task<AdaptorCallException> FailsAsync(FakeLegacyAdaptor fake, string operation, string request) =>
        Assert.ThrowsAsync<AdaptorCallException>(() => CallAsync(fake, operation, request));

    public static JsonObject Car(string id, string make, int year) => new()
    {
        ["_id"] = id,
        ["make"] = make,
        ["year"] = year,
        ["_createdDate"] = new JsonObject { ["$date"] = $"20{year % 100:00}-01-02T03:04:05.000Z" },
    };

    /// <summary>A fake with collection <c>cars</c> (make text, year number): c1 BMW 2020, c2 Audi 2018, c3 BMW 2010.</summary>
    public static async Task<FakeLegacyAdaptor> CarsAsync(ProtocolVersion version)
    {
        var fake = await FakeLegacyAdaptor.StartAsync(version);
        fake.AddCollection("cars", ("make", "text"), ("year", "number")).With(Car("c1", "BMW", 2020), Car("c2", "Audi", 2018), Car("c3", "BMW", 2010));
        return fake;
    }
}
