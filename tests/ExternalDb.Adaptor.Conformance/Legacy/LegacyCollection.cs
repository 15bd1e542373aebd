using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Conformance.Client;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Conformance.Legacy;

/// <summary>
/// A collection the kit created through <c>/schemas/create</c> and <c>/schemas/column/add</c>, with its schema.
/// V1 and V2 define no way to drop a collection: on the self-hosted adaptor the kit drops it through V3;
/// on an external adaptor it stays (its name starts with <c>cf_</c>).
/// </summary>
public sealed class LegacyCollection : IAsyncDisposable
{
    private LegacyCollection(AdaptorClient client, string name, JsonObject schema)
    {
        Client = client;
        Name = name;
        Schema = schema;
    }

    public AdaptorClient Client { get; }
    public string Name { get; }

    /// <summary>The schema as <c>/schemas/find</c> returned it after creation.</summary>
    public JsonObject Schema { get; }

    public static async Task<LegacyCollection> CreateAsync(AdaptorClient client, string name, params (string Name, string Type)[] columns)
    {
        Skip.If(client.Target.Protocol == ProtocolVersion.V1 && !client.Target.SelfHosted,
            "V1 defines no schema management (/schemas/create); the kit cannot create its test collections on a V1 adaptor.");
        (await client.LegacyAsync("/schemas/create", new JsonObject { ["collectionName"] = name })).EnsureSuccess();
        foreach (var (column, type) in columns)
        {
            (await client.LegacyAsync("/schemas/column/add", new JsonObject
            {
                ["collectionName"] = name,
                ["column"] = new JsonObject { ["name"] = column, ["type"] = type },
            })).EnsureSuccess();
        }
        var found = (await client.LegacyAsync("/schemas/find", new JsonObject { ["schemaIds"] = new JsonArray(name) })).EnsureSuccess();
        var schema = found.Body.Arr("schemas").OfType<JsonObject>().FirstOrDefault(s => s.Str("id") == name)
            ?? throw new Xunit.Sdk.XunitException($"Collection {name} was created but /schemas/find does not return it: {found.Text}");
        return new LegacyCollection(client, name, schema);
    }

    /// <summary>Skips unless the schema field lists <paramref name="op"/> (no <c>$</c>) in <c>queryOperators</c>.</summary>
    public void RequireOperator(string field, string op) =>
        Skip.IfNot((Schema["fields"]?[field]?["queryOperators"] as JsonArray)?.Any(o => o?.GetValue<string>() == op) == true,
            $"Schema field '{field}' does not advertise '{op}' in queryOperators.");

    /// <summary>Skips unless the schema lists <paramref name="operation"/> in <c>allowedSchemaOperations</c> (where the ExternalDb extensions are announced).</summary>
    public void RequireSchemaOperation(string operation) =>
        Skip.IfNot((Schema["allowedSchemaOperations"] as JsonArray)?.Any(o => o?.GetValue<string>() == operation) == true,
            $"The schema does not list '{operation}' in allowedSchemaOperations.");

    public async Task<JsonObject> InsertAsync(JsonNode item)
    {
        var response = (await Client.LegacyAsync("/data/insert", new JsonObject { ["collectionName"] = Name, ["item"] = item.DeepClone() })).EnsureSuccess();
        return response.Body?["item"] as JsonObject ?? throw new Xunit.Sdk.XunitException($"/data/insert returned no item: {response.Text}");
    }

    public Task<AdaptorResponse> FindRawAsync(JsonNode? filter, JsonNode? sort = null, int skip = 0, int limit = 100, JsonNode? projection = null)
    {
        var body = new JsonObject
        {
            ["collectionName"] = Name,
            ["filter"] = filter?.DeepClone(),
            ["sort"] = sort?.DeepClone() ?? new JsonArray(),
            ["skip"] = skip,
            ["limit"] = limit,
        };
        if (projection is not null)
        {
            body["projection"] = projection.DeepClone();
        }
        return Client.LegacyAsync("/data/find", body);
    }

    public async Task<JsonArray> FindAsync(JsonNode? filter, JsonNode? sort = null) =>
        (await FindRawAsync(filter, sort)).EnsureSuccess().Body.Arr("items");

    public async Task<string[]> IdsAsync(JsonNode? filter) => (await FindAsync(filter)).Ids();

    public async Task<JsonObject?> GetAsync(string id)
    {
        var response = await Client.LegacyAsync("/data/get", new JsonObject { ["collectionName"] = Name, ["itemId"] = id });
        return response.StatusCode == 404 ? null : response.EnsureSuccess().Body?["item"] as JsonObject;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.Target.SelfHosted && Client.Target.V3 is not null)
        {
            try
            {
                await Client.V3Async("/v3/collections/delete", new JsonObject { ["collectionId"] = Name });
            }
            catch (HttpRequestException)
            {
                // Best effort.
            }
        }
    }
}
