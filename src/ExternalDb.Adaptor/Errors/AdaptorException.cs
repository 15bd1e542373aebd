using System.Text.Json.Nodes;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Errors;

/// <summary>
/// A protocol error: one V3 <c>errorCode</c>, its HTTP status and <c>data</c>. Legacy endpoints answer
/// the same error as <c>{message}</c> with the same status.
/// </summary>
public sealed class AdaptorException : Exception
{
    /// <summary>Creates an error.</summary>
    public AdaptorException(string errorCode, int status, string message, JsonObject? data = null)
        : base(message)
    {
        ErrorCode = errorCode;
        Status = status;
        ErrorData = data ?? [];
    }

    /// <summary>The V3 <c>errorCode</c>, e.g. <c>ITEM_NOT_FOUND</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The V3 <c>data</c> object.</summary>
    public JsonObject ErrorData { get; }

    /// <summary>The V3 error body <c>{errorCode, errorMessage, data}</c>.</summary>
    public JsonObject ToV3Body() => ErrorBody(ErrorCode, Message, ErrorData);

    internal static JsonObject ErrorBody(string code, string message, JsonObject data) => new()
    {
        ["errorCode"] = code,
        ["errorMessage"] = message,
        ["data"] = data.DeepClone(),
    };

    internal static AdaptorException Validation(string fieldPath, string message, JsonNode? rejectedValue = null) =>
        new(AdaptorErrorCodes.ValidationError, 400, message, new JsonObject
        {
            ["violations"] = new JsonArray(new JsonObject
            {
                ["fieldPath"] = fieldPath,
                ["rejectedValue"] = rejectedValue?.DeepClone(),
                ["message"] = message,
            }),
        });

    internal static AdaptorException CollectionNotFound(string collectionId) =>
        new(AdaptorErrorCodes.CollectionNotFound, 404, $"Collection {collectionId} not found", new JsonObject { ["collectionId"] = collectionId });

    internal static AdaptorException CollectionAlreadyExists(string collectionId) =>
        new(AdaptorErrorCodes.CollectionAlreadyExists, 409, $"Collection {collectionId} already exists", new JsonObject { ["collectionId"] = collectionId });

    internal static AdaptorException ItemNotFound(string itemId) =>
        new(AdaptorErrorCodes.ItemNotFound, 404, $"Item not found: {itemId}", new JsonObject { ["itemId"] = itemId });

    internal static AdaptorException ItemAlreadyExists(string itemId) =>
        new(AdaptorErrorCodes.ItemAlreadyExists, 409, $"Item already exists: {itemId}", new JsonObject { ["itemId"] = itemId });

    /// <summary><c>data.errors: [{fieldKey, message}]</c>, plus <c>itemId</c> when one item's value is the reason.</summary>
    internal static AdaptorException ChangeNotSupported(string fieldKey, string message, string? itemId = null)
    {
        var error = new JsonObject { ["fieldKey"] = fieldKey, ["message"] = message };
        if (itemId is not null)
        {
            error["itemId"] = itemId;
        }
        return new(AdaptorErrorCodes.CollectionChangeNotSupported, 400, message, new JsonObject { ["errors"] = new JsonArray(error) });
    }

    internal static AdaptorException Unsupported(string collectionId, string operation, string message) =>
        new(AdaptorErrorCodes.UnsupportedOperation, 400, message, new JsonObject { ["collectionId"] = collectionId, ["operation"] = operation });

    internal static AdaptorException Unauthorized(string description) =>
        new(AdaptorErrorCodes.Unauthorized, 401, "Authorization failed: " + description, new JsonObject { ["description"] = "Authorization failed: " + description });
}
