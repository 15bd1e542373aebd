using Microsoft.OpenApi;

namespace ExternalDb.Server.Hosting;

internal static class OpenApiExtensions
{
    /// <summary>
    /// Documents a JSON request body (with an <paramref name="example"/> the server accepts) of type <typeparamref name="T"/> without making the endpoint refuse other
    /// content types: bodies are read and validated by hand, so a wrong body gets a 400 that names the field.
    /// </summary>
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder builder, System.Text.Json.Nodes.JsonNode? example = null) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema, Example = example?.DeepClone() } },
            };
        });
}
