using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// The gateway's own cursors: the request they continue, the next offset and the page size, signed with a key derived
/// from the registry's encryption key (<see cref="SecretProtector.DeriveKey"/>), so that servers sharing the key file
/// accept each other's cursors and nobody else can make or alter one. Cursor paging so works the same over every
/// protocol, whether or not the adaptor has cursors of its own.
/// </summary>
internal sealed class GatewayCursors(SecretProtector secrets)
{
    private const string KeyLabel = "ExternalDb gateway cursors v1";

    private readonly SignedCursorCodec _codec = new(secrets.DeriveKey(KeyLabel));

    public string Encode(string fullId, string kind, JsonObject request, int offset, int limit) => _codec.Encode(new JsonObject
    {
        ["v"] = 1,
        ["c"] = fullId,
        ["k"] = kind,
        ["o"] = offset,
        ["l"] = limit,
        ["r"] = request.DeepClone(),
    });

    /// <summary>The request, offset and page size of <paramref name="cursor"/>; a 400 naming <paramref name="field"/> when it is not a cursor of this query.</summary>
    public (JsonObject Request, int Offset, int Limit) Decode(string cursor, string fullId, string kind, string field)
    {
        if (_codec.Decode(cursor) is { } payload
            && JsonRead.Integer(payload["v"]) == 1
            && JsonRead.Text(payload["c"]) == fullId
            && JsonRead.Text(payload["k"]) == kind
            && payload["r"] is JsonObject request
            && JsonRead.Integer(payload["o"]) is >= 0 and <= int.MaxValue and var offset
            && JsonRead.Integer(payload["l"]) is > 0 and <= PagingLimits.MaxPageSize and var limit)
        {
            return (request.DeepClone().AsObject(), (int)offset, (int)limit);
        }
        throw GatewayException.Invalid(field, "is not a cursor of this query", "FORMAT");
    }
}
