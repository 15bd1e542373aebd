using ExternalDb.Server.Adaptors;

namespace ExternalDb.Server.Connections;

/// <summary>
/// A stored connection ready for data calls: its configuration decrypted, its adaptor (with the V3 signing key
/// imported; null without an endpoint) and the configuration values the gateway keeps out of what it passes on.
/// </summary>
internal sealed record ResolvedConnection(ExternalDatabaseConnection Connection, AdaptorConnection? Adaptor, IReadOnlyList<string> Secrets);
