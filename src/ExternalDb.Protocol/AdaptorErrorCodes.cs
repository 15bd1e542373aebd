namespace ExternalDb.Protocol;

/// <summary>The <c>errorCode</c> values of adaptor errors (<c>{errorCode, errorMessage, data}</c>).</summary>
public static class AdaptorErrorCodes
{
    /// <summary>The request is not valid (400).</summary>
    public const string ValidationError = "VALIDATION_ERROR";

    /// <summary>No item has the id (404).</summary>
    public const string ItemNotFound = "ITEM_NOT_FOUND";

    /// <summary>An item with the id exists already (409).</summary>
    public const string ItemAlreadyExists = "ITEM_ALREADY_EXISTS";

    /// <summary>No collection has the id (404).</summary>
    public const string CollectionNotFound = "COLLECTION_NOT_FOUND";

    /// <summary>A collection with the id exists already (409).</summary>
    public const string CollectionAlreadyExists = "COLLECTION_ALREADY_EXISTS";

    /// <summary>The collection cannot be changed so (400).</summary>
    public const string CollectionChangeNotSupported = "COLLECTION_CHANGE_NOT_SUPPORTED";

    /// <summary>A field the request names does not exist.</summary>
    public const string FieldDoesNotExist = "FIELD_DOESNT_EXIST";

    /// <summary>A field with the name exists already (409).</summary>
    public const string FieldAlreadyExists = "FIELD_ALREADY_EXISTS";

    /// <summary>The reference exists already (409).</summary>
    public const string ReferenceAlreadyExists = "REFERENCE_ALREADY_EXISTS";

    /// <summary>The reference does not exist (404).</summary>
    public const string ReferenceNotFound = "REFERENCE_NOT_FOUND";

    /// <summary>An index with the name exists already (409).</summary>
    public const string IndexAlreadyExists = "INDEX_ALREADY_EXISTS";

    /// <summary>No index has the name (404).</summary>
    public const string IndexNotFound = "INDEX_NOT_FOUND";

    /// <summary>The caller's credentials were refused (401).</summary>
    public const string Unauthorized = "UNAUTHORIZED";

    /// <summary>The caller may not do this (403).</summary>
    public const string PermissionDenied = "PERMISSION_DENIED";

    /// <summary>The adaptor does not do this (400).</summary>
    public const string UnsupportedOperation = "UNSUPPORTED_OPERATION";

    /// <summary>The request is larger than the adaptor reads (413).</summary>
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";

    /// <summary>A 400 without a more precise code.</summary>
    public const string BadRequest = "BAD_REQUEST";

    /// <summary>A 404 without a more precise code.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>A 409 without a more precise code.</summary>
    public const string AlreadyExists = "ALREADY_EXISTS";

    /// <summary>Anything else (500).</summary>
    public const string UnknownError = "UNKNOWN_ERROR";

    /// <summary>The code an error answer without one stands for, by its HTTP status.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => ValidationError,
        401 or 403 => Unauthorized,
        404 => NotFound,
        409 => AlreadyExists,
        _ => UnknownError,
    };
}
