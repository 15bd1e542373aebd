using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors.Legacy;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The legacy client, for V1 and V2 adaptors: translates each V3 operation into the legacy JSON calls
/// (<c>/data/*</c>, <c>/schemas/*</c>, with the configuration as <c>requestContext.settings</c>) and their answers
/// back into V3 shapes. The generations differ in filter syntax (V1 tree, V2 Mongo-style: one translator each), in
/// bulk calls (V1 writes item by item) and in what they can do at all (V1: no aggregation, no schema changes). A page's
/// <c>hasNext</c> comes from the total where one is known (the adaptor's <c>totalCount</c>, or every row where the client
/// pages itself), else from one more row (see <see cref="AdaptorPaging"/>).
/// </summary>
internal sealed class LegacyProtocol(AdaptorHttpClient http, IOptions<AdaptorClientOptions> options) : IAdaptorProtocol
{
    private readonly AdaptorPaging _paging = new();

    public Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions callOptions, CancellationToken ct) =>
        _paging.CallAsync(connection, operation, request, callOptions, r => TranslateAsync(connection, operation, r, callOptions, ct));

    private async Task<JsonObject> TranslateAsync(AdaptorConnection connection, string operation, JsonObject request, AdaptorCallOptions callOptions, CancellationToken ct)
    {
        if (connection.ProtocolVersion is not (ProtocolVersion.V1 or ProtocolVersion.V2))
        {
            throw new InvalidOperationException($"Connection {connection.Name} speaks {connection.ProtocolVersion}, not a legacy protocol.");
        }
        var adaptor = Client(connection, callOptions);
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
            AdaptorOperations.Patch => LegacyReferenceOperations.PatchAsync(adaptor, request, ct),
            AdaptorOperations.ListIndexes or AdaptorOperations.CreateIndex or AdaptorOperations.RemoveIndex
                => LegacyIndexOperations.CallAsync(adaptor, operation, request, ct),
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

    /// <summary>
    /// <c>POST /provision</c>, as a check of the adaptor makes it: a 2xx answer whose JSON object says the protocol
    /// version (absent: V1). An empty or non-object answer reads as <c>{}</c>.
    /// </summary>
    public async Task<JsonObject> ProvisionAsync(AdaptorConnection connection, AdaptorCallOptions callOptions, CancellationToken ct)
    {
        const string path = LegacyPaths.Provision;
        var answer = await Client(connection, callOptions).SendAsync(path, [], ct);
        if (answer.Status is < 200 or >= 300)
        {
            throw LegacyErrors.FromAnswer(answer, path, LegacyCallKind.Collections, null);
        }
        return AdaptorAnswers.Parse(answer, path, allowEmpty: true) as JsonObject ?? [];
    }

    /// <summary><c>POST /schemas/list</c>: the adaptor's schemas as it answers them (legacy shapes).</summary>
    public async Task<List<JsonObject>> ListSchemasAsync(AdaptorConnection connection, AdaptorCallOptions callOptions, CancellationToken ct)
    {
        const string path = LegacyPaths.SchemasList;
        var answer = await Client(connection, callOptions).PostAsync(path, [], LegacyCallKind.Collections, null, ct);
        return LegacyJson.RequireObjects(answer, "schemas", path);
    }

    private LegacyAdaptorClient Client(AdaptorConnection connection, AdaptorCallOptions callOptions) =>
        new(http, connection, options.Value.EffectiveInstanceId, callOptions);
}
