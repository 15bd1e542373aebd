using ExternalDb.Server.Connections;

namespace ExternalDb.Server.Storage;

/// <summary>A connection with what the API never shows: its signing key.</summary>
internal sealed record StoredConnection(ExternalDatabaseConnection Connection, PrivateKeyMaterial? PrivateKey);
