using System.Text.Json.Nodes;

namespace ExternalDb.Client;

/// <summary>An error answered by the ExternalDb server.</summary>
public sealed class ExternalDbException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExternalDbException(int statusCode, string? code, string message, IReadOnlyList<FieldViolation>? fieldViolations = null)
        : this(statusCode, code, message, fieldViolations, null)
    {
    }

    /// <summary>Creates the exception with the details of the server's application error.</summary>
    public ExternalDbException(int statusCode, string? code, string message, IReadOnlyList<FieldViolation>? fieldViolations, JsonObject? errorData)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
        FieldViolations = fieldViolations ?? [];
        ErrorData = errorData;
    }

    /// <summary>The HTTP status, e.g. 400, 404, 409.</summary>
    public int StatusCode { get; }

    /// <summary>The error code: <c>INVALID_ARGUMENT</c>, <c>NOT_FOUND</c>, <c>ALREADY_EXISTS</c>, <c>UNAUTHENTICATED</c>, <c>PERMISSION_DENIED</c>, ...</summary>
    public string? Code { get; }

    /// <summary>Whether the thing asked for does not exist: HTTP 404 (e.g. <c>WDE0073</c> item, <c>WDE0025</c> collection, <c>NOT_FOUND</c>).</summary>
    public bool IsNotFound => StatusCode == 404;

    /// <summary>Whether the thing to create exists already: HTTP 409 with <c>WDE0074</c>, <c>WDE0104</c>, <c>WDE0029</c> or <c>ALREADY_EXISTS</c>.</summary>
    public bool IsAlreadyExists => StatusCode == 409 && Code is "WDE0074" or "WDE0104" or "WDE0029" or "ALREADY_EXISTS";

    /// <summary>
    /// The details of the server's application error (<c>details.applicationError.data</c>), e.g.
    /// <c>{"collectionName": "...", "itemId": "...", "adaptorMessage": "..."}</c>; null when it sent none.
    /// </summary>
    public JsonObject? ErrorData { get; }

    /// <summary>For a refused request: each offending field.</summary>
    public IReadOnlyList<FieldViolation> FieldViolations { get; }
}
