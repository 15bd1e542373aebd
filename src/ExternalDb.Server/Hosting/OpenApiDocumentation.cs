using System.Text.Json.Nodes;
using ExternalDb.Server.Auth;
using ExternalDb.Server.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ExternalDb.Server.Hosting;

/// <summary>
/// What the OpenAPI document says beyond the endpoints' own types: how to authenticate (one scheme for the
/// <c>Authorization</c> header), the error answers of each operation in the API's error shape, and dates as
/// <c>string</c>/<c>date-time</c>. Scalar reads this document at <c>/scalar/v1</c>.
/// </summary>
internal static class OpenApiDocumentation
{
    public const string SecurityScheme = "ApiKey";

    public const string Introduction =
        """
        External database connections (Wix's External Database Connections API), checked against their adaptors, and the
        data gateway serving their tables as Wix Data collections.

        **Authentication.** Every call needs an API key in the `Authorization` header: `Authorization: Bearer <key>` (or
        the bare key, as Wix's SDK sends it). The server's first start prints an admin key; more keys, each with its own
        permissions, are made at `POST /v1/api-keys` or in the console at `/keys`. To try a request here, enter a key
        under Authentication (it stays in this page). No key or an unknown key answers 401 `UNAUTHENTICATED`; a key
        without the operation's permission answers 403 `PERMISSION_DENIED`, naming the permission.

        **Trying the data operations.** The examples use the demo adaptor this server serves (on the default port 5080):
        send the examples of Create and Update connection first (they make the V3 connection `shop`, whose collection is
        `shop/products`); then every data example works in the order shown. Create collection adds `shop/orders`, which
        the bulk and reference examples use, and Delete collection removes it.

        **Errors** are one object that is both an RFC 9457 ProblemDetails (`type`, `title`, `status`, `detail`) and Wix's
        error shape (`message`, `details.applicationError {code, description}` or
        `details.validationError.fieldViolations [{field, description, violatedRule}]`).
        """;

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ExternalDb API";
            document.Info.Description = Introduction;
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SecurityScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: `Authorization: Bearer <key>` (a bare key in `Authorization` is accepted too).",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var permission = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
                .Select(a => a.Policy).FirstOrDefault(p => p is not null && Permissions.Known.Contains(p));
            if (permission is null)
            {
                return;
            }
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, context.Document)] = [] });
            var error = await context.GetOrCreateSchemaAsync(typeof(ErrorBody), null, ct);
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", Error(error, "No API key, or one the server does not know.",
                Example(401, "UNAUTHENTICATED", "Unauthenticated", "An API key is required: send 'Authorization: Bearer <key>'.")));
            operation.Responses.TryAdd("403", Error(error, $"The key lacks the permission {permission} (or a grant that holds it).",
                Example(403, "PERMISSION_DENIED", "Permission denied", ApiKeyAuthenticationHandler.Lacks(permission))));
            var description = (operation.Description is null ? "" : operation.Description + "\n\n") + $"Permission: `{permission}`.";
            operation.Description = description;
            await WixDataDocumentation.ApplyAsync(operation, context, error, ct);
        });
        // Dates are written as ISO 8601 strings by a converter of their own, which the schema generator cannot see into.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
            {
                schema.Type = type == typeof(DateTimeOffset) ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
                schema.Format = "date-time";
                schema.Pattern = null;
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>Documents the error answers <paramref name="statuses"/> of an endpoint, each with its Wix code.</summary>
    public static RouteHandlerBuilder DocumentsErrors(this RouteHandlerBuilder builder, params (int Status, string Code, string When)[] statuses) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var error = await context.GetOrCreateSchemaAsync(typeof(ErrorBody), null, ct);
            operation.Responses ??= new OpenApiResponses();
            foreach (var (status, code, when) in statuses)
            {
                operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                    Error(error, $"`{code}`: {when}", Example(status, code, Title(status), when));
            }
        });

    /// <summary>Describes a path or query parameter and gives the example value Scalar fills in.</summary>
    public static RouteHandlerBuilder DocumentsParameter(this RouteHandlerBuilder builder, string name, string description, string example) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == name) is { } parameter)
            {
                parameter.Description = description;
                parameter.Example = JsonValue.Create(example);
            }
            return Task.CompletedTask;
        });

    internal static OpenApiResponse Error(IOpenApiSchema schema, string description, JsonNode example) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema, Example = example } },
    };

    internal static string Title(int status) => status switch
    {
        400 => "Invalid argument",
        401 => "Unauthenticated",
        403 => "Permission denied",
        404 => "Not found",
        409 => "Already exists",
        428 => "Precondition failed",
        502 => "Bad gateway",
        503 => "Unavailable",
        504 => "Gateway timeout",
        _ => "Error",
    };

    /// <summary>An error answer as the server writes it.</summary>
    internal static JsonObject Example(int status, string code, string title, string description, string field = "externalDatabaseConnection.name")
    {
        var details = code == "INVALID_ARGUMENT"
            ? new JsonObject { ["validationError"] = new JsonObject { ["fieldViolations"] = new JsonArray(new JsonObject
                { ["field"] = field, ["description"] = "is required", ["violatedRule"] = "REQUIRED" }) } }
            : new JsonObject { ["applicationError"] = new JsonObject { ["code"] = code, ["description"] = description } };
        return new JsonObject
        {
            ["type"] = $"https://externaldb.dev/errors/{code.ToLowerInvariant().Replace('_', '-')}",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = description,
            ["message"] = description,
            ["details"] = details,
        };
    }
}
