using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Connections;

/// <summary>Raised when a name is already taken (compared by <see cref="ConnectionStore.NameKey"/>); answered 409 by the endpoints.</summary>
internal sealed class DuplicateConnectionNameException(string name)
    : Exception($"A connection named '{name}' already exists.");
