using System.Text.Json.Nodes;

namespace ExternalDb.Server.Adaptors;

/// <summary>The <c>requestContext</c> every legacy (V1/V2) call carries: the configuration as <c>settings</c>, and who calls.</summary>
internal static class LegacyRequestContext
{
    /// <summary>The role the server calls as: the site's owner.</summary>
    public const string Role = "OWNER";

    public static JsonObject Build(AdaptorConnection connection, string instanceId) => new()
    {
        ["settings"] = connection.Configuration?.DeepClone() ?? new JsonObject(),
        ["instanceId"] = instanceId,
        ["installationId"] = connection.InstallationId,
        ["role"] = Role,
    };
}
