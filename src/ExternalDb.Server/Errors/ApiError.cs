using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Errors;

/// <summary>One offending field of a request.</summary>
/// <param name="Field">The field's path in the request, e.g. <c>externalDatabaseConnection.name</c>.</param>
/// <param name="Description">What is wrong with it (never its value).</param>
/// <param name="ViolatedRule">Wix's rule name: <c>REQUIRED_FIELD</c>, <c>MAX_LENGTH</c>, <c>FORMAT</c>, ...</param>
public sealed record FieldViolation(string Field, string Description, string ViolatedRule);

/// <summary>
/// Builds error bodies that are an RFC 9457 ProblemDetails (<c>type, title, status, detail</c>) and
/// Wix's error shape (<c>message, details.applicationError | details.validationError</c>) at once.
/// </summary>
internal static class ApiError
{
    /// <summary>400 with one field violation per offending field.</summary>
    public static ProblemHttpResult Validation(IReadOnlyList<FieldViolation> violations)
    {
        var detail = string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"));
        var problem = Problem(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "Invalid argument", detail);
        problem.Extensions["details"] = new Dictionary<string, object?>
        {
            ["validationError"] = new Dictionary<string, object?>
            {
                ["fieldViolations"] = violations.Select(v => new Dictionary<string, string>
                {
                    ["field"] = v.Field,
                    ["description"] = v.Description,
                    ["violatedRule"] = v.ViolatedRule,
                }).ToList(),
            },
        };
        problem.Extensions["errors"] = violations.GroupBy(v => v.Field)
            .ToDictionary(g => g.Key, g => g.Select(v => v.Description).ToArray());
        return TypedResults.Problem(problem);
    }

    /// <summary>400 for one field.</summary>
    public static ProblemHttpResult Validation(string field, string description, string rule = "OTHER") =>
        Validation([new FieldViolation(field, description, rule)]);

    /// <summary>404 <c>NOT_FOUND</c>.</summary>
    public static ProblemHttpResult NotFound(string description) =>
        Application(StatusCodes.Status404NotFound, "NOT_FOUND", "Not found", description);

    /// <summary>409 <c>ALREADY_EXISTS</c>.</summary>
    public static ProblemHttpResult AlreadyExists(string description) =>
        Application(StatusCodes.Status409Conflict, "ALREADY_EXISTS", "Already exists", description);

    /// <summary>401 <c>UNAUTHENTICATED</c>.</summary>
    public static ProblemHttpResult Unauthenticated(string description) =>
        Application(StatusCodes.Status401Unauthorized, "UNAUTHENTICATED", "Unauthenticated", description);

    /// <summary>403 <c>PERMISSION_DENIED</c>.</summary>
    public static ProblemHttpResult PermissionDenied(string description) =>
        Application(StatusCodes.Status403Forbidden, "PERMISSION_DENIED", "Permission denied", description);

    /// <summary>Any status with an application error code.</summary>
    public static ProblemHttpResult Application(int status, string code, string title, string description, object? data = null)
    {
        var problem = Problem(status, code, title, description);
        var applicationError = new Dictionary<string, object?> { ["code"] = code, ["description"] = description };
        if (data is not null)
        {
            applicationError["data"] = data;
        }
        problem.Extensions["details"] = new Dictionary<string, object?> { ["applicationError"] = applicationError };
        return TypedResults.Problem(problem);
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails Problem(int status, string code, string title, string detail)
    {
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = $"https://externaldb.dev/errors/{code.ToLowerInvariant().Replace('_', '-')}",
            Title = title,
            Status = status,
            Detail = detail,
        };
        problem.Extensions["message"] = detail;
        return problem;
    }
}
