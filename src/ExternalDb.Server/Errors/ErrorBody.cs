namespace ExternalDb.Server.Errors;

/// <summary>
/// The shape of every error answer (what <see cref="ApiError"/> writes), for the OpenAPI document: an RFC 9457
/// ProblemDetails and Wix's error shape at once.
/// </summary>
/// <param name="Type">A URI naming the error kind, e.g. <c>https://externaldb.dev/errors/not-found</c>.</param>
/// <param name="Title">A short summary, e.g. <c>Not found</c>.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong (never a secret).</param>
/// <param name="Message">The same as <paramref name="Detail"/>, under Wix's name.</param>
/// <param name="Details">Wix's details: an application error with its code, or the offending fields.</param>
internal sealed record ErrorBody(string Type, string Title, int Status, string Detail, string Message, ErrorDetails Details);

/// <summary>One of <see cref="ApplicationError"/> (a code) or <see cref="ValidationError"/> (400: the offending fields).</summary>
internal sealed record ErrorDetails(ApplicationErrorBody? ApplicationError = null, ValidationErrorBody? ValidationError = null);

/// <summary>A Wix error code (<c>NOT_FOUND</c>, <c>ALREADY_EXISTS</c>, <c>WDE0073</c>, ...) and its description.</summary>
internal sealed record ApplicationErrorBody(string Code, string Description, System.Text.Json.Nodes.JsonObject? Data = null);

/// <summary>The fields of a 400 answer.</summary>
internal sealed record ValidationErrorBody(IReadOnlyList<FieldViolation> FieldViolations);
