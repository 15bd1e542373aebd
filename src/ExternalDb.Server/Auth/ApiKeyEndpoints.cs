using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;
using ExternalDb.Server.Hosting;
using ExternalDb.Server.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExternalDb.Server.Auth;

internal sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string> Permissions);

internal sealed record CreatedApiKey(string Key, ApiKey ApiKey);

internal sealed record ApiKeyList(IReadOnlyList<ApiKey> ApiKeys);

/// <summary>API key management: <c>POST/GET /v1/api-keys</c>, <c>DELETE /v1/api-keys/{id}</c>. ADMIN only.</summary>
internal static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/api-keys").WithTags("API keys").RequireAuthorization(Permissions.Admin);
        group.MapPost("", Create).DocumentsJsonBody<CreateApiKeyRequest>(JsonNode.Parse("""
                {"name": "reporting", "permissions": ["WIX_DATA.LIST_EXTERNAL_DATABASE_CONNECTIONS", "DATA_READ"]}
                """))
            .DocumentsErrors((400, "INVALID_ARGUMENT", "the name is missing, or a permission is unknown; each is named in fieldViolations."))
            .WithSummary("Creates an API key; its secret is answered once, as 'key'.");
        group.MapGet("", List).WithSummary("Lists API keys (never their secrets).");
        group.MapDelete("{id}", Delete)
            .DocumentsParameter("id", "The key's id (from the list; not the key itself).", "kq3Hw0FQxYQe")
            .DocumentsErrors((404, "NOT_FOUND", "no key has that id."))
            .WithSummary("Deletes an API key: calls and console sessions made with it stop working at once.");
        return app;
    }

    public static async Task<Results<Ok<CreatedApiKey>, ProblemHttpResult>> Create(HttpRequest request, ApiKeyStore keys, CancellationToken ct)
    {
        var (node, problem) = await JsonBody.ReadAsync(request, ct, 64 * 1024);
        return problem is not null ? ApiError.Validation([problem]) : await CreateAsync(node, keys, ct);
    }

    /// <summary>Create over a body already read (the HTTP endpoint and the console both come here).</summary>
    public static async Task<Results<Ok<CreatedApiKey>, ProblemHttpResult>> CreateAsync(JsonNode? node, ApiKeyStore keys, CancellationToken ct)
    {
        var violations = new List<FieldViolation>();
        if (node is not JsonObject body)
        {
            return ApiError.Validation("body", "must be a JSON object", "FORMAT");
        }

        string? name = null;
        if (body["name"] is JsonValue n && n.TryGetValue<string>(out var s))
        {
            name = s;
            if (string.IsNullOrWhiteSpace(s) || s.Length > 255 || s.Any(char.IsControl))
            {
                violations.Add(new("name", "must be 1 to 255 characters, without control characters", "OTHER"));
            }
        }
        else
        {
            violations.Add(new("name", body["name"] is null ? "is required" : "must be a string", body["name"] is null ? "REQUIRED" : "FORMAT"));
        }

        var permissions = new List<string>();
        if (body["permissions"] is JsonArray array && array.Count > 0)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonValue v && v.TryGetValue<string>(out var p) && Permissions.Known.Contains(p))
                {
                    if (!permissions.Contains(p))
                    {
                        permissions.Add(p);
                    }
                }
                else
                {
                    violations.Add(new($"permissions[{i}]", "is not a known permission", "OTHER"));
                }
            }
        }
        else
        {
            violations.Add(new("permissions", "must be a non-empty array of permission IDs", body["permissions"] is null ? "REQUIRED" : "FORMAT"));
        }

        if (violations.Count > 0)
        {
            return ApiError.Validation(violations);
        }
        var (key, secret) = await keys.CreateAsync(name!, permissions, ct);
        return TypedResults.Ok(new CreatedApiKey(secret.Value, key));
    }

    public static async Task<Ok<ApiKeyList>> List(ApiKeyStore keys, CancellationToken ct) =>
        TypedResults.Ok(new ApiKeyList(await keys.ListAsync(ct)));

    public static async Task<Results<Ok<Connections.Empty>, ProblemHttpResult>> Delete(string id, ApiKeyStore keys, CancellationToken ct) =>
        await keys.DeleteAsync(id, ct) ? TypedResults.Ok(Connections.Empty.Instance) : ApiError.NotFound($"No API key with id '{id}' exists.");
}
