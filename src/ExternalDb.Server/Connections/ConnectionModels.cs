using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ExternalDb.Protocol;

namespace ExternalDb.Server.Connections;

/// <summary>How the server talks to a connection's adaptor.</summary>
public enum ConnectionType
{
    /// <summary>Legacy External Database Collections adaptor (V1 or V2), secret in <c>configuration</c>.</summary>
    Standalone,
    /// <summary>External Database service plugin (V3), JWT-signed requests.</summary>
    WixServicePlugin,
}

/// <summary>Why the last check of the adaptor failed, if it did.</summary>
public enum CauseOfFailure
{
    /// <summary>No failure.</summary>
    None,
    /// <summary>The adaptor answered, but not as the protocol says.</summary>
    CommunicationFailure,
    /// <summary>The adaptor could not be reached (DNS, refused, TLS, timeout).</summary>
    DestinationHostUnreachable,
    /// <summary>The adaptor refused our credentials (401/403).</summary>
    Unauthorized,
    /// <summary>The connection has no endpoint yet.</summary>
    DestinationEndpointNotDefined,
}

/// <summary>Whether the external database has collections.</summary>
public enum CollectionsFound
{
    /// <summary>The check failed, so it is not known.</summary>
    Unknown,
    /// <summary>It has at least one.</summary>
    Yes,
    /// <summary>It has none.</summary>
    No,
}

/// <summary>The result of the last check of the adaptor.</summary>
public sealed record ConnectionStatus
{
    public required bool Successful { get; init; }
    public required CauseOfFailure CauseOfFailure { get; init; }
    public required CollectionsFound HasCollections { get; init; }
    public DateTimeOffset? CheckedDate { get; init; }
    public long? LatencyMs { get; init; }
    public string? Message { get; init; }
}

/// <summary>What the external database can do.</summary>
public sealed record ConnectionCapabilities
{
    public static readonly ConnectionCapabilities None = new() { CollectionModificationsSupported = false, FieldTypes = [] };

    public required bool CollectionModificationsSupported { get; init; }
    public required IReadOnlyList<string> FieldTypes { get; init; }
}

/// <summary>A registered external database connection, as the API shows it.</summary>
public sealed record ExternalDatabaseConnection
{
    public required string Name { get; init; }
    public string? Endpoint { get; init; }
    public JsonObject? Configuration { get; init; }
    public required ConnectionStatus ConnectionStatus { get; init; }
    public required ConnectionCapabilities Capabilities { get; init; }
    public required ProtocolVersion ProtocolVersion { get; init; }
    public string? PublicKey { get; init; }
    public string? ApplicationId { get; init; }
    public required ConnectionType ConnectionType { get; init; }
    public required DateTimeOffset CreatedDate { get; init; }
    public required DateTimeOffset UpdatedDate { get; init; }
}

internal sealed record ConnectionEnvelope(ExternalDatabaseConnection ExternalDatabaseConnection);

internal sealed record PagingMetadata(int Count, int Offset, int Total, bool TooManyToCount, bool HasNext)
{
    /// <summary>The metadata of an offset page of <paramref name="count"/> rows from <paramref name="offset"/>, out of <paramref name="total"/>.</summary>
    public static PagingMetadata OfPage(int count, int offset, int total) => new(count, offset, total, TooManyToCount: false, HasNext: offset + count < total);
}

internal sealed record ConnectionList(IReadOnlyList<ExternalDatabaseConnection> ExternalDatabaseConnections, PagingMetadata PagingMetadata);

/// <summary>The empty answer of Delete.</summary>
internal sealed record Empty
{
    public static readonly Empty Instance = new();
}

/// <summary>A request body shape the OpenAPI document shows for Create: the type is optional (STANDALONE when absent).</summary>
internal sealed record CreateConnectionRequest(ConnectionInput ExternalDatabaseConnection, ConnectionType? ConnectionType = null, CreateConnectionOptions? Options = null);

/// <summary>The seed's place for the type: <c>{"options": {"connectionType": ...}}</c>.</summary>
internal sealed record CreateConnectionOptions(ConnectionType? ConnectionType = null);

/// <summary>A request body shape the OpenAPI document shows for Update.</summary>
internal sealed record UpdateConnectionRequest(ConnectionInput ExternalDatabaseConnection);

/// <summary>
/// The writable fields of a connection: <c>name</c>; <c>endpoint</c> and <c>configuration</c> (required for STANDALONE,
/// optional for WIX_SERVICE_PLUGIN). Read-only fields sent along are ignored.
/// </summary>
internal sealed record ConnectionInput(string Name, string? Endpoint = null, JsonObject? Configuration = null);

