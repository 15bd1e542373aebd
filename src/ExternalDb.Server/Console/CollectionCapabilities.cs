using ExternalDb.Server.Json;
using System.Text.Json.Nodes;

namespace ExternalDb.Server.Console;

/// <summary>Why an action on a collection is unavailable: the key's permission first, then the collection's own capabilities.</summary>
internal static class CollectionCapabilities
{
    public static string? Reason(JsonObject? collection, IReadOnlyDictionary<string, string> denied, string permission, string operation, bool collectionOperation = false)
    {
        if (denied.TryGetValue(permission, out var reason))
        {
            return reason;
        }
        var list = collectionOperation ? "collectionOperations" : "dataOperations";
        var operations = collection?["capabilities"]?[list] as JsonArray;
        return operations is null || operations.Any(o => JsonRead.Text(o) == operation)
            ? null
            : collectionOperation
                ? $"The connection's adaptor does not allow {(operation == "REMOVE" ? "deleting" : "changing")} this collection."
                : $"The collection's adaptor does not allow {operation}.";
    }
}
