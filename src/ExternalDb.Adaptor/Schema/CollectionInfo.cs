namespace ExternalDb.Adaptor.Schema;

/// <summary>How a field's values are kept in SQL, which decides parameters, operators and sorting.</summary>
internal enum StorageKind
{
    /// <summary>A text column.</summary>
    Text,
    /// <summary>A floating-point or integer column.</summary>
    Number,
    /// <summary>SQLite 0/1, PostgreSQL boolean.</summary>
    Boolean,
    /// <summary>SQLite ISO-8601 text with milliseconds, PostgreSQL timestamptz.</summary>
    DateTime,
    /// <summary>SQLite JSON text, PostgreSQL jsonb.</summary>
    Json,
    /// <summary>A column type of an existing table the adaptor reads and compares as text.</summary>
    Other,
    /// <summary>No column: multi-references live in the junction table.</summary>
    None,
}

/// <summary>One field of a collection.</summary>
internal sealed record FieldInfo(string Key, string Type, StorageKind Storage, string? DisplayName = null, string? ReferencedCollectionId = null)
{
    public bool IsColumn => Storage != StorageKind.None;

    public bool IsArray => FieldTypeMap.IsArrayType(Type);

    public bool IsSystem => Key is "_id" or "_createdDate" or "_updatedDate" or "_owner";
}

/// <summary>A table (or view) seen as a collection.</summary>
internal sealed record CollectionInfo(string Id, string? DisplayName, IReadOnlyList<FieldInfo> Fields, bool IsView)
{
    public FieldInfo? Find(string key) => Fields.FirstOrDefault(f => string.Equals(f.Key, key, StringComparison.Ordinal));

    public bool HasIdColumn => Find("_id") is { IsColumn: true };

    /// <summary>Writable: a real table with an <c>_id</c> column.</summary>
    public bool IsWritable => HasIdColumn && !IsView;

    public IEnumerable<FieldInfo> Columns => Fields.Where(f => f.IsColumn);

    /// <summary>
    /// True when a unique index holds <c>_id</c> alone (the primary key of the collections the adaptor creates): an
    /// insert can then skip taken ids in its own statement. Known only where the dialect uses it (see
    /// <see cref="Sql.SqlDialect.ReturnsWrittenRows"/>).
    /// </summary>
    public bool IdIsUnique { get; init; }
}
