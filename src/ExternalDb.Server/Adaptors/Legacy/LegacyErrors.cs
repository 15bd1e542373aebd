using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using ExternalDb.Server.Json;

namespace ExternalDb.Server.Adaptors.Legacy;

/// <summary>What a legacy call was about: it decides what an ambiguous status (404, 409, 400) means.</summary>
internal enum LegacyCallKind
{
    /// <summary>A data call (<c>/data/*</c>): 409 or "already exists" is about an item.</summary>
    Items,
    /// <summary>A collection call (<c>/schemas/*</c>): 409 or "already exists" is about the collection.</summary>
    Collections,
    /// <summary>A column call (<c>/schemas/column/*</c>): "already exists" is about a field.</summary>
    Columns,
    /// <summary>An index call (the <c>/indexes/*</c> extension): 409 and "not found" are about an index.</summary>
    Indexes,
}

/// <summary>The one error mapper of the legacy protocols: <c>{message}</c> plus a status becomes a V3 error code.</summary>
internal static class LegacyErrors
{
    private const int MaxMessageLength = 1000;

    /// <summary>The failure a non-2xx legacy answer stands for. The adaptor's message is kept; nothing of the request is added.</summary>
    public static AdaptorCallException FromAnswer(AdaptorAnswer answer, string path, LegacyCallKind kind, string? collectionId)
    {
        var status = answer.Status;
        if (status is < 400)
        {
            return new AdaptorCallException(AdaptorFailure.BadAnswer, $"The adaptor answered HTTP {status} to {path}; legacy adaptors answer directly with 2xx or an error.", status) { Path = path };
        }
        var body = AdaptorAnswers.Parse(answer, path, allowEmpty: true) as JsonObject;
        var message = Message(body) ?? $"The adaptor answered HTTP {status} to {path}.";
        if (status == 408)
        {
            return new AdaptorCallException(AdaptorFailure.Timeout, $"The adaptor gave up on {path}: {message}", status) { Path = path };
        }

        // Adaptors extended towards V3 (and our reference adaptor's extension paths) may answer V3 errors: keep them.
        var code = JsonRead.Text(body?["errorCode"]) ?? Code(status, message, kind);
        var data = body?["data"]?.DeepClone() ?? (code is AdaptorErrorCodes.CollectionNotFound or AdaptorErrorCodes.CollectionAlreadyExists && collectionId is not null
            ? new JsonObject { ["collectionId"] = collectionId }
            : null);
        return new AdaptorCallException(AdaptorFailure.AdaptorError, message, status, code, data) { Path = path };
    }

    private static string Code(int status, string message, LegacyCallKind kind) => status switch
    {
        401 or 403 => AdaptorErrorCodes.Unauthorized,
        404 when kind == LegacyCallKind.Indexes && Mentions(message, "index") => AdaptorErrorCodes.IndexNotFound,
        400 when kind == LegacyCallKind.Indexes && Mentions(message, "field") && Mentions(message, "does not exist") => AdaptorErrorCodes.FieldDoesNotExist,
        404 when MentionsCollection(message) => AdaptorErrorCodes.CollectionNotFound,
        404 when Mentions(message, "field") || Mentions(message, "column") => AdaptorErrorCodes.FieldDoesNotExist,
        404 => AdaptorErrorCodes.ItemNotFound,
        409 => AlreadyExists(kind),
        400 when Mentions(message, "already exist") => AlreadyExists(kind), // velo answers 400 for duplicates
        400 => AdaptorErrorCodes.ValidationError,
        405 or 501 => AdaptorErrorCodes.UnsupportedOperation,
        _ => AdaptorErrorCodes.UnknownError,
    };

    private static string AlreadyExists(LegacyCallKind kind) => kind switch
    {
        LegacyCallKind.Items => AdaptorErrorCodes.ItemAlreadyExists,
        LegacyCallKind.Columns => AdaptorErrorCodes.FieldAlreadyExists,
        LegacyCallKind.Indexes => AdaptorErrorCodes.IndexAlreadyExists,
        _ => AdaptorErrorCodes.CollectionAlreadyExists,
    };

    /// <summary>Whether a legacy message is about a collection (velo says "Collection", SQL adaptors "table", V1 "schema").</summary>
    public static bool MentionsCollection(string? message) =>
        Mentions(message, "collection") || Mentions(message, "schema") || Mentions(message, "table");

    /// <summary>
    /// Whether an answer says the adaptor does not serve <paramref name="path"/> at all (405, or a 404 that is not a
    /// protocol error about a collection, item, field or reference): the difference between "no such collection" and
    /// "no such call" for the extension paths.
    /// </summary>
    public static bool IsUnknownPath(AdaptorAnswer answer, string path)
    {
        if (answer.Status == 405)
        {
            return true;
        }
        if (answer.Status != 404)
        {
            return false;
        }
        var body = AdaptorAnswers.Parse(answer, path, allowEmpty: true) as JsonObject;
        if (JsonRead.Text(body?["errorCode"]) is not null)
        {
            return false;
        }
        var message = Message(body);
        if (Mentions(message, path))
        {
            return true; // "Cannot POST /schemas/delete", "No route /data/references/query"
        }
        return !(MentionsCollection(message) || Mentions(message, "item") || Mentions(message, "field")
            || Mentions(message, "column") || Mentions(message, "reference"));
    }

    /// <summary>Whether a failure concerns one item only, so that a bulk call reports it per item instead of failing whole.</summary>
    public static bool IsItemLevel(AdaptorCallException e) =>
        e.Failure == AdaptorFailure.AdaptorError && e.ErrorCode is AdaptorErrorCodes.ItemNotFound or AdaptorErrorCodes.ItemAlreadyExists or AdaptorErrorCodes.ValidationError;

    /// <summary>A per-item result entry <c>{error:{errorCode, errorMessage, data}}</c>.</summary>
    public static JsonObject ItemError(string code, string message, string? itemId) => new()
    {
        ["error"] = new JsonObject
        {
            ["errorCode"] = code,
            ["errorMessage"] = message,
            ["data"] = itemId is null ? new JsonObject() : new JsonObject { ["itemId"] = itemId },
        },
    };

    public static JsonObject ItemError(AdaptorCallException e, string? itemId) => ItemError(e.ErrorCode ?? AdaptorErrorCodes.UnknownError, e.Message, itemId);

    private static string? Message(JsonObject? body)
    {
        var message = JsonRead.Text(body?["message"])
            ?? JsonRead.Text(body?["errorMessage"])
            ?? JsonRead.Text(body?["data"]?["description"]);
        return message is null ? null
            : message.Length > MaxMessageLength ? message[..MaxMessageLength] + "…"
            : message;
    }

    private static bool Mentions(string? message, string word) => message?.Contains(word, StringComparison.OrdinalIgnoreCase) == true;
}
