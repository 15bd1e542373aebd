using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;
using ExternalDb.Protocol;

namespace ExternalDb.Adaptor.Data;

/// <summary>One key of an index: a field or a nested path, ascending or descending.</summary>
internal sealed record IndexKey(string Path, bool Descending);

/// <summary>An index as the protocol defines it.</summary>
internal sealed record IndexDefinition(string Name, IReadOnlyList<IndexKey> Fields, bool Unique, bool CaseInsensitive);

/// <summary>Why an index is FAILED or INVALID: a Wix Data error code and a sentence.</summary>
internal sealed record IndexFailure(string Code, string Description);

/// <summary>An index of a collection with its status (<see cref="IndexStatus"/>).</summary>
internal sealed record CollectionIndex(IndexDefinition Definition, string Status, IndexFailure? Failure);

/// <summary>The index statuses of the protocol.</summary>
internal static class IndexStatus
{
    public const string Building = "BUILDING";
    public const string Active = "ACTIVE";
    public const string Dropped = "DROPPED";
    public const string Failed = "FAILED";
    public const string Invalid = "INVALID";
}

/// <summary>
/// Indexes of collections (<c>/v3/indexes/*</c>): real indexes of the database, with their definitions as the protocol
/// states them kept in <c>_externaldb_indexes</c>. Their SQL names are derived from the collection and index names
/// (<c>edb_{collection}_{name}_{hash}</c>), so index names are per collection as in Wix. The primary key is listed
/// as the system index <c>_id_</c>. SQLite builds at once (ACTIVE or FAILED); PostgreSQL builds
/// <c>CONCURRENTLY</c> in the background (BUILDING, then ACTIVE or FAILED).
/// </summary>
internal sealed class IndexStore(ItemStore items, Catalog catalog, IndexBuilds builds, bool readOnly)
{
    /// <summary>The name of the primary key in index lists.</summary>
    public const string SystemIndexName = "_id_";

    /// <summary>How long a create call waits for a background build before it answers BUILDING.</summary>
    private static readonly TimeSpan BuildWait = TimeSpan.FromSeconds(1);

    private SqlDialect Dialect => catalog.Dialect;

    private IndexRecords Records => catalog.Indexes;

    private sealed record DatabaseIndex(bool Valid, bool Building, bool UniqueOnId);

    public async Task<List<CollectionIndex>> ListAsync(string? collectionId, CancellationToken ct)
    {
        await using var connection = await items.OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        return await ListAsync(connection, collection, ct).ConfigureAwait(false);
    }

    private async Task<List<CollectionIndex>> ListAsync(DbConnection connection, CollectionInfo collection, CancellationToken ct)
    {
        var stored = await Records.StoredAsync(connection, null, collection.Id, ct).ConfigureAwait(false);
        var database = await DatabaseIndexesAsync(connection, collection, ct).ConfigureAwait(false);
        var result = new List<CollectionIndex>();
        if (database.Values.Any(d => d.UniqueOnId))
        {
            result.Add(new CollectionIndex(new IndexDefinition(SystemIndexName, [new IndexKey("_id", false)], true, false), IndexStatus.Active, null));
        }
        result.AddRange(stored.Select(s => State(s, database.GetValueOrDefault(s.SqlName))));
        return result;
    }

    /// <summary>The status of an index from what was recorded, what the database has and whether this process builds it.</summary>
    private CollectionIndex State(StoredIndex s, DatabaseIndex? database)
    {
        var building = builds.IsRunning(s.SqlName) || database?.Building == true;
        var (status, failure) = (s.Status, database) switch
        {
            (IndexStatus.Failed, _) => (IndexStatus.Failed, s.Failure),
            (_, { Valid: true }) => (IndexStatus.Active, null),
            (_, not null) when building => (IndexStatus.Building, null),
            (_, not null) => (IndexStatus.Invalid, new IndexFailure("WDE0112",
                "The build of this index did not complete (the adaptor or the database stopped during it); remove the index and create it again")),
            (IndexStatus.Building, null) when building => (IndexStatus.Building, null),
            (IndexStatus.Building, null) => (IndexStatus.Failed, new IndexFailure("WDE0112", "The build of this index did not complete; remove the index and create it again")),
            _ => (IndexStatus.Dropped, null),
        };
        return new CollectionIndex(s.Definition, status, failure);
    }

