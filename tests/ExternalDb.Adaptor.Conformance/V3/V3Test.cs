using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Adaptor.Conformance.Targets;

namespace ExternalDb.Adaptor.Conformance.V3;

/// <summary>Base of the V3 test classes: the target list and access to a V3 client.</summary>
public abstract class V3Test
{
    private static readonly ConcurrentDictionary<string, Task<JsonObject>> Capabilities = new(StringComparer.Ordinal);

    /// <summary>Every V3 target (theory data).</summary>
    public static TheoryData<string> Targets => TargetRegistry.V3Targets;

    /// <summary>A client for <paramref name="target"/>; skips when the adaptor under test does not speak V3.</summary>
    protected static async Task<AdaptorClient> ClientAsync(string target)
    {
        Skip.IfNot(target.EndsWith("/v3", StringComparison.Ordinal),
            $"The adaptor under test speaks {target[(target.IndexOf('/', StringComparison.Ordinal) + 1)..]} (CONFORMANCE_PROTOCOL); V3 tests do not apply.");
        return new AdaptorClient(await TargetRegistry.GetAsync(target));
    }

    /// <summary>The adaptor's <c>/v3/capabilities/get</c> answer, asked once per target.</summary>
    protected static Task<JsonObject> CapabilitiesAsync(AdaptorClient client) =>
        Capabilities.GetOrAdd(client.Target.Name, async _ =>
            (await client.V3Async("/v3/capabilities/get", new JsonObject())).EnsureSuccess().Object);

    /// <summary>Skips unless the adaptor lets the kit create its own collections.</summary>
    protected static async Task RequireCollectionModificationsAsync(AdaptorClient client)
    {
        var capabilities = await CapabilitiesAsync(client);
        Skip.IfNot(capabilities["supportsCollectionModifications"]?.GetValue<bool>() == true,
            "The adaptor does not advertise supportsCollectionModifications; the kit cannot create its test collections.");
    }

    /// <summary>The first of <paramref name="types"/> the adaptor lists in <c>supportedFieldTypes</c>, or null.</summary>
    protected static async Task<string?> FirstSupportedTypeAsync(AdaptorClient client, params string[] types)
    {
        var supported = (await CapabilitiesAsync(client))["supportedFieldTypes"] as JsonArray ?? [];
        return types.FirstOrDefault(t => supported.Any(s => s?.GetValue<string>() == t));
    }

    /// <summary>A collection id unique to this run: <c>cf_{purpose}_{random}</c>.</summary>
    protected static string UniqueId(string purpose) => $"cf_{purpose}_{Guid.NewGuid().ToString("N")[..8]}";
}
