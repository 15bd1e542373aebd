using System.Text.Json.Nodes;
using ExternalDb.Server.Errors;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ExternalDb.Server.Hosting;

/// <summary>
/// What the API reference says about the data gateway's operations (<c>/wix-data/v2</c>) beyond their routes: a request
/// example the server accepts, the query parameters of the GET forms, and the errors each can answer with their Wix codes.
/// The examples tell one story over the demo adaptor, in the order of <see cref="Operations"/>: the V3 connection
/// <c>shop</c> of the connections' examples serves <c>shop/products</c>; Create collection adds <c>shop/orders</c>, whose
/// items reference products, the field, patch and index operations change it, and Delete collection removes it again. Bodies' schemas come from the endpoints themselves.
/// </summary>
internal static class WixDataDocumentation
{
    private const string Products = "shop/products";
    private const string Orders = "shop/orders";

    /// <summary>A parameter outside the body: its name, what it means, the example value.</summary>
    public sealed record Parameter(string Name, string Description, string Example, bool Required = false);

    /// <summary>One operation's documentation; <paramref name="Errors"/> come on top of <see cref="CommonErrors"/>.</summary>
    public sealed record Operation(string Method, string Path, string? Body, Parameter[] Parameters, (int Status, string Code, string When)[] Errors);

    private static readonly Parameter ItemIdInPath = new("dataItemId", "The item's ID.", "p-100", Required: true);
    private static readonly Parameter CollectionInQuery = new("dataCollectionId", "The collection: `connectionName/collectionId`.", Products, Required: true);
    private static readonly (int, string, string) ItemNotFound = (404, "WDE0073", "no item of that ID exists in the collection.");
    private static readonly (int, string, string) FieldNotFound = (404, "FIELD_NOT_FOUND", "the collection has no field of that key.");

    private static Parameter CollectionInPath(string example) => new("dataCollectionId", "The collection: `connectionName/collectionId`.", example, Required: true);

    /// <summary>The errors every gateway operation may answer (besides 401 and 403).</summary>
    public static readonly (int Status, string Code, string When)[] CommonErrors =
    [
        (400, "INVALID_ARGUMENT", "the body is not JSON, or fields are missing or invalid (each is named in fieldViolations); `WDE0075` when the adaptor refused the request."),
        (404, "WDE0025", "no such collection, or no connection of that name."),
        (428, "WDE0120", "the collection or its adaptor does not support the operation or a filter on that field (`WDE0119`: the collection's own capabilities)."),
        (502, "ADAPTOR_ERROR", "the adaptor failed (`ADAPTOR_UNREACHABLE`, `ADAPTOR_UNAUTHORIZED`: it refused the connection's credentials, `ADAPTOR_BAD_ANSWER`: it answered outside the protocol)."),
        (503, "CONNECTION_UNAVAILABLE", "the connection's last check failed or it has no endpoint yet: fix it and check it again."),
        (504, "WDE0028", "the adaptor did not answer in time."),
    ];