    public async Task<CollectionIndex> CreateAsync(string? collectionId, IndexDefinition index, CancellationToken ct)
    {
        if (string.Equals(index.Name, SystemIndexName, StringComparison.OrdinalIgnoreCase))
        {
            throw AdaptorException.Validation("index.name", $"{SystemIndexName} is the name of the primary key", JsonValue.Create(index.Name));
        }
        Identifiers.RequireNewName(index.Name, "index.name");
        await using var connection = await items.OpenAsync(ct).ConfigureAwait(false);
        string sqlName, createSql;
        CollectionInfo collection;
        using (await Dialect.EnterWriteAsync(ct).ConfigureAwait(false))
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            collection = await items.WritableAsync(connection, tx, collectionId, "createIndex", ct).ConfigureAwait(false);
            var terms = index.Fields.Select((key, i) => Term(collection, key, i, index.CaseInsensitive)).ToList();
            var existing = await Records.StoredAsync(connection, tx, collection.Id, ct).ConfigureAwait(false);
            if (existing.Any(s => string.Equals(s.Name, index.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new AdaptorException(AdaptorErrorCodes.IndexAlreadyExists, 409, $"Index {index.Name} already exists in collection {collection.Id}",
                    new JsonObject { ["collectionId"] = collection.Id, ["indexName"] = index.Name });
            }
            CheckLimits(existing, index);
            sqlName = SqlName(collection.Id, index.Name);
            var concurrently = Dialect.BuildsIndexesConcurrently;
            createSql = Dialect.CreateIndex(sqlName, collection.Id, terms, index.Unique, concurrently);
            if (!concurrently)
            {
                var failure = await TryBuildAsync(connection, tx, createSql, index, ct).ConfigureAwait(false);
                await Records.InsertAsync(connection, tx, collection.Id, sqlName, index, failure is null ? IndexStatus.Active : IndexStatus.Failed, failure, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return new CollectionIndex(index, failure is null ? IndexStatus.Active : IndexStatus.Failed, failure);
            }
            // Running (for index lists) from before the record is visible; building only once it is committed.
            var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var (table, create) = (collection.Id, createSql);
            builds.Start(sqlName, async buildCt =>
            {
                await committed.Task.WaitAsync(buildCt).ConfigureAwait(false);
                await BuildInBackgroundAsync(table, index, sqlName, create, buildCt).ConfigureAwait(false);
            });
            try
            {
                await Records.InsertAsync(connection, tx, collection.Id, sqlName, index, IndexStatus.Building, null, ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                committed.SetResult();
            }
            catch
            {
                committed.SetCanceled(CancellationToken.None);
                throw;
            }
        }
        await builds.WaitAsync(sqlName, BuildWait, ct).ConfigureAwait(false);
        return (await ListAsync(connection, collection, ct).ConfigureAwait(false)).FirstOrDefault(i => i.Definition.Name == index.Name)
            ?? new CollectionIndex(index, IndexStatus.Building, null);
    }

    /// <summary>Builds inside the request's transaction (a savepoint, so that a failed build leaves the transaction usable).</summary>
    private async Task<IndexFailure?> TryBuildAsync(DbConnection connection, DbTransaction tx, string createSql, IndexDefinition index, CancellationToken ct)
    {
        await tx.SaveAsync("build_index", ct).ConfigureAwait(false);
        try
        {
            await Db.ExecuteAsync(Dialect, connection, tx, createSql, null, ct).ConfigureAwait(false);
            await tx.ReleaseAsync("build_index", ct).ConfigureAwait(false);
            return null;
        }
        catch (DbException e) when (IsBuildFailure(e))
        {
            await tx.RollbackAsync("build_index", ct).ConfigureAwait(false);
            return Failure(e, index);
        }
    }

    /// <summary>A build failure is the index's own (FAILED); a lost race or a changed schema is the request's (run again).</summary>
    private bool IsBuildFailure(DbException e) => !Dialect.IsTransient(e) && Dialect.SchemaConflictOf(e) == SchemaConflict.None;

    private IndexFailure Failure(DbException e, IndexDefinition index)
    {
        if (Dialect.IsDuplicateKey(e))
        {
            return new IndexFailure("WDE0113",
                $"Items hold the same value in {string.Join(", ", index.Fields.Select(f => f.Path))}, so the unique index {index.Name} cannot be built");
        }
        return Dialect.IsKeyTooLarge(e)
            ? new IndexFailure("WDE0114", $"A value is too large to be indexed: {Dialect.FailureText(e)}")
            : new IndexFailure("WDE0112", $"The index could not be built: {Dialect.FailureText(e)}");
    }

    /// <summary>
    /// The background build: on success the index is recorded ACTIVE; on failure the half-built index is dropped and the
    /// index recorded FAILED with the reason. Cancelled (removed, or the adaptor stopping): nothing is recorded.
    /// </summary>
    private async Task BuildInBackgroundAsync(string collectionId, IndexDefinition index, string sqlName, string createSql, CancellationToken ct)
    {
        try
        {
            await using var connection = await Dialect.OpenAsync(ct).ConfigureAwait(false);
            IndexFailure? failure = null;
            try
            {
                await Db.ExecuteAsync(Dialect, connection, null, createSql, null, ct).ConfigureAwait(false);
            }
            catch (DbException e) when (!ct.IsCancellationRequested)
            {
                failure = Failure(e, index);
                try
                {
                    // PostgreSQL leaves the half-built index behind; other engines leave nothing to drop.
                    await Dialect.DropIndexAsync(connection, null, sqlName, collectionId, concurrently: true, ct).ConfigureAwait(false);
                }
                catch (DbException)
                {
                    // Nothing was left, or it stays listed INVALID until removed.
                }
            }
            await Records.SetStatusAsync(connection, collectionId, index.Name, failure is null ? IndexStatus.Active : IndexStatus.Failed, failure, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or DbException)
        {
            // Cancelled, or the database went away: the index stays as the database has it and is listed INVALID
            // (or FAILED when not even started) until it is removed.
        }
    }

    public async Task RemoveAsync(string? collectionId, string indexName, CancellationToken ct)
    {
        await using var connection = await items.OpenAsync(ct).ConfigureAwait(false);
        var collection = await catalog.GetAsync(connection, null, collectionId, ct).ConfigureAwait(false);
        if (indexName == SystemIndexName)
        {
            throw AdaptorException.Unsupported(collection.Id, "removeIndex", $"{SystemIndexName} is the primary key of {collection.Id}; it cannot be removed");
        }
        if (readOnly)
        {
            throw AdaptorException.Unsupported(collection.Id, "removeIndex", "The adaptor is read-only");
        }
        var stored = (await Records.StoredAsync(connection, null, collection.Id, ct).ConfigureAwait(false)).FirstOrDefault(s => s.Name == indexName)
            ?? throw new AdaptorException(AdaptorErrorCodes.IndexNotFound, 404, $"Index {indexName} not found in collection {collection.Id}",
                new JsonObject { ["collectionId"] = collection.Id, ["indexName"] = indexName });
        await builds.CancelAsync(stored.SqlName).ConfigureAwait(false);
        using (await Dialect.EnterWriteAsync(ct).ConfigureAwait(false))
        {
            // A FAILED index has nothing in the database (and not every engine can drop "if exists").
            var exists = (await DatabaseIndexesAsync(connection, collection, ct).ConfigureAwait(false)).ContainsKey(stored.SqlName);
            var concurrently = Dialect.BuildsIndexesConcurrently;
            if (exists && concurrently)
            {
                await Dialect.DropIndexAsync(connection, null, stored.SqlName, collection.Id, concurrently, ct).ConfigureAwait(false);
            }
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            if (exists && !concurrently)
            {
                await Dialect.DropIndexAsync(connection, tx, stored.SqlName, collection.Id, concurrently, ct).ConfigureAwait(false);
            }
            await Records.DeleteAsync(connection, tx, collection.Id, stored.Name, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>The key of one field of the index, as the queries on that field use it (so that they can use the index).</summary>
    private IndexKeySql Term(CollectionInfo collection, IndexKey key, int i, bool caseInsensitive)
    {
        var errorPath = $"index.fields[{i}].path";
        var path = FieldPath.Resolve(key.Path, collection.Find, errorPath)
            ?? throw new AdaptorException(AdaptorErrorCodes.FieldDoesNotExist, 400, $"{errorPath}: field {key.Path} does not exist in collection {collection.Id}",
                new JsonObject { ["collectionId"] = collection.Id, ["propertyName"] = key.Path, ["fieldPath"] = errorPath });
        if (!path.Field.IsColumn)
        {
            throw AdaptorException.Validation(errorPath, $"{key.Path} is a MULTI_REFERENCE field, which cannot be indexed", JsonValue.Create(key.Path));
        }
        var term = Dialect.IndexTerm(path.Field, path.Segments, caseInsensitive)
            ?? throw AdaptorException.Validation(errorPath,
                $"The {Dialect.Name} engine cannot index {key.Path}{(path.IsNested ? " (a nested path)" : caseInsensitive ? " without case" : $" (a {path.Field.Type} field)")}",
                JsonValue.Create(key.Path));
        return term with { Descending = key.Descending };
    }

    private static void CheckLimits(List<StoredIndex> existing, IndexDefinition index)
    {
        var unique = existing.Count(s => s.Definition.Unique) + (index.Unique ? 1 : 0);
        var regular = existing.Count(s => !s.Definition.Unique) + (index.Unique ? 0 : 1);
        if (existing.Count + 1 > IndexLimits.Total || unique > IndexLimits.Unique || regular > IndexLimits.Regular)
        {
            throw AdaptorException.Validation("index",
                $"A collection has at most {IndexLimits.Regular} regular and {IndexLimits.Unique} unique indexes, {IndexLimits.Total} in all (besides {SystemIndexName})");
        }
    }

    /// <summary><c>edb_{collection}_{name}_{hash}</c>: ASCII, at most 54 characters, unique per collection and name.</summary>
    internal static string SqlName(string collectionId, string indexName)
    {
        static string Part(string s) => new([.. s.Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(20)]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(collectionId + "\0" + indexName)))[..8];
        return $"edb_{Part(collectionId)}_{Part(indexName)}_{hash}";
    }

    private async Task<Dictionary<string, DatabaseIndex>> DatabaseIndexesAsync(DbConnection connection, CollectionInfo collection, CancellationToken ct)
    {
        if (collection.IsView)
        {
            return [];
        }
        var ps = new SqlParams();
        ps.Add(collection.Id);
        var rows = await Db.QueryAsync(Dialect, connection, null, Dialect.IndexStatesQuery, ps, r => (Name: r.GetString(0),
            Index: new DatabaseIndex(Catalog.Flag(r.GetValue(1)), Catalog.Flag(r.GetValue(2)), Catalog.Flag(r.GetValue(3)))), ct).ConfigureAwait(false);
        return rows.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Index, StringComparer.Ordinal);
    }

}
