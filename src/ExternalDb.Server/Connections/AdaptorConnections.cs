using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;

namespace ExternalDb.Server.Connections;

/// <summary>A connection as the protocol clients see it.</summary>
internal static class AdaptorConnections
{
    /// <summary>The adaptor of <paramref name="connection"/>, signing with <paramref name="signing"/>; null while it has no endpoint.</summary>
    public static AdaptorConnection? Of(ExternalDatabaseConnection connection, SigningKey? signing) =>
        Of(connection.Name, connection.Endpoint, connection.ProtocolVersion, connection.Configuration, signing);

    /// <summary>The adaptor at <paramref name="endpoint"/> of the connection <paramref name="name"/>; null without an endpoint.</summary>
    public static AdaptorConnection? Of(string name, string? endpoint, ProtocolVersion version, JsonObject? configuration, SigningKey? signing) =>
        endpoint is null ? null : new AdaptorConnection(name, endpoint, version, configuration, ConnectionNames.InstallationId(name), signing);
}
