using System.Text.Json.Nodes;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// An adaptor call that failed, classified once (<see cref="Failure"/>); carries the adaptor's own status, code and
/// data when it gave them. Its message never quotes the request, and quotes the adaptor only where it said why.
/// </summary>
internal sealed class AdaptorCallException(
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

    /// <summary>The adaptor path of the failed call (<c>/v3/items/query</c>, <c>/provision</c>), when one was made.</summary>
    public string? Path { get; init; }
}