    /// <summary>Every documented data operation, in the order their examples are meant to be tried.</summary>
    public static readonly Operation[] Operations =
    [
        new("GET", "/wix-data/v2/collections", null,
            [new("paging.limit", "Collections per page (0 or absent: 50).", "50"), new("paging.offset", "How many collections to skip.", "0")], []),
        new("GET", "/wix-data/v2/collections/{dataCollectionId}", null,
            [new("dataCollectionId", "The collection: `connectionName/collectionId`.", Products, Required: true)], []),
        new("POST", "/wix-data/v2/collections", """
            {"collection": {"id": "shop/orders", "fields": [
              {"key": "note", "type": "TEXT"},
              {"key": "products", "type": "MULTI_REFERENCE", "typeMetadata": {"multiReference": {"referencedCollectionId": "shop/products"}}}]}}
            """, [], [(409, "WDE0104", "a collection of that ID exists.")]),
        new("POST", "/wix-data/v2/items", """
            {"dataCollectionId": "shop/products", "dataItem": {"id": "p-100", "data": {"title": "Bookshelf", "price": 99, "inStock": true, "category": "furniture", "releasedAt": {"$date": "2025-01-15T09:00:00.000Z"}}}}
            """, [], [(409, "WDE0074", "an item of that ID exists.")]),
        new("POST", "/wix-data/v2/items/update", """
            {"dataCollectionId": "shop/products", "dataItem": {"id": "p-100", "data": {"title": "Bookshelf", "price": 89, "inStock": true, "category": "furniture"}}}
            """, [], [ItemNotFound]),
        new("PUT", "/wix-data/v2/items/{dataItemId}", """
            {"dataCollectionId": "shop/products", "dataItem": {"data": {"title": "Bookshelf", "price": 79, "inStock": false, "category": "furniture"}}}
            """, [ItemIdInPath], [ItemNotFound]),
        new("POST", "/wix-data/v2/items/patch", """
            {"dataCollectionId": "shop/products", "patch": {"dataItemId": "p-100", "fieldModifications": [
              {"fieldPath": "price", "action": "INCREMENT_FIELD", "incrementFieldOptions": {"value": 10}},
              {"fieldPath": "title", "action": "SET_FIELD", "setFieldOptions": {"value": "Oak bookshelf"}}]}}
            """, [], [ItemNotFound]),
        new("POST", "/wix-data/v2/items/save", """
            {"dataCollectionId": "shop/products", "dataItem": {"id": "p-101", "data": {"title": "Footrest", "price": 35, "inStock": true, "category": "furniture"}}}
            """, [], []),
        new("GET", "/wix-data/v2/items/{dataItemId}", null, [ItemIdInPath, CollectionInQuery], [ItemNotFound]),
        new("POST", "/wix-data/v2/items/query", """
            {"dataCollectionId": "shop/products", "query": {"filter": {"price": {"$gt": 50}}, "sort": [{"fieldName": "price", "order": "DESC"}], "paging": {"limit": 10}}, "returnTotalCount": true}
            """, [], []),
        new("GET", "/wix-data/v2/items/query", null,
            [CollectionInQuery, new("query.paging.limit", "Items per page.", "10"), new("returnTotalCount", "Whether to count every match.", "true"),
             new(".r", "The whole request as base64url JSON, as Wix's SDK sends it (instead of the other parameters).", "")], []),
        new("POST", "/wix-data/v2/items/count", """
            {"dataCollectionId": "shop/products", "filter": {"inStock": true}}
            """, [], []),
        new("POST", "/wix-data/v2/items/aggregate", """
            {"dataCollectionId": "shop/products", "aggregation": {"groupingFields": ["category"], "operations": [{"resultFieldName": "averagePrice", "average": {"itemFieldName": "price"}}, {"resultFieldName": "count", "itemCount": {}}]}}
            """, [], []),
        new("POST", "/wix-data/v2/items/query-distinct-values", """
            {"dataCollectionId": "shop/products", "fieldName": "category"}
            """, [], []),
        new("POST", "/wix-data/v2/bulk/items/insert", """
            {"dataCollectionId": "shop/orders", "dataItems": [{"id": "o-1", "data": {"note": "First order"}}, {"id": "o-2", "data": {"note": "Second order"}}]}
            """, [], []),
        new("POST", "/wix-data/v2/bulk/items/update", """
            {"dataCollectionId": "shop/orders", "dataItems": [{"id": "o-1", "data": {"note": "First order, paid"}}, {"id": "o-2", "data": {"note": "Second order, paid"}}]}
            """, [], []),
        new("POST", "/wix-data/v2/bulk/items/save", """
            {"dataCollectionId": "shop/orders", "dataItems": [{"id": "o-3", "data": {"note": "Third order"}}]}
            """, [], []),
        new("POST", "/wix-data/v2/bulk/items/patch", """
            {"dataCollectionId": "shop/orders", "patches": [
              {"dataItemId": "o-1", "fieldModifications": [{"fieldPath": "note", "action": "SET_FIELD", "setFieldOptions": {"value": "First order, shipped"}}]},
              {"dataItemId": "o-3", "fieldModifications": [{"fieldPath": "note", "action": "REMOVE_FIELD"}]}], "returnEntity": true}
            """, [], []),
        new("POST", "/wix-data/v2/items/insert-reference", """
            {"dataCollectionId": "shop/orders", "dataItemReference": {"referringItemFieldName": "products", "referringItemId": "o-1", "referencedItemId": "p-1"}}
            """, [], [(409, "WDE0029", "the reference exists.")]),
        new("POST", "/wix-data/v2/bulk/items/insert-references", """
            {"dataCollectionId": "shop/orders", "dataItemReferences": [{"referringItemFieldName": "products", "referringItemId": "o-1", "referencedItemId": "p-2"}, {"referringItemFieldName": "products", "referringItemId": "o-2", "referencedItemId": "p-1"}]}
            """, [], []),
        new("POST", "/wix-data/v2/items/query-referenced", """
            {"dataCollectionId": "shop/orders", "referringItemFieldName": "products", "referringItemId": "o-1"}
            """, [], []),
        new("POST", "/wix-data/v2/items/is-referenced", """
            {"dataCollectionId": "shop/orders", "referringItemFieldName": "products", "referringItemId": "o-1", "referencedItemId": "p-1"}
            """, [], []),
        new("POST", "/wix-data/v2/items/replace-references", """
            {"dataCollectionId": "shop/orders", "referringItemFieldName": "products", "referringItemId": "o-2", "newReferencedItemIds": ["p-3"]}
            """, [], []),
        new("POST", "/wix-data/v2/items/remove-reference", """
            {"dataCollectionId": "shop/orders", "dataItemReference": {"referringItemFieldName": "products", "referringItemId": "o-1", "referencedItemId": "p-1"}}
            """, [], [(404, "REFERENCE_NOT_FOUND", "no such reference exists.")]),
        new("POST", "/wix-data/v2/bulk/items/remove-references", """
            {"dataCollectionId": "shop/orders", "dataItemReferences": [{"referringItemFieldName": "products", "referringItemId": "o-1", "referencedItemId": "p-2"}]}
            """, [], []),
        new("POST", "/wix-data/v2/items/remove", """
            {"dataCollectionId": "shop/products", "dataItemId": "p-101"}
            """, [], [ItemNotFound]),
        new("DELETE", "/wix-data/v2/items/{dataItemId}", null, [ItemIdInPath, CollectionInQuery], [ItemNotFound]),
        new("POST", "/wix-data/v2/bulk/items/remove", """
            {"dataCollectionId": "shop/orders", "dataItemIds": ["o-3"]}
            """, [], []),
        new("POST", "/wix-data/v2/items/truncate", """
            {"dataCollectionId": "shop/orders"}
            """, [], []),
        // The revision is that of shop/orders as Create collection made it (a hash of its structure): read it with Get.
        new("PUT", "/wix-data/v2/collections", """
            {"collection": {"id": "shop/orders", "revision": "914182291330", "fields": [
              {"key": "note", "type": "TEXT"}, {"key": "total", "type": "NUMBER"},
              {"key": "products", "type": "MULTI_REFERENCE", "typeMetadata": {"multiReference": {"referencedCollectionId": "shop/products"}}}]}}
            """, [], [(409, "WDE0098", "the collection changed since the revision sent: read it again.")]),
        new("POST", "/wix-data/v2/collections/create-field", """
            {"dataCollectionId": "shop/orders", "field": {"key": "paidAt", "displayName": "Paid at", "type": "DATETIME"}}
            """, [], [(409, "FIELD_ALREADY_EXISTS", "the collection has a field of that key: change it with update-field.")]),
        new("POST", "/wix-data/v2/collections/update-field", """
            {"dataCollectionId": "shop/orders", "field": {"key": "note", "displayName": "Note to the shop", "type": "TEXT"}}
            """, [], [FieldNotFound]),
        new("PATCH", "/wix-data/v2/collections/{dataCollectionId}/patch-field", """
            {"field": {"key": "total", "displayName": "Total (EUR)"}}
            """, [CollectionInPath(Orders)], [FieldNotFound]),
        new("PATCH", "/wix-data/v2/collections/{dataCollectionId}", """
            {"dataCollection": {"id": "shop/orders", "displayName": "Orders", "permissions": {"insert": "SITE_MEMBER", "update": "ADMIN", "remove": "ADMIN", "read": "ANYONE"}}}
            """, [CollectionInPath(Orders)], [FieldNotFound]),
        new("POST", "/wix-data/v2/indexes", """
            {"dataCollectionId": "shop/orders", "index": {"name": "byTotal", "fields": [{"path": "total", "order": "DESC"}], "unique": false}}
            """, [], [(409, "INDEX_ALREADY_EXISTS", "the collection has an index of that name."), (400, "WDE0147", "a path names a field the collection does not have.")]),
        new("GET", "/wix-data/v2/indexes", null,
            [new("dataCollectionId", "The collection: `connectionName/collectionId`.", Orders, Required: true),
             new("paging.limit", "Indexes per page (0 or absent: 50).", "50"), new("paging.offset", "How many indexes to skip.", "0")], []),
        new("DELETE", "/wix-data/v2/indexes", null,
            [new("dataCollectionId", "The collection: `connectionName/collectionId`.", Orders, Required: true),
             new("indexName", "The index to drop.", "byTotal", Required: true)], [(404, "INDEX_NOT_FOUND", "the collection has no index of that name.")]),
        new("POST", "/wix-data/v2/collections/delete-field", """
            {"dataCollectionId": "shop/orders", "fieldKey": "paidAt"}
            """, [], [FieldNotFound]),
        new("DELETE", "/wix-data/v2/collections/{dataCollectionId}", null,
            [new("dataCollectionId", "The collection: `connectionName/collectionId`.", Orders, Required: true)], []),
    ];

