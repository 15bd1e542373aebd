using System.Text.Json.Nodes;
using ExternalDb.Server.Gateway;

namespace ExternalDb.Server.Console;

/// <summary>
/// The data gateway as the console uses it: each call is the gateway's own handler for the same Wix Data body, under
/// the permission the endpoint requires.
/// </summary>
internal sealed partial class ConsoleApi
{
    /// <summary>The permissions of the data gateway's calls the console makes (those of the endpoints).</summary>
    public static class DataPermissions
    {
        public const string ListCollections = "WIX_DATA.LIST_COLLECTIONS";
        public const string GetCollection = "WIX_DATA.GET_COLLECTION";
        public const string CreateCollection = "WIX_DATA.CREATE_COLLECTION";
        public const string UpdateCollection = "WIX_DATA.UPDATE_COLLECTION";
        public const string DeleteCollection = "WIX_DATA.DELETE_COLLECTION";
        public const string Query = "WIX_DATA.QUERY";
        public const string Insert = "WIX_DATA.INSERT";
        public const string Update = "WIX_DATA.UPDATE";
        public const string Remove = "WIX_DATA.REMOVE";
        public const string BulkInsert = "WIX_DATA.BULK_INSERT";
        public const string BulkSave = "WIX_DATA.BULK_SAVE";
        public const string BulkRemove = "WIX_DATA.BULK_REMOVE";
    }

    /// <summary>The collections of one connection (Wix DataCollection objects).</summary>
    public async Task<ConsoleResult<IReadOnlyList<JsonObject>>> ListCollectionsAsync(string connectionName, CancellationToken ct = default)
    {
        var result = await GatewayAsync(DataPermissions.ListCollections, () => collections.ListOfConnectionAsync(connectionName, ct));
        return result.Value is { } value
            ? new ConsoleResult<IReadOnlyList<JsonObject>>([.. (value["collections"] as JsonArray ?? []).OfType<JsonObject>()], null)
            : result.Problem!;
    }

    public Task<ConsoleResult<JsonObject>> GetCollectionAsync(string fullId, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.GetCollection, () => collections.GetAsync(fullId, ct));

    /// <summary>Create with the API's body <c>{collection: {id, fields}}</c>.</summary>
    public Task<ConsoleResult<JsonObject>> CreateCollectionAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.CreateCollection, () => collections.CreateAsync(body, ct));

    /// <summary>Update with the API's body <c>{collection: {id, revision, fields}}</c>.</summary>
    public Task<ConsoleResult<JsonObject>> UpdateCollectionAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.UpdateCollection, () => collections.UpdateAsync(body, ct));

    public Task<ConsoleResult<JsonObject>> DeleteCollectionAsync(string fullId, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.DeleteCollection, () => collections.DeleteAsync(fullId, ct));

    /// <summary>Query with the API's body <c>{dataCollectionId, query {filter, sort, paging}, returnTotalCount}</c>.</summary>
    public Task<ConsoleResult<JsonObject>> QueryItemsAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.Query, () => items.QueryAsync(body, ct));

    public Task<ConsoleResult<JsonObject>> InsertItemAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.Insert, () => items.InsertAsync(body, ct));

    /// <summary>Update (a full replacement of the item's data) with the API's body <c>{dataCollectionId, dataItem}</c>.</summary>
    public Task<ConsoleResult<JsonObject>> UpdateItemAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.Update, () => items.UpdateAsync(body, ct));

    public Task<ConsoleResult<JsonObject>> RemoveItemAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.Remove, () => items.RemoveAsync(body, ct));

    public Task<ConsoleResult<JsonObject>> BulkRemoveItemsAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.BulkRemove, () => items.BulkRemoveAsync(body, ct));

    public Task<ConsoleResult<JsonObject>> BulkInsertItemsAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.BulkInsert, () => items.BulkWriteAsync(body, BulkKind.Insert, ct));

    public Task<ConsoleResult<JsonObject>> BulkSaveItemsAsync(JsonObject body, CancellationToken ct = default) =>
        GatewayAsync(DataPermissions.BulkSave, () => items.BulkWriteAsync(body, BulkKind.Save, ct));

    private async Task<ConsoleResult<JsonObject>> GatewayAsync(string permission, Func<Task<JsonObject>> call)
    {
        var user = await UserAsync();
        if (user is null)
        {
            return ConsoleProblem.SessionEnded;
        }
        if (await DeniedAsync(user.Principal, permission) is { } reason)
        {
            return ConsoleProblem.Denied(reason);
        }
        try
        {
            return new(await call(), null);
        }
        catch (GatewayException e)
        {
            return ConsoleProblem.From(e);
        }
    }
}
