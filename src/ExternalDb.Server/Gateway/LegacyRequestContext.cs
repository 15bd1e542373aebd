using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Gateway;

/// <summary>The <c>requestContext</c> every legacy (V1/V2) call carries: the configuration as <c>settings</c>, and who calls.</summary>
public static class LegacyRequestContext
{
    public static JsonObject Build(string connectionName, JsonObject? configuration, string? instanceId) => new()
    {
        ["settings"] = configuration?.DeepClone() ?? new JsonObject(),
        ["instanceId"] = instanceId ?? new Probing.AdaptorClientOptions().EffectiveInstanceId,
        ["installationId"] = InstallationId(connectionName),
        ["role"] = "OWNER",
    };

    /// <summary>A stable id per connection name, sent as <c>installationId</c>.</summary>
    public static string InstallationId(string connectionName) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(ConnectionStore.NameKey(connectionName)))[..16]).ToString();
}
