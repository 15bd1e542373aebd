using Microsoft.OpenApi;

namespace ExternalDb.Server.Hosting;

internal static class OpenApiExtensions
{
    /// <summary>
    /// Documents a JSON request body of type <typeparamref name="T"/> (with an <paramref name="example"/> the server
    /// accepts) without making the endpoint refuse other content types: bodies are read and validated by hand, so a wrong
    /// body gets a 400 that names the field. The schema is a component named after <typeparamref name="T"/>.
    /// </summary>
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder builder, System.Text.Json.Nodes.JsonNode? example = null) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            IOpenApiSchema schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            if (context.Document is { } document)
            {
                // A named component, as answers are: clients and the API reference see one type per request shape.
                document.AddComponent(typeof(T).Name, schema);
                schema = new OpenApiSchemaReference(typeof(T).Name, document);
            }
            // An example set by the document's own transformers (the data operations' tested examples) is kept.
            var kept = operation.RequestBody?.Content?.TryGetValue("application/json", out var existing) == true ? existing.Example : null;
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema, Example = example?.DeepClone() ?? kept } },
            };
        });
}
