using System.Security.Claims;
using System.Text.Json.Nodes;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Connections;
using ExternalDb.Demo;
using ExternalDb.Server.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Console;

/// <summary>
/// What the console's pages do, each through the very handler or service the API endpoint uses and under the same
/// permission policy, with the signed-in key reloaded first: a page can do exactly what its key can.
/// </summary>
internal sealed partial class ConsoleApi(
    AuthenticationStateProvider authentication,
    IAuthorizationService authorization,
    NavigationManager navigation,
    ConsoleActivity activity,
    ApiKeyStore keys,
    ConnectionStore store,
    ConnectionService connections,
    Gateway.DataItemsService items,
    Gateway.DataCollectionsService collections,
    DemoAdaptorState demo)
{
    /// <summary>The signed-in key as stored now; null (and a trip to the sign-in page) when the session ended.</summary>
    public async Task<ConsoleUser?> UserAsync(CancellationToken ct = default)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var key = state.User.Identity?.IsAuthenticated == true ? await ConsoleSetup.CurrentKeyAsync(state.User, keys, ct) : null;
        if (key is null)
        {
            navigation.NavigateTo("signin?expired=true", forceLoad: true);
            return null;
        }
        activity.Touch();
        return new ConsoleUser(ConsoleSetup.SessionPrincipal(key), key.Name);
    }

    /// <summary>Why the signed-in key may not do what <paramref name="permission"/> guards (the API's 403 message), or null.</summary>
    public async Task<string?> DeniedAsync(string permission, CancellationToken ct = default)
    {
        var user = await UserAsync(ct);
        return user is null ? ConsoleProblem.SessionEnded.Message : await DeniedAsync(user.Principal, permission);
    }

    /// <summary>The reasons for each of <paramref name="permissions"/> the key lacks (absent: allowed).</summary>
    public async Task<IReadOnlyDictionary<string, string>> DeniedAsync(IEnumerable<string> permissions, CancellationToken ct = default)
    {
        var user = await UserAsync(ct);
        var denied = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var permission in permissions.Distinct())
        {
            if (user is null)
            {
                denied[permission] = ConsoleProblem.SessionEnded.Message;
            }
            else if (await DeniedAsync(user.Principal, permission) is { } reason)
            {
                denied[permission] = reason;
            }
        }
        return denied;
    }

    // ---- connections ----

    public Task<ConsoleResult<ConnectionList>> ListConnectionsAsync(int offset, int limit, CancellationToken ct = default) =>
        CallAsync(Permissions.ListConnections, user => ConnectionEndpoints.List(user, store, ct,
            limit.ToString(System.Globalization.CultureInfo.InvariantCulture), offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Every connection (page by page, as a client of List would read them), for searching by name or endpoint.</summary>
    public async Task<ConsoleResult<IReadOnlyList<ExternalDatabaseConnection>>> ListAllConnectionsAsync(CancellationToken ct = default)
    {
        var all = new List<ExternalDatabaseConnection>();
        for (var offset = 0; ; offset += ExternalDb.Protocol.PagingLimits.MaxPageSize)
        {
            var page = await ListConnectionsAsync(offset, ExternalDb.Protocol.PagingLimits.MaxPageSize, ct);
            if (page.Problem is not null)
            {
                return page.Problem;
            }
            all.AddRange(page.Value!.ExternalDatabaseConnections);
            if (!page.Value.PagingMetadata.HasNext)
            {
                return new(all, null);
            }
        }
    }

    public Task<ConsoleResult<ConnectionEnvelope>> GetConnectionAsync(string name, CancellationToken ct = default) =>
        CallAsync(Permissions.GetConnection, user => ConnectionEndpoints.Get(name, user, store, ct));

    /// <summary>Create with the API's body: <c>{externalDatabaseConnection, connectionType}</c>.</summary>
    public Task<ConsoleResult<ConnectionEnvelope>> CreateConnectionAsync(JsonObject body, CancellationToken ct = default) =>
        CallAsync(Permissions.CreateConnection, user => ConnectionEndpoints.CreateAsync(body, user, connections, ct));

    /// <summary>Update with the API's body: <c>{externalDatabaseConnection}</c> (a full replacement).</summary>
    public Task<ConsoleResult<ConnectionEnvelope>> UpdateConnectionAsync(string name, JsonObject body, CancellationToken ct = default) =>
        CallAsync(Permissions.UpdateConnection, user => ConnectionEndpoints.UpdateAsync(name, body, user, store, connections, ct));

    public Task<ConsoleResult<ConnectionEnvelope>> ProbeConnectionAsync(string name, CancellationToken ct = default) =>
        CallAsync(Permissions.UpdateConnection, user => ConnectionEndpoints.Probe(name, user, store, connections, ct));

    public Task<ConsoleResult<Empty>> DeleteConnectionAsync(string name, CancellationToken ct = default) =>
        CallAsync(Permissions.DeleteConnection, _ => ConnectionEndpoints.Delete(name, connections, ct));

    /// <summary>The demo adaptor's endpoint and secret (ADMIN only, as <c>GET /v1/demo-adaptor</c>).</summary>
    public async Task<ConsoleResult<DemoAdaptorInfo>> DemoAdaptorAsync(CancellationToken ct = default)
    {
        var user = await UserAsync(ct);
        if (user is null)
        {
            return ConsoleProblem.SessionEnded;
        }
        if (await DeniedAsync(user.Principal, Permissions.Admin) is { } reason)
        {
            return ConsoleProblem.Denied(reason);
        }
        var endpoint = navigation.BaseUri.TrimEnd('/') + demo.PathPrefix;
        return new(demo.Enabled
            ? new DemoAdaptorInfo(true, demo.PathPrefix, endpoint, demo.Secret.Value, null)
            : new DemoAdaptorInfo(false, demo.PathPrefix, null, null, demo.DisabledReason), null);
    }

    // ---- API keys ----

    public Task<ConsoleResult<ApiKeyList>> ListKeysAsync(CancellationToken ct = default) =>
        CallAsync(Permissions.Admin, _ => ApiKeyEndpoints.List(keys, ct));

    /// <summary>Create with the API's body: <c>{name, permissions}</c>; the answer holds the key, shown once.</summary>
    public Task<ConsoleResult<CreatedApiKey>> CreateKeyAsync(JsonObject body, CancellationToken ct = default) =>
        CallAsync(Permissions.Admin, _ => ApiKeyEndpoints.CreateAsync(body, keys, ct));

    public Task<ConsoleResult<Empty>> DeleteKeyAsync(string id, CancellationToken ct = default) =>
        CallAsync(Permissions.Admin, _ => ApiKeyEndpoints.Delete(id, keys, ct));

    // ---- plumbing ----

    private async Task<string?> DeniedAsync(ClaimsPrincipal user, string permission) =>
        (await authorization.AuthorizeAsync(user, permission)).Succeeded ? null : ApiKeyAuthenticationHandler.Lacks(permission);

    /// <summary>Runs an API handler as the signed-in key, after the permission policy the endpoint has.</summary>
    internal async Task<ConsoleResult<T>> CallAsync<T>(string permission, Func<ClaimsPrincipal, Task<Results<Ok<T>, ProblemHttpResult>>> handler)
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
        return (await handler(user.Principal)).Result switch
        {
            Ok<T> ok => new ConsoleResult<T>(ok.Value, null),
            ProblemHttpResult problem => ConsoleProblem.From(problem),
            var other => throw new InvalidOperationException($"Unexpected result {other.GetType().Name}."),
        };
    }

    internal async Task<ConsoleResult<T>> CallAsync<T>(string permission, Func<ClaimsPrincipal, Task<Ok<T>>> handler) =>
        await CallAsync<T>(permission, async user => (Results<Ok<T>, ProblemHttpResult>)await handler(user));
}
