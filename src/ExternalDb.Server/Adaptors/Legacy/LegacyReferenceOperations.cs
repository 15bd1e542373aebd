using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// References and patches have no legacy calls. Adaptors that serve them (as our reference adaptor does) take the V3
/// body plus <c>collectionName</c> at <c>/data/references/{insert,remove,query}</c> and <c>/data/patch</c> and answer
/// V3 shapes, which pass through.
/// </summary>
public static class LegacyReferenceOperations
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
        return ForwardAsync(adaptor, path, request, "has no references", "reference calls", ct);
    }

    /// <summary>Changes fields of items in place through <c>/data/patch</c> (the V3 <c>items/patch</c> body).</summary>
    public static Task<JsonObject> PatchAsync(LegacyAdaptorClient adaptor, JsonObject request, CancellationToken ct) =>
        ForwardAsync(adaptor, LegacyPaths.Patch, request, "cannot patch items", "patch call", ct);

    private static async Task<JsonObject> ForwardAsync(LegacyAdaptorClient adaptor, string path, JsonObject request, string lacks, string calls, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var body = (JsonObject)request.DeepClone();
        body["collectionName"] = collectionId;

        var answer = await adaptor.SendAsync(path, body, ct);
        if (LegacyErrors.IsUnknownPath(answer, path))
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported,
                $"The adaptor {lacks}: it does not serve {path} (legacy adaptors have no standard {calls}).", answer.Status);
        }
        return LegacyAdaptorClient.Read(answer, path, LegacyCallKind.Items, collectionId);
    }
}
