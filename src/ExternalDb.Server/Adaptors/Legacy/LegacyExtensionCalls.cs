using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// The ExternalDb extensions of the legacy protocol (references, indexes) take the V3 body plus <c>collectionName</c>
/// at their own paths and answer V3 shapes, which pass through. An adaptor that does not serve a path is told apart
/// from one that answers an error about the collection, item or field.
/// </summary>
internal static class LegacyExtensionCalls
{
    /// <summary>Sends the V3 <paramref name="request"/> to <paramref name="path"/>; <paramref name="what"/> names the missing feature ("references").</summary>
    public static async Task<JsonObject> CallAsync(LegacyAdaptorClient adaptor, string path, JsonObject request, LegacyCallKind kind, string what, CancellationToken ct)
    {
        var collectionId = LegacyJson.RequireString(request, "collectionId");
        var body = (JsonObject)request.DeepClone();
        body["collectionName"] = collectionId;

        var answer = await adaptor.SendAsync(path, body, ct);
        if (LegacyErrors.IsUnknownPath(answer, path))
        {
            throw new AdaptorCallException(AdaptorFailure.NotSupported,
                $"The adaptor has no {what}: it does not serve {path} (legacy adaptors have no standard {what} calls).", answer.Status);
        }
        return LegacyAdaptorClient.Read(answer, path, kind, collectionId);
    }
}
