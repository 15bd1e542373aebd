using System.Security.Claims;
using System.Text.Json.Nodes;
using ExternalDb.Server.Auth;

namespace ExternalDb.Server.Connections;

/// <summary>
/// Configuration values are secrets: only keys holding <see cref="Permissions.ReadConnectionSecrets"/> (or ADMIN) see
/// them. Everyone else gets the same structure (keys, nesting, arrays) with every value replaced by <see cref="Marker"/>.
/// </summary>
internal static class ConfigurationMask
{
    /// <summary>What every configuration value is replaced by. A request may not send it as a value.</summary>
    public const string Marker = "********";

    public static bool MayReadSecrets(ClaimsPrincipal user) =>
        Permissions.Grants(user.FindAll(ApiKeyAuthenticationHandler.PermissionClaim).Select(c => c.Value), Permissions.ReadConnectionSecrets);

    /// <summary>The connection as <paramref name="user"/> may see it.</summary>
    public static ExternalDatabaseConnection ShownTo(this ExternalDatabaseConnection connection, ClaimsPrincipal user) =>
        connection.Configuration is null || MayReadSecrets(user) ? connection : connection with { Configuration = Mask(connection.Configuration) };

    /// <summary>The structure of <paramref name="configuration"/> with each leaf value (nulls included) replaced by the marker.</summary>
    public static JsonObject Mask(JsonObject configuration) => (JsonObject)MaskNode(configuration)!;

    /// <summary>The path (<c>a.b[2]</c>) of the first value that is the marker itself, or null.</summary>
    public static string? FindMarker(JsonNode? node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (FindMarker(value, path.Length == 0 ? key : path + "." + key) is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (FindMarker(a[i], $"{path}[{i}]") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonValue v when v.TryGetValue<string>(out var s) && s == Marker:
                return path;
            default:
                return null;
        }
    }

    private static JsonNode? MaskNode(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, MaskNode(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(MaskNode)]),
        _ => JsonValue.Create(Marker),
    };
}
