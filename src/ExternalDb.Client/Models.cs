using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ExternalDb.Client;

/// <summary>How the server talks to a connection's adaptor.</summary>
public enum ConnectionType
{
    /// <summary>A legacy External Database Collections adaptor (protocol V1 or V2); the secret goes in the configuration.</summary>
    Standalone,
    /// <summary>An External Database service plugin (protocol V3); requests are signed JWTs.</summary>
    WixServicePlugin,
}

/// <summary>Why the last check of a connection's adaptor failed, if it did.</summary>
public enum CauseOfFailure
{
    /// <summary>No failure.</summary>
    None,
    /// <summary>The adaptor answered, but not as the protocol says.</summary>
    CommunicationFailure,
    /// <summary>The adaptor's host could not be reached (DNS, refused connection, TLS, timeout).</summary>
    DestinationHostUnreachable,
    /// <summary>The adaptor refused the credentials (HTTP 401 or 403).</summary>
    Unauthorized,
    /// <summary>The connection has no endpoint yet.</summary>
    DestinationEndpointNotDefined,
}

/// <summary>Whether the external database has collections.</summary>
public enum CollectionsFound
{
    /// <summary>Not known: the last check failed.</summary>
    Unknown,
    /// <summary>At least one collection.</summary>
    Yes,
    /// <summary>No collections.</summary>
    No,
}

/// <summary>The adaptor protocol generation a connection speaks.</summary>
public enum ProtocolVersion
{
    /// <summary>Not known: no successful check yet.</summary>
    Unknown,
    /// <summary>Legacy protocol with tree filters.</summary>
    V1,
    /// <summary>Legacy protocol with Mongo-style filters.</summary>
    V2,
    /// <summary>The service plugin protocol with signed JWT requests.</summary>
    V3,
}

/// <summary>The result of the last check of a connection's adaptor.</summary>
public sealed record ConnectionStatus
{
    /// <summary>Whether the adaptor answered as expected.</summary>
    public bool Successful { get; init; }

    /// <summary>Why the check failed, or <see cref="CauseOfFailure.None"/>.</summary>
    public CauseOfFailure CauseOfFailure { get; init; }

    /// <summary>Whether the external database has collections.</summary>
    public CollectionsFound HasCollections { get; init; }

    /// <summary>When the adaptor was last checked.</summary>
    public DateTimeOffset? CheckedDate { get; init; }

    /// <summary>How long the last check took, in milliseconds.</summary>
    public long? LatencyMs { get; init; }

    /// <summary>A sentence saying what was found or what failed and where.</summary>
    public string? Message { get; init; }
}

/// <summary>What the external database can do.</summary>
public sealed record ConnectionCapabilities
{
    /// <summary>Whether collections can be created, changed and deleted.</summary>
    public bool CollectionModificationsSupported { get; init; }

    /// <summary>The field types the database supports (meaningful when modifications are supported).</summary>
    public IReadOnlyList<string> FieldTypes { get; init; } = [];
}

/// <summary>An external database connection. Set <see cref="Name"/>, <see cref="Endpoint"/> and <see cref="Configuration"/>; the rest is read-only and filled in by the server.</summary>
public sealed record ExternalDatabaseConnection
{
    /// <summary>The connection's name: 1–255 characters, no '/', unique regardless of case, immutable.</summary>
    public string? Name { get; init; }

    /// <summary>The adaptor's base URL (absolute http or https). Required for <see cref="ConnectionType.Standalone"/>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>
    /// What the server puts in place of every configuration value for an API key that may not read secrets (one without
    /// <c>ADMIN</c> or <c>WIX_DATA.READ_EXTERNAL_DATABASE_CONNECTION_SECRETS</c>): the keys, nesting and arrays stay, each
    /// value becomes this string. The server refuses it as a value in Create and Update, so a masked configuration
    /// sent back cannot overwrite the secrets.
    /// </summary>
    public const string MaskedValue = "********";

    /// <summary>
    /// Settings passed to the adaptor, usually secrets such as <c>{"secretKey": "..."}</c>. Values are
    /// <see cref="MaskedValue"/> when the API key may not read them (see <see cref="IsConfigurationMasked"/>).
    /// </summary>
    public JsonObject? Configuration { get; init; }

    /// <summary>Whether the server masked the configuration's values (the API key may not read them).</summary>
    [JsonIgnore]
    public bool IsConfigurationMasked => Configuration is not null && Leaves(Configuration).Any(IsMasked);

    /// <summary>Whether <paramref name="value"/> is <see cref="MaskedValue"/>, the stand-in for a secret the API key may not read.</summary>
    public static bool IsMasked(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var s) && s == MaskedValue;

