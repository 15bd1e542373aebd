using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Data;

/// <summary>A field as a create/update request defines it.</summary>
internal sealed record FieldSpec(string Key, string Type, string? DisplayName, string? ReferencedCollectionId);

/// <summary>
/// Collections = the tables (and views) of the database, with the field types SQL cannot express kept in
/// <c>_externaldb_fields</c>. Creates, changes and drops tables.
/// </summary>
internal sealed class Catalog(SqlDialect dialect)
{
    private static readonly string[] SystemFields = ["_id", "_createdDate", "_updatedDate", "_owner"];

    /// <summary>How long a collection's description is reused; changes made outside the adaptor show after this.</summary>
    private const long CacheMilliseconds = 5_000;

    private readonly SemaphoreSlim _metadataLock = new(1, 1);
    private volatile bool _metadataReady;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Generation, long Expires, CollectionInfo Info)> _cache = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>
    /// Forgets every cached collection description. Schema changes call it when they start and again after they commit,
    /// so that a description read meanwhile (of the old schema) is never reused.
    /// </summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    public SqlDialect Dialect => dialect;

    /// <summary>The records of the indexes the adaptor made.</summary>
    public IndexRecords Indexes { get; } = new(dialect);

    private FieldTypeChanger TypeChanges => new(dialect, Indexes);

    /// <summary>Creates the adaptor's own tables once per process.</summary>
    public async Task EnsureMetadataAsync(DbConnection connection, CancellationToken ct)
    {
        if (_metadataReady)
        {
            return;
        }
        await _metadataLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_metadataReady)
            {
                foreach (var ddl in dialect.MetadataDdl)
                {
                    await Db.ExecuteAsync(dialect, connection, null, ddl, null, ct).ConfigureAwait(false);
                }
                _metadataReady = true;
            }
        }
        finally
        {
            _metadataLock.Release();
        }
    }

    public async Task<List<CollectionInfo>> ListAsync(DbConnection connection, DbTransaction? tx, string? only, CancellationToken ct)
    {
        var ps = new SqlParams();
        if (only is not null)
        {
            ps.Add(only);
        }
        var rows = await Db.QueryAsync(dialect, connection, tx, dialect.CatalogQuery(only is not null), ps,
            r => (Table: r.GetString(0), TableType: r.GetString(1), Column: r.GetString(2), SqlType: Db.StringOrNull(r, 3) ?? ""), ct).ConfigureAwait(false);

        var metaPs = new SqlParams();
        var where = only is null ? "" : " WHERE collection_id = " + metaPs.Add(only);
        var meta = await Db.QueryAsync(dialect, connection, tx,
            "SELECT collection_id, field_key, field_type, display_name, options FROM _externaldb_fields" + where, metaPs,
            r => (Collection: r.GetString(0), Key: r.GetString(1), Type: r.GetString(2), DisplayName: Db.StringOrNull(r, 3), Options: Db.StringOrNull(r, 4)), ct).ConfigureAwait(false);
        var names = await Db.QueryAsync(dialect, connection, tx,
            "SELECT collection_id, display_name FROM _externaldb_collections" + where, metaPs,
            r => (Collection: r.GetString(0), DisplayName: Db.StringOrNull(r, 1)), ct).ConfigureAwait(false);

        var metaByKey = meta.ToDictionary(m => (m.Collection, m.Key));
        var nameByCollection = names.ToDictionary(n => n.Collection, n => n.DisplayName, StringComparer.Ordinal);
        var result = new List<CollectionInfo>();
        foreach (var table in rows.GroupBy(r => r.Table, StringComparer.Ordinal))
        {
            var fields = new List<FieldInfo>();
            foreach (var row in table)
            {
                var (type, storage) = dialect.FromSqlType(row.SqlType);
                string? display = null, referenced = null;
                if (metaByKey.TryGetValue((row.Table, row.Column), out var m) && FieldTypeMap.IsKnown(m.Type) && m.Type != "MULTI_REFERENCE")
                {
                    if (storage != StorageKind.Other)
                    {
                        type = m.Type;
                        storage = FieldTypeMap.StorageOf(m.Type);
                    }
                    display = m.DisplayName;
                    referenced = ReferencedCollection(m.Options);
                }
                fields.Add(new FieldInfo(row.Column, type, storage, display, referenced));
            }
            foreach (var m in meta.Where(m => m.Collection == table.Key && m.Type == "MULTI_REFERENCE"))
            {
                if (!fields.Any(f => f.Key == m.Key))
                {
                    fields.Add(new FieldInfo(m.Key, m.Type, StorageKind.None, m.DisplayName, ReferencedCollection(m.Options)));
                }
            }
            result.Add(new CollectionInfo(table.Key, nameByCollection.GetValueOrDefault(table.Key), fields, dialect.IsView(table.First().TableType)));
        }
        return result;
    }

    private static string? ReferencedCollection(string? options) =>
        options is null ? null : QueryParsing.Str((ValueCodec.ParseJsonOrString(options) as JsonObject)?["referencedCollectionId"]);

    public async Task<CollectionInfo> GetAsync(DbConnection connection, DbTransaction? tx, string? collectionId, CancellationToken ct)
    {
        if (!Identifiers.IsPlausibleExistingName(collectionId) || collectionId!.StartsWith(Identifiers.InternalPrefix, StringComparison.Ordinal))
        {
            throw AdaptorException.CollectionNotFound(collectionId ?? "");
        }
        // The catalog look-up is three statements; every item call needs it, so a description is reused for a few seconds.
        var generation = Interlocked.Read(ref _generation);
        if (_cache.TryGetValue(collectionId, out var cached) && cached.Generation == generation && cached.Expires > Environment.TickCount64)
        {
            return cached.Info;
        }
        var list = await ListAsync(connection, tx, collectionId, ct).ConfigureAwait(false);
        var info = list.FirstOrDefault() ?? throw AdaptorException.CollectionNotFound(collectionId);
        if (dialect.ReturnsWrittenRows && info.IsWritable)
        {
            info = info with { IdIsUnique = await IdIsUniqueAsync(connection, tx, info.Id, ct).ConfigureAwait(false) };
        }
        _cache[collectionId] = (generation, Environment.TickCount64 + CacheMilliseconds, info);
        return info;
    }

    private async Task<bool> IdIsUniqueAsync(DbConnection connection, DbTransaction? tx, string table, CancellationToken ct)
    {
        var ps = new SqlParams();
        ps.Add(table);
        var indexes = await Db.QueryAsync(dialect, connection, tx, dialect.IndexStatesQuery, ps,
            r => Flag(r.GetValue(1)) && Flag(r.GetValue(3)), ct).ConfigureAwait(false);
        return indexes.Contains(true);
    }

    internal static bool Flag(object? value) => value is not (null or DBNull) && Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture);

    public async Task CreateAsync(DbConnection connection, DbTransaction tx, string id, string? displayName, IReadOnlyList<FieldSpec> fields, CancellationToken ct)
    {
        Invalidate();
        Identifiers.RequireNewName(id, "collection.id");
        var existing = await ListAsync(connection, tx, null, ct).ConfigureAwait(false);
        if (existing.Any(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase)))
        {
            throw AdaptorException.CollectionAlreadyExists(id);
        }
        var userFields = CheckFields(fields);
        var all = SystemSpecs().Concat(userFields).ToList();
        var columns = all.Where(f => FieldTypeMap.StorageOf(f.Type) != StorageKind.None)
            .Select(f => dialect.Quote(f.Key) + " " + (f.Key == "_id" ? dialect.IdColumnType + " PRIMARY KEY" : dialect.ColumnType(FieldTypeMap.StorageOf(f.Type))));
        await Db.ExecuteAsync(dialect, connection, tx, $"CREATE TABLE {dialect.Quote(id)} ({string.Join(", ", columns)}){dialect.TableOptions}", null, ct).ConfigureAwait(false);
        await SetDisplayNameAsync(connection, tx, id, displayName, ct).ConfigureAwait(false);
        foreach (var f in all)
        {
            await PutFieldMetadataAsync(connection, tx, id, f, ct).ConfigureAwait(false);
        }
    }

    private static IEnumerable<FieldSpec> SystemSpecs() =>
    [
        new FieldSpec("_id", "TEXT", "ID", null),
        new FieldSpec("_createdDate", "DATETIME", "Created Date", null),
        new FieldSpec("_updatedDate", "DATETIME", "Updated Date", null),
        new FieldSpec("_owner", "TEXT", "Owner", null),
    ];

    private static List<FieldSpec> CheckFields(IReadOnlyList<FieldSpec> fields)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<FieldSpec>();
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            if (SystemFields.Contains(f.Key, StringComparer.Ordinal))
            {
                continue;
            }
            Identifiers.RequireNewName(f.Key, $"collection.fields[{i}].key");
            if (!FieldTypeMap.IsKnown(f.Type))
            {
                throw AdaptorException.Validation($"collection.fields[{i}].type", $"Unknown field type {f.Type}", f.Type);
            }
            if (!seen.Add(f.Key))
            {
                throw AdaptorException.Validation($"collection.fields[{i}].key", $"Field {f.Key} is defined twice", f.Key);
            }
            result.Add(f);
        }
        return result;
    }

    public async Task UpdateAsync(DbConnection connection, DbTransaction tx, CollectionInfo current, string? displayName, IReadOnlyList<FieldSpec> fields, CancellationToken ct)
    {
        Invalidate();
        var wanted = CheckFields(fields);
        FieldInfo? Existing(FieldSpec f) => current.Find(f.Key) ?? current.Fields.FirstOrDefault(x => string.Equals(x.Key, f.Key, StringComparison.OrdinalIgnoreCase));
        // Type changes are checked (every value converted) before anything changes.
        var typeChanges = new Dictionary<string, FieldTypeChanger.Prepared>(StringComparer.Ordinal);
        foreach (var f in wanted)
        {
            if (Existing(f) is { } old && old.Storage != FieldTypeMap.StorageOf(f.Type))
            {
                typeChanges[f.Key] = await TypeChanges.PrepareAsync(connection, tx, current, old, f, ct).ConfigureAwait(false);
            }
        }
        foreach (var f in wanted)
        {
            var old = Existing(f);
            if (old is null)
            {
                await AddFieldAsync(connection, tx, current.Id, f, ct).ConfigureAwait(false);
                continue;
            }
            if (typeChanges.TryGetValue(f.Key, out var change))
            {
                await TypeChanges.ApplyAsync(connection, tx, change, ct).ConfigureAwait(false);
            }
            await PutFieldMetadataAsync(connection, tx, current.Id, f with { Key = old.Key }, ct).ConfigureAwait(false);
        }
        foreach (var old in current.Fields.Where(o => !o.IsSystem && !wanted.Any(w => string.Equals(w.Key, o.Key, StringComparison.OrdinalIgnoreCase))))
        {
            await RemoveFieldAsync(connection, tx, current, old.Key, ct).ConfigureAwait(false);
        }
        if (displayName is not null)
        {
            await SetDisplayNameAsync(connection, tx, current.Id, displayName, ct).ConfigureAwait(false);
        }
    }

    public async Task AddFieldAsync(DbConnection connection, DbTransaction tx, string collectionId, FieldSpec f, CancellationToken ct)
    {
        Invalidate();
        Identifiers.RequireNewName(f.Key, "field.key");
        var storage = FieldTypeMap.StorageOf(f.Type);
        if (storage != StorageKind.None)
        {
            await Db.ExecuteAsync(dialect, connection, tx,
                $"ALTER TABLE {dialect.Quote(collectionId)} ADD COLUMN {dialect.Quote(f.Key)} {dialect.ColumnType(storage)}", null, ct).ConfigureAwait(false);
        }
        await PutFieldMetadataAsync(connection, tx, collectionId, f, ct).ConfigureAwait(false);
    }

    public async Task RemoveFieldAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection, string key, CancellationToken ct)
    {
        Invalidate();
        var field = collection.Find(key) ?? throw AdaptorException.Validation("field", $"Unknown field {key}", key);
        if (field.IsSystem)
        {
            throw AdaptorException.ChangeNotSupported(key, $"System field {key} cannot be removed");
        }
        if (field.IsColumn)
        {
            await Indexes.DropIndexesOfFieldAsync(connection, tx, collection.Id, field.Key, ct).ConfigureAwait(false);
            await Db.ExecuteAsync(dialect, connection, tx, dialect.DropColumn(dialect.Quote(collection.Id), dialect.Quote(field.Key)), null, ct).ConfigureAwait(false);
        }
        var ps = new SqlParams();
        var c = ps.Add(collection.Id);
        var k = ps.Add(field.Key);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_fields WHERE collection_id = {c} AND field_key = {k}", ps, ct).ConfigureAwait(false);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_references WHERE collection_id = {c} AND field_key = {k}", ps, ct).ConfigureAwait(false);
    }

    public async Task DropAsync(DbConnection connection, DbTransaction tx, CollectionInfo collection, CancellationToken ct)
    {
        Invalidate();
        await Db.ExecuteAsync(dialect, connection, tx, (collection.IsView ? "DROP VIEW " : "DROP TABLE ") + dialect.Quote(collection.Id), null, ct).ConfigureAwait(false);
        var ps = new SqlParams();
        var c = ps.Add(collection.Id);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_fields WHERE collection_id = {c}", ps, ct).ConfigureAwait(false);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_collections WHERE collection_id = {c}", ps, ct).ConfigureAwait(false);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_references WHERE collection_id = {c} OR referenced_collection_id = {c}", ps, ct).ConfigureAwait(false);
        await Indexes.ForgetCollectionAsync(connection, tx, collection.Id, ct).ConfigureAwait(false);
    }

    private async Task SetDisplayNameAsync(DbConnection connection, DbTransaction tx, string id, string? displayName, CancellationToken ct)
    {
        var ps = new SqlParams();
        var c = ps.Add(id);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_collections WHERE collection_id = {c}", ps, ct).ConfigureAwait(false);
        if (displayName is not null)
        {
            var d = ps.Add(displayName);
            await Db.ExecuteAsync(dialect, connection, tx, $"INSERT INTO _externaldb_collections (collection_id, display_name) VALUES ({c}, {d})", ps, ct).ConfigureAwait(false);
        }
    }

    private async Task PutFieldMetadataAsync(DbConnection connection, DbTransaction tx, string collectionId, FieldSpec f, CancellationToken ct)
    {
        var ps = new SqlParams();
        var c = ps.Add(collectionId);
        var k = ps.Add(f.Key);
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_fields WHERE collection_id = {c} AND field_key = {k}", ps, ct).ConfigureAwait(false);
        var options = f.ReferencedCollectionId is null ? null : new JsonObject { ["referencedCollectionId"] = f.ReferencedCollectionId }.ToJsonString();
        var t = ps.Add(f.Type);
        var d = ps.Add(f.DisplayName);
        var o = ps.Add(options);
        await Db.ExecuteAsync(dialect, connection, tx,
            $"INSERT INTO _externaldb_fields (collection_id, field_key, field_type, display_name, options) VALUES ({c}, {k}, {t}, {d}, {o})", ps, ct).ConfigureAwait(false);
    }
}
