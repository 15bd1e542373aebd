using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Connections;

namespace ExternalDb.Server.Probing;

/// <summary>What the prober needs to know of a connection: its name, its type, and its adaptor (null without an endpoint).</summary>
internal sealed record ProbeTarget(string Name, ConnectionType ConnectionType, AdaptorConnection? Adaptor);