    private static readonly Dictionary<string, Operation> ByRoute =
        Operations.ToDictionary(o => o.Method + " " + o.Path, StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the examples, parameters and errors of a data operation to its OpenAPI operation.</summary>
    public static async Task ApplyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, IOpenApiSchema error, CancellationToken ct)
    {
        // Catch-all parameters ({**dataItemId}) appear in the document as plain ones.
        var path = context.Description.RelativePath?.TrimEnd('/').Replace("{**", "{", StringComparison.Ordinal).Replace("{*", "{", StringComparison.Ordinal);
        var key = context.Description.HttpMethod + " /" + path;
        if (!ByRoute.TryGetValue(key, out var documented))
        {
            return;
        }
        if (documented.Body is { } body)
        {
            operation.RequestBody ??= new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(JsonObject), null, ct) } },
            };
            foreach (var media in operation.RequestBody.Content?.Values ?? [])
            {
                if (media is OpenApiMediaType editable)
                {
                    editable.Example = JsonNode.Parse(body);
                }
            }
        }
        operation.Parameters ??= [];
        foreach (var parameter in documented.Parameters)
        {
            var existing = operation.Parameters.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == parameter.Name);
            if (existing is null)
            {
                existing = new OpenApiParameter { Name = parameter.Name, In = ParameterLocation.Query, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                operation.Parameters.Add(existing);
            }
            existing.Description = parameter.Description;
            existing.Required = parameter.Required || existing.In == ParameterLocation.Path;
            existing.Example = parameter.Example.Length == 0 ? null : JsonValue.Create(parameter.Example);
        }
        operation.Responses ??= new OpenApiResponses();
        foreach (var errors in documented.Errors.Concat(CommonErrors).GroupBy(e => e.Status).OrderBy(g => g.Key))
        {
            var (status, code, when) = errors.First();
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = OpenApiDocumentation.Error(error,
                string.Join(" Or ", errors.Select(e => $"`{e.Code}`: {e.When}")),
                OpenApiDocumentation.Example(status, code, OpenApiDocumentation.Title(status), when, field: "dataCollectionId"));
        }
    }
}
