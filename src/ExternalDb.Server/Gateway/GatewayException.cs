using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Adaptors;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Gateway;

/// <summary>A gateway failure, answered in Wix's error envelope with a Wix Data code (<c>WDE0073</c>, ...).</summary>
internal sealed class GatewayException(int status, string code, string description, JsonObject? data = null, IReadOnlyList<FieldViolation>? violations = null)
    : Exception(description)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public JsonObject? ErrorData { get; } = data;
    public IReadOnlyList<FieldViolation>? Violations { get; } = violations;

    public ProblemHttpResult ToResult() => Violations is { Count: > 0 }
        ? ApiError.Validation(Violations)
        : ApiError.Application(Status, Code, Title(Status), Message, ErrorData);

    public static GatewayException Invalid(string field, string description, string rule = "OTHER") =>
        new(400, "WDE0075", $"{field}: {description}", violations: [new FieldViolation(field, description, rule)]);

    public static GatewayException CollectionNotFound(string collectionId) =>
        new(404, "WDE0025", $"Collection [{collectionId}] does not exist.", new JsonObject { ["collectionName"] = collectionId });

    public static GatewayException ItemNotFound(string collectionId, string itemId) =>
        new(404, "WDE0073", $"Item [{itemId}] does not exist in collection [{collectionId}].", new JsonObject { ["itemId"] = itemId, ["collectionName"] = collectionId });

    public static GatewayException NotSupported(string collectionId, string operation, string why, bool byDataSource) =>
        new(428, byDataSource ? "WDE0120" : "WDE0119", why, new JsonObject { ["collectionName"] = collectionId, ["operation"] = operation });

    /// <summary>Maps an adaptor failure to the gateway's answer, keeping the adaptor's own code and message.</summary>
    public static GatewayException FromAdaptor(AdaptorCallException e, ResolvedCollection target, string? itemId = null)
    {
        var collectionId = target.FullId;
        var secrets = target.Secrets;
        var adaptorMessage = SecretScrubber.Scrub(e.Message, secrets);
        var data = new JsonObject { ["collectionName"] = collectionId };
        if (itemId is not null)
        {
            data["itemId"] = itemId;
        }
        if (e.ErrorCode is not null)
        {
            data["adaptorErrorCode"] = e.ErrorCode;
        }
        if (e.AdaptorStatus is { } status)
        {
            data["adaptorStatus"] = status;
        }
        data["adaptorMessage"] = adaptorMessage;
        if (e.ErrorData is not null)
        {
            data["adaptorData"] = SecretScrubber.Scrub(e.ErrorData, secrets);
        }
        return e.Failure switch
        {
            AdaptorFailure.Unreachable => new(502, "ADAPTOR_UNREACHABLE", $"The adaptor of [{collectionId}] is unreachable: {adaptorMessage}", data),
            AdaptorFailure.Timeout => new(504, "WDE0028", $"The adaptor of [{collectionId}] did not answer in time: {adaptorMessage}", data),
            AdaptorFailure.BadAnswer => new(502, "ADAPTOR_BAD_ANSWER", $"The adaptor of [{collectionId}] answered outside the protocol: {adaptorMessage}", data),
            AdaptorFailure.NotSupported => new(428, "WDE0120", $"Not supported by the adaptor of [{collectionId}]: {adaptorMessage}", data),
            _ => e.ErrorCode switch
            {
                AdaptorErrorCodes.ItemNotFound => new(404, "WDE0073", itemId is null ? $"Item does not exist in collection [{collectionId}]: {adaptorMessage}" : $"Item [{itemId}] does not exist in collection [{collectionId}].", data),
                AdaptorErrorCodes.ItemAlreadyExists => new(409, "WDE0074", itemId is null ? $"Item already exists in collection [{collectionId}]: {adaptorMessage}" : $"Item [{itemId}] already exists in collection [{collectionId}].", data),
                AdaptorErrorCodes.CollectionNotFound => new(404, "WDE0025", $"Collection [{collectionId}] does not exist.", data),
                AdaptorErrorCodes.CollectionAlreadyExists => new(409, "WDE0104", $"Collection [{collectionId}] already exists.", data),
                AdaptorErrorCodes.ReferenceAlreadyExists => new(409, "WDE0029", $"Reference already exists: {adaptorMessage}", data),
                AdaptorErrorCodes.ReferenceNotFound => new(404, "REFERENCE_NOT_FOUND", $"Reference does not exist: {adaptorMessage}", data),
                AdaptorErrorCodes.IndexAlreadyExists => new(409, "INDEX_ALREADY_EXISTS", $"An index of that name already exists in collection [{collectionId}]: {adaptorMessage}", data),
                AdaptorErrorCodes.IndexNotFound => new(404, "INDEX_NOT_FOUND", $"No such index in collection [{collectionId}]: {adaptorMessage}", data),
                AdaptorErrorCodes.FieldAlreadyExists => new(409, "FIELD_ALREADY_EXISTS", $"The field already exists in collection [{collectionId}]: {adaptorMessage}", data),
                AdaptorErrorCodes.ValidationError or AdaptorErrorCodes.FieldDoesNotExist or AdaptorErrorCodes.CollectionChangeNotSupported
                    or AdaptorErrorCodes.UnsupportedOperation or AdaptorErrorCodes.BadRequest
                    => new(400, "WDE0075", $"The adaptor refused the request: {adaptorMessage}", data),
                AdaptorErrorCodes.Unauthorized => new(502, "ADAPTOR_UNAUTHORIZED", $"The adaptor of [{collectionId}] refused the connection's credentials: {adaptorMessage}", data),
                // Whatever its code, an adaptor's 400, 413 or 422 says the request was wrong: the caller's mistake, not the gateway's.
                _ when e.AdaptorStatus is 400 or 413 or 422 || e.ErrorCode == AdaptorErrorCodes.PayloadTooLarge
                    => new(400, "WDE0075", $"The adaptor refused the request: {adaptorMessage}", data),
                _ => new(502, "ADAPTOR_ERROR", $"The adaptor of [{collectionId}] failed: {adaptorMessage}", data),
            },
        };
    }

    /// <summary>The failure of one item (or reference) an adaptor reported inside its answer, mapped as any adaptor error.</summary>
    public static GatewayException ForItem(JsonObject adaptorError, ResolvedCollection target, string? itemId)
    {
        var code = JsonRead.Text(adaptorError["errorCode"]);
        var message = JsonRead.Text(adaptorError["errorMessage"]) ?? code ?? "failed";
        return FromAdaptor(new AdaptorCallException(AdaptorFailure.AdaptorError, message, null, code, adaptorError["data"]?.DeepClone()), target, itemId);
    }

    /// <summary>The Wix error of one failed item inside a bulk answer.</summary>
    public static JsonObject ItemError(JsonObject adaptorError, ResolvedCollection target, string? itemId)
    {
        var mapped = ForItem(adaptorError, target, itemId);
        return new JsonObject { ["code"] = mapped.Code, ["description"] = mapped.Message, ["data"] = mapped.ErrorData };
    }

    private static string Title(int status) => status switch
    {
        400 => "Invalid argument",
        404 => "Not found",
        409 => "Already exists",
        428 => "Not supported",
        501 => "Not implemented",
        502 => "Bad gateway",
        503 => "Unavailable",
        504 => "Gateway timeout",
        _ => "Error",
    };
}
