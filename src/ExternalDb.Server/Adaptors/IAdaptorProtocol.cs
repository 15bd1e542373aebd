using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// One client per protocol generation behind one interface: each takes a V3-shaped request (the body of
/// <c>POST /v3/{operation}</c>, as adaptor-protocol.md §4 describes it) and returns the V3-shaped answer, translating to
/// and from its own protocol. Failures are thrown as <see cref="AdaptorCallException"/>. Asked for a page
/// (<see cref="AdaptorCallOptions.MaxPageSize"/>), a paged operation answers at most the page and a truthful
/// <c>pagingMetadata.hasNext</c> (<see cref="AdaptorPaging"/>).
/// </summary>
internal interface IAdaptorProtocol
{
    /// <summary>Calls one V3 operation (see <see cref="AdaptorOperations"/>) on the connection's adaptor.</summary>
    Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions options, CancellationToken ct);
}
