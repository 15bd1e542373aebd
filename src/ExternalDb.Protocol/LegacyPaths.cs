namespace ExternalDb.Protocol;

/// <summary>The calls of the legacy (V1/V2) protocol, as paths under an adaptor's base URL, and ExternalDb's extensions of it.</summary>
public static class LegacyPaths
{
    /// <summary>Checks the credentials; the answer's <c>protocolVersion</c> tells V1 (absent) from V2 (2).</summary>
    public const string Provision = "/provision";

    /// <summary>Lists every schema.</summary>
    public const string SchemasList = "/schemas/list";

    /// <summary>Lists every schema's header (id, display name, page size).</summary>
    public const string SchemasListHeaders = "/schemas/list/headers";

    /// <summary>Finds schemas by id.</summary>
    public const string SchemasFind = "/schemas/find";

    /// <summary>Creates a schema (V2).</summary>
    public const string SchemasCreate = "/schemas/create";

    /// <summary>Deletes a schema (an ExternalDb extension; velo has no such call).</summary>
    public const string SchemasDelete = "/schemas/delete";

    /// <summary>Adds a column (V2).</summary>
    public const string ColumnAdd = "/schemas/column/add";

    /// <summary>Removes a column (V2).</summary>
    public const string ColumnRemove = "/schemas/column/remove";

    /// <summary>Finds items.</summary>
    public const string Find = "/data/find";

    /// <summary>Gets one item.</summary>
    public const string Get = "/data/get";

    /// <summary>Counts items.</summary>
    public const string Count = "/data/count";

    /// <summary>Inserts one item.</summary>
    public const string Insert = "/data/insert";

    /// <summary>Inserts items (V2).</summary>
    public const string InsertBulk = "/data/insert/bulk";

    /// <summary>Replaces one item.</summary>
    public const string Update = "/data/update";

    /// <summary>Replaces items (V2).</summary>
    public const string UpdateBulk = "/data/update/bulk";

    /// <summary>Removes one item.</summary>
    public const string Remove = "/data/remove";

    /// <summary>Removes items (V2).</summary>
    public const string RemoveBulk = "/data/remove/bulk";

    /// <summary>Aggregates items (V2).</summary>
    public const string Aggregate = "/data/aggregate";

    /// <summary>Removes every item (V2).</summary>
    public const string Truncate = "/data/truncate";

    /// <summary>Adds references: the V3 body plus <c>collectionName</c> (an ExternalDb extension).</summary>
    public const string ReferencesInsert = "/data/references/insert";

    /// <summary>Removes references (an ExternalDb extension).</summary>
    public const string ReferencesRemove = "/data/references/remove";

    /// <summary>Lists referenced items (an ExternalDb extension).</summary>
    public const string ReferencesQuery = "/data/references/query";

    /// <summary>Changes fields of items in place (an ExternalDb extension).</summary>
    public const string Patch = "/data/patch";

    /// <summary>Lists indexes (an ExternalDb extension).</summary>
    public const string IndexesList = "/indexes/list";

    /// <summary>Creates an index (an ExternalDb extension).</summary>
    public const string IndexesCreate = "/indexes/create";

    /// <summary>Removes an index (an ExternalDb extension).</summary>
    public const string IndexesRemove = "/indexes/remove";

    /// <summary>
    /// The name in a schema's (or the <c>/provision</c> answer's) <c>allowedSchemaOperations</c> that says the adaptor
    /// serves the <c>/schemas/delete</c> extension path (velo lists <c>dropCollection</c> but serves no such path).
    /// </summary>
    public const string SchemasDeleteOperation = "schemasDelete";

    /// <summary>
    /// The name in a schema's (or the <c>/provision</c> answer's) <c>allowedSchemaOperations</c> that says the adaptor
    /// serves the <c>/data/references/*</c> extension paths.
    /// </summary>
    public const string ReferenceOperations = "referenceOperations";

    /// <summary>The name in <c>allowedSchemaOperations</c> that says the adaptor serves <see cref="Patch"/>.</summary>
    public const string PatchOperation = "patch";

    /// <summary>
    /// The name in a schema's (or the <c>/provision</c> answer's) <c>allowedSchemaOperations</c> that says the adaptor
    /// serves the <c>/indexes/*</c> extension paths.
    /// </summary>
    public const string IndexOperations = "indexes";
}
