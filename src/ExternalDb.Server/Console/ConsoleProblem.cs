using ExternalDb.Server.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Console;

/// <summary>
/// An API error as the console shows it: the answer the API would give (status, Wix code, message, field
/// violations), so that each message can be put next to the control whose value caused it.
/// </summary>
public sealed record ConsoleProblem(int Status, string Code, string Message, IReadOnlyList<FieldViolation> Violations)
{
    /// <summary>What the API says about <paramref name="field"/> (a violation of it or of a field under it), or null.</summary>
    public string? For(string field) => Violations
        .Where(v => v.Field == field || v.Field.StartsWith(field + ".", StringComparison.Ordinal) || v.Field.StartsWith(field + "[", StringComparison.Ordinal))
        .Select(v => v.Field == field ? v.Description : $"{v.Field}: {v.Description}")
        .FirstOrDefault();

    /// <summary>The error body of an API answer.</summary>
    public static ConsoleProblem From(ProblemHttpResult result)
    {
        var body = JsonSerializer.SerializeToNode(result.ProblemDetails, JsonOptions) as JsonObject ?? [];
        var status = result.StatusCode;
        var message = JsonRead.Text(body["message"]) ?? JsonRead.Text(body["detail"]) ?? JsonRead.Text(body["title"]) ?? $"HTTP {status}";
        var details = body["details"];
        var violations = (details?["validationError"]?["fieldViolations"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(v => new FieldViolation(JsonRead.Text(v["field"]) ?? "", JsonRead.Text(v["description"]) ?? "", JsonRead.Text(v["violatedRule"]) ?? "OTHER"))
            .ToList();
        var code = JsonRead.Text(details?["applicationError"]?["code"]) ?? (violations.Count > 0 ? "INVALID_ARGUMENT" : $"HTTP_{status}");
        return new ConsoleProblem(status, code, message, violations);
    }

    internal static ConsoleProblem From(GatewayException e) => From(e.ToResult());

    /// <summary>The answer to a key that lacks <paramref name="permission"/>, worded as the API's 403.</summary>
    public static ConsoleProblem Denied(string reason) => new(403, "PERMISSION_DENIED", reason, []);

    public static readonly ConsoleProblem SessionEnded =
        new(401, "UNAUTHENTICATED", "The session ended (its API key was revoked, or it was idle too long): sign in again.", []);

    private static readonly JsonSerializerOptions JsonOptions = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        Hosting.ServerApp.ConfigureJson(options);
        return options;
    }

}

/// <summary>What a console action got: a value, or the API's error.</summary>
internal sealed record ConsoleResult<T>(T? Value, ConsoleProblem? Problem)
{
    public bool Succeeded => Problem is null;

    public static implicit operator ConsoleResult<T>(ConsoleProblem problem) => new(default, problem);
}
