using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// References and patches have no legacy calls. Adaptors that serve them (as our reference adaptor does) take the V3
/// body plus <c>collectionName</c> at <c>/data/references/{insert,remove,query}</c> and <c>/data/patch</c> and answer
/// V3 shapes, which pass through.
/// </summary>
internal static class LegacyReferenceOperations
{
    public static Task<JsonObject> CallAsync(LegacyAdaptorClient adaptor, string operation, JsonObject request, CancellationToken ct)
    {
        var path = operation switch
        {
            AdaptorOperations.InsertReferences => LegacyPaths.ReferencesInsert,
            AdaptorOperations.RemoveReferences => LegacyPaths.ReferencesRemove,
            AdaptorOperations.QueryReferenced => LegacyPaths.ReferencesQuery,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a reference operation."),
        };
        return LegacyExtensionCalls.CallAsync(adaptor, path, request, LegacyCallKind.Items, "references", ct);
    }

    /// <summary>Changes fields of items in place through <c>/data/patch</c> (the V3 <c>items/patch</c> body).</summary>
    public static Task<JsonObject> PatchAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct) =>
        LegacyExtensionCalls.CallAsync(adaptor, LegacyPaths.Patch, request, LegacyCallKind.Items, "patch", ct);
}
