namespace ExternalDb.Client;

/// <summary>An error answered by the ExternalDb server.</summary>
public sealed class ExternalDbException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExternalDbException(int statusCode, string? code, string message, IReadOnlyList<FieldViolation>? fieldViolations = null)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
        FieldViolations = fieldViolations ?? [];
    }

    /// <summary>The HTTP status, e.g. 400, 404, 409.</summary>
    public int StatusCode { get; }

    /// <summary>The error code: <c>INVALID_ARGUMENT</c>, <c>NOT_FOUND</c>, <c>ALREADY_EXISTS</c>, <c>UNAUTHENTICATED</c>, <c>PERMISSION_DENIED</c>, ...</summary>
    public string? Code { get; }

    /// <summary>For a refused request: each offending field.</summary>
    public IReadOnlyList<FieldViolation> FieldViolations { get; }
}