    private static IEnumerable<JsonNode?> Leaves(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Leaves(p.Value)),
        JsonArray a => a.SelectMany(Leaves),
        _ => [node],
    };

    /// <summary>The result of the last check of the adaptor (read-only).</summary>
    public ConnectionStatus? ConnectionStatus { get; init; }

    /// <summary>What the database can do (read-only).</summary>
    public ConnectionCapabilities? Capabilities { get; init; }

    /// <summary>The protocol the adaptor speaks (read-only).</summary>
    public ProtocolVersion ProtocolVersion { get; init; }

    /// <summary>For V3 connections: the key the adaptor verifies requests with, base64 DER SubjectPublicKeyInfo (read-only).</summary>
    public string? PublicKey { get; init; }

    /// <summary>For V3 connections: the audience (<c>aud</c>) of signed requests (read-only).</summary>
    public string? ApplicationId { get; init; }

    /// <summary>How the server talks to the adaptor (read-only; chosen at creation).</summary>
    public ConnectionType ConnectionType { get; init; }

    /// <summary>When the connection was created (read-only).</summary>
    public DateTimeOffset? CreatedDate { get; init; }

    /// <summary>When the connection was last changed or checked (read-only).</summary>
    public DateTimeOffset? UpdatedDate { get; init; }
}

/// <summary>Options of <see cref="ExternalDatabaseConnectionsClient.CreateExternalDatabaseConnectionAsync"/>.</summary>
public sealed record CreateExternalDatabaseConnectionOptions
{
    /// <summary>The connection type; <see cref="ConnectionType.Standalone"/> when not set.</summary>
    public ConnectionType? ConnectionType { get; init; }
}

/// <summary>Offset paging of a list.</summary>
/// <param name="Limit">How many to return (default 50, at most 1000).</param>
/// <param name="Offset">How many to skip.</param>
public sealed record Paging(int? Limit = null, int? Offset = null);

/// <summary>Paging as the server reads it from a query string.</summary>
internal static class PagingQuery
{
    /// <summary><c>?paging.limit=..&amp;paging.offset=..</c> for what is set, or an empty string.</summary>
    public static string ToQueryString(this Paging? paging)
    {
        var query = new List<string>();
        if (paging?.Limit is { } limit)
        {
            query.Add("paging.limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (paging?.Offset is { } offset)
        {
            query.Add("paging.offset=" + offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return query.Count == 0 ? "" : "?" + string.Join('&', query);
    }
}

/// <summary>Where a page stands in the whole list.</summary>
public sealed record PagingMetadata
{
    /// <summary>How many items this page holds.</summary>
    public int Count { get; init; }

    /// <summary>The offset that was asked for.</summary>
    public int Offset { get; init; }

    /// <summary>How many items there are in all.</summary>
    public int Total { get; init; }

    /// <summary>Whether the server could not count them all.</summary>
    public bool TooManyToCount { get; init; }

    /// <summary>Whether more items follow this page.</summary>
    public bool HasNext { get; init; }
}

/// <summary>One page of connections.</summary>
public sealed record ListExternalDatabaseConnectionsResponse
{
    /// <summary>The connections of this page, oldest first.</summary>
    public IReadOnlyList<ExternalDatabaseConnection> ExternalDatabaseConnections { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public PagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>One check of a connection's adaptor.</summary>
public sealed record StatusCheck
{
    /// <summary>When the adaptor was checked.</summary>
    public DateTimeOffset CheckedDate { get; init; }

    /// <summary>Whether the adaptor answered as expected.</summary>
    public bool Successful { get; init; }

    /// <summary>Why the check failed, or <see cref="CauseOfFailure.None"/>.</summary>
    public CauseOfFailure CauseOfFailure { get; init; }

    /// <summary>How long the check took, in milliseconds.</summary>
    public long LatencyMs { get; init; }

    /// <summary>The protocol the adaptor spoke (<see cref="ProtocolVersion.Unknown"/> when the check failed).</summary>
    public ProtocolVersion ProtocolVersion { get; init; }

    /// <summary>A sentence saying what was found or what failed and where.</summary>
    public string? Message { get; init; }
}

/// <summary>One page of a connection's status history.</summary>
public sealed record ConnectionStatusHistory
{
    /// <summary>The checks of this page, newest first.</summary>
    public IReadOnlyList<StatusCheck> Checks { get; init; } = [];

    /// <summary>Where this page stands.</summary>
    public PagingMetadata PagingMetadata { get; init; } = new();
}

/// <summary>An API key as the server shows it (never its secret).</summary>
public sealed record ApiKey
{
    /// <summary>The key's id, used to delete it.</summary>
    public required string Id { get; init; }

    /// <summary>The key's name.</summary>
    public required string Name { get; init; }

    /// <summary>The permissions the key holds.</summary>
    public IReadOnlyList<string> Permissions { get; init; } = [];

    /// <summary>When the key was made.</summary>
    public DateTimeOffset CreatedDate { get; init; }
}

/// <summary>A freshly made API key: its secret is shown only this once.</summary>
public sealed record CreatedApiKey
{
    /// <summary>The secret to send as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The key's description.</summary>
    public required ApiKey ApiKey { get; init; }

    /// <summary>Keeps the secret out of logs.</summary>
    public override string ToString() => $"CreatedApiKey {{ Id = {ApiKey.Id}, Name = {ApiKey.Name} }}";
}

/// <summary>One offending field of a refused request.</summary>
/// <param name="Field">The field's path, e.g. <c>externalDatabaseConnection.name</c>.</param>
/// <param name="Description">What is wrong with it.</param>
/// <param name="ViolatedRule">The rule, e.g. <c>REQUIRED_FIELD</c>.</param>
public sealed record FieldViolation(string Field, string Description, string? ViolatedRule);
