using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Storage;

namespace ExternalDb.Server.Gateway;

/// <summary>The V3 operations every protocol client serves; the gateway speaks V3 internally.</summary>
public static class AdaptorOperations
{
    public const string Query = "items/query";
    public const string Count = "items/count";
    public const string Aggregate = "items/aggregate";
    public const string QueryDistinctValues = "items/query-distinct-values";
    public const string Insert = "items/insert";
    public const string Update = "items/update";
    public const string Remove = "items/remove";
    public const string Truncate = "items/truncate";
    public const string QueryReferenced = "items/query-referenced";
    public const string InsertReferences = "items/insert-references";
    public const string RemoveReferences = "items/remove-references";
    public const string ListCollections = "collections/get";
    public const string CreateCollection = "collections/create";
    public const string UpdateCollection = "collections/update";
    public const string DeleteCollection = "collections/delete";
    public const string GetCapabilities = "capabilities/get";
}

/// <summary>What a protocol client needs to know of the connection it calls.</summary>
public sealed record AdaptorConnection(
    string Name,
    string Endpoint,
    ProtocolVersion ProtocolVersion,
    JsonObject? Configuration,
    string? ApplicationId,
    PrivateKeyMaterial? PrivateKey);

/// <summary>
/// One client per protocol generation behind one interface: each takes a V3-shaped request
/// (the body of <c>POST /v3/{operation}</c>, as adaptor-protocol.md §4 describes it) and returns the V3-shaped
/// answer, translating to and from its own protocol. Failures are thrown as <see cref="AdaptorCallException"/>.
/// </summary>
public interface IAdaptorProtocol
{
    /// <summary>Calls one V3 operation (see <see cref="AdaptorOperations"/>) on the connection's adaptor.</summary>
    Task<JsonObject> CallAsync(AdaptorConnection connection, string operation, JsonObject request, CancellationToken ct);
}

/// <summary>How an adaptor call failed.</summary>
public enum AdaptorFailure
{
    /// <summary>The adaptor answered with a protocol error (<see cref="AdaptorCallException.ErrorCode"/> says which).</summary>
    AdaptorError,
    /// <summary>The adaptor could not be reached, or its circuit is open.</summary>
    Unreachable,
    /// <summary>The adaptor did not answer within the per-call timeout.</summary>
    Timeout,
    /// <summary>The adaptor answered something that is not the protocol (garbage, too large, wrong shape).</summary>
    BadAnswer,
    /// <summary>The operation cannot be expressed in the connection's protocol.</summary>
    NotSupported,
}

/// <summary>An adaptor call that failed; carries the adaptor's own code and message when it gave them.</summary>
public sealed class AdaptorCallException(
    AdaptorFailure failure,
    string message,
    int? adaptorStatus = null,
    string? errorCode = null,
    JsonNode? data = null) : Exception(message)
{
    public AdaptorFailure Failure { get; } = failure;

    /// <summary>The HTTP status the adaptor answered, if it answered.</summary>
    public int? AdaptorStatus { get; } = adaptorStatus;

    /// <summary>The adaptor's error code: <c>ITEM_NOT_FOUND</c>, <c>COLLECTION_NOT_FOUND</c>, <c>VALIDATION_ERROR</c>, ...</summary>
    public string? ErrorCode { get; } = errorCode;

    /// <summary>The adaptor's error data.</summary>
    public JsonNode? ErrorData { get; } = data;
}
