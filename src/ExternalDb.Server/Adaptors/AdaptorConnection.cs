using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors;

/// <summary>What a protocol client needs to know of the connection it calls.</summary>
/// <param name="Name">The connection's name (for messages).</param>
/// <param name="Endpoint">The adaptor's base URL.</param>
/// <param name="ProtocolVersion">The protocol the adaptor speaks (<see cref="ProtocolVersion.Unknown"/> while it is first checked).</param>
/// <param name="Configuration">The connection's configuration: the legacy <c>requestContext.settings</c>.</param>
/// <param name="InstallationId">The legacy <c>requestContext.installationId</c>: stable per connection.</param>
/// <param name="Signing">The V3 signing key and application id; null for legacy connections.</param>
internal sealed record AdaptorConnection(
    string Name,
    string Endpoint,
    ProtocolVersion ProtocolVersion,
    JsonObject? Configuration,
    string InstallationId,
    SigningKey? Signing);
