using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Gateway.Legacy;
using ExternalDb.Server.Probing;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Gateway;

/// <summary>
/// The legacy client, for V1 and V2 adaptors: translates each V3 operation into the legacy JSON calls
/// (<c>/data/*</c>, <c>/schemas/*</c>, with the configuration as <c>requestContext.settings</c>) and their answers
/// back into V3 shapes. The generations differ in filter syntax (V1 tree, V2 Mongo-style: one translator each), in
/// bulk calls (V1 writes item by item) and in what they can do at all (V1: no aggregation, no schema changes).
/// </summary>
public sealed class LegacyProtocol(AdaptorHttpClient http, IOptions<AdaptorClientOptions> options) : IAdaptorProtocol
{
    public async Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, CancellationToken ct)
    {
        if (connection.ProtocolVersion is not (ProtocolVersion.V1 or ProtocolVersion.V2))
        {
            throw new InvalidOperationException($"Connection {connection.Name} speaks {connection.ProtocolVersion}, not a legacy protocol.");
        }
        var adaptor = new LegacyAdaptorClient(http, connection, options.Value.InstanceId);
        var answer = await (operation switch
        {
            AdaptorOperations.Query => LegacyItemOperations.QueryAsync(adaptor, request, ct),
            AdaptorOperations.Count => LegacyItemOperations.CountAsync(adaptor, request, ct),
            AdaptorOperations.Aggregate => LegacyAggregation.AggregateAsync(adaptor, request, ct),
            AdaptorOperations.QueryDistinctValues => LegacyItemOperations.QueryDistinctValuesAsync(adaptor, request, ct),
            AdaptorOperations.Insert => LegacyItemOperations.InsertAsync(adaptor, request, ct),
            AdaptorOperations.Update => LegacyItemOperations.UpdateAsync(adaptor, request, ct),
            AdaptorOperations.Remove => LegacyItemOperations.RemoveAsync(adaptor, request, ct),
            AdaptorOperations.Truncate => LegacyItemOperations.TruncateAsync(adaptor, request, ct),
            AdaptorOperations.QueryReferenced or AdaptorOperations.InsertReferences or AdaptorOperations.RemoveReferences
                => LegacyReferenceOperations.CallAsync(adaptor, operation, request, ct),
            AdaptorOperations.ListCollections => LegacyCollectionOperations.GetAsync(adaptor, request, ct),
            AdaptorOperations.CreateCollection => LegacyCollectionOperations.CreateAsync(adaptor, request, ct),
            AdaptorOperations.UpdateCollection => LegacyCollectionOperations.UpdateAsync(adaptor, request, ct),
            AdaptorOperations.DeleteCollection => LegacyCollectionOperations.DeleteAsync(adaptor, request, ct),
            AdaptorOperations.GetCapabilities => LegacyCollectionOperations.GetCapabilitiesAsync(adaptor, ct),
            _ => throw new AdaptorCallException(AdaptorFailure.NotSupported, $"Legacy adaptors have no equivalent of {operation}."),
        });
        // Answers are built partly in code (counts as int, totals as long): read back as parsed JSON they behave like
        // the V3 client's, whatever numeric type the caller reads them with.
        return JsonNode.Parse(answer.ToJsonString())!.AsObject();
    }
}
