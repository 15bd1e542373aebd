using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>
/// One legacy adaptor as seen by one gateway call: posts JSON bodies carrying the <c>requestContext</c>, reads answers
/// into JSON or a typed failure, and holds the filter translator of the connection's protocol generation.
/// </summary>
internal sealed class LegacyAdaptorClient(AdaptorHttpClient http, AdaptorConnection connection, string instanceId, AdaptorCallOptions options)
{
    /// <summary>The size of the pages read when the gateway has to go through many items itself.</summary>
    public const int ScanPageSize = 1000;

    /// <summary>The largest id list sent in one <c>_id $hasSome</c> filter: the maxPageSize legacy adaptors advertise.</summary>
    public const int IdBatchSize = 50;

    public ProtocolVersion Version => connection.ProtocolVersion;

    public bool IsV2 => connection.ProtocolVersion == ProtocolVersion.V2;

    public ILegacyFilterTranslator Filters => IsV2 ? V2FilterTranslator.Instance : V1FilterTranslator.Instance;

    /// <summary>Posts <paramref name="body"/> (plus <c>requestContext</c>) to <paramref name="path"/>; returns the raw answer.</summary>
    public Task<AdaptorAnswer> SendAsync(string path, JsonObject body, CancellationToken ct)
    {
        body["requestContext"] = LegacyRequestContext.Build(connection, instanceId);
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return http.PostAsync(connection.Name, AdaptorHttpClient.Combine(connection.Endpoint, path), content, options, ct);
    }

    /// <summary>Posts and reads a 2xx JSON object (an empty body reads as <c>{}</c>); any other answer throws.</summary>
    public async Task<JsonObject> PostAsync(string path, JsonObject body, LegacyCallKind kind, string? collectionId, CancellationToken ct) =>
        Read(await SendAsync(path, body, ct), path, kind, collectionId);

    public static JsonObject Read(AdaptorAnswer answer, string path, LegacyCallKind kind, string? collectionId)
    {
        if (answer.Status is < 200 or >= 300)
        {
            throw LegacyErrors.FromAnswer(answer, path, kind, collectionId);
        }
        return AdaptorAnswers.Parse(answer, path, allowEmpty: true) switch
        {
            null => [],
            JsonObject o => o,
            _ => throw LegacyJson.BadAnswer(path, "is not a JSON object"),
        };
    }

    /// <summary><c>POST /data/find</c>: one page of items, and the total when asked for (and given).</summary>
    public async Task<(List<JsonObject> Items, long? Total)> FindAsync(
        string collectionId, JsonObject filter, JsonArray? sort, int skip, int limit, IReadOnlyList<string>? projection, bool withTotal, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["collectionName"] = collectionId,
            ["filter"] = filter,
            ["sort"] = sort ?? [],
            ["skip"] = skip,
            ["limit"] = limit,
        };
        if (IsV2)
        {
            if (projection is { Count: > 0 })
            {
                body["projection"] = LegacyJson.Strings(projection);
            }
            body["omitTotalCount"] = !withTotal;
        }
        const string path = LegacyPaths.Find;
        var answer = await PostAsync(path, body, LegacyCallKind.Items, collectionId, ct);
        var items = LegacyJson.RequireObjects(answer, "items", path);
        return (items, JsonRead.Integer(answer["totalCount"]));
    }

    /// <summary>The stored items among <paramref name="ids"/>, by id (a few <c>_id $hasSome</c> finds).</summary>
    public async Task<Dictionary<string, JsonObject>> FindByIdsAsync(string collectionId, IEnumerable<string> ids, bool idsOnly, CancellationToken ct)
    {
        var found = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var batch in ids.Distinct(StringComparer.Ordinal).Chunk(IdBatchSize))
        {
            var (items, _) = await FindAsync(collectionId, Filters.IdIn(batch), null, 0, batch.Length, idsOnly ? ["_id"] : null, withTotal: false, ct);
            foreach (var item in items)
            {
                if (LegacyJson.Id(item) is { } id && batch.Contains(id, StringComparer.Ordinal))
                {
                    found[id] = item;
                }
            }
        }
        return found;
    }
}
