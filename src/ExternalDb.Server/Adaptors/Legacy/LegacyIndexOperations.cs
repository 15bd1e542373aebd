using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// Indexes have no legacy calls. Adaptors that serve them (as our reference adaptor does, announcing <c>indexes</c> in
/// <c>allowedSchemaOperations</c>) take the V3 body plus <c>collectionName</c> at <c>/indexes/{list,create,remove}</c>
/// and answer V3 shapes, which pass through.
/// </summary>
internal static class LegacyIndexOperations
{
    public static async Task<JsonObject> CallAsync(LegacyAdaptorClient adaptor, string operation, JsonObject request, CancellationToken ct)
    {
        var path = operation switch
        {
            AdaptorOperations.ListIndexes => LegacyPaths.IndexesList,
            AdaptorOperations.CreateIndex => LegacyPaths.IndexesCreate,
            AdaptorOperations.RemoveIndex => LegacyPaths.IndexesRemove,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not an index operation."),
        };
        if (!adaptor.IsV2)
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported, "V1 adaptors have no indexes.");
        }
        return await LegacyExtensionCalls.CallAsync(adaptor, path, request, LegacyCallKind.Indexes, "indexes", ct);
    }
}
