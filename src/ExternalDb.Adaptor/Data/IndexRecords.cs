using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Data;

/// <summary>An index as recorded in <c>_externaldb_indexes</c>: its protocol definition, SQL name and recorded status.</summary>
internal sealed record StoredIndex(string Name, string SqlName, IndexDefinition Definition, string Status, IndexFailure? Failure);

/// <summary>
/// The adaptor's records of the indexes it made (<c>_externaldb_indexes</c>), kept in step with schema changes: a dropped
/// collection forgets its indexes, a dropped column first loses the indexes that use it.
/// </summary>
internal sealed class IndexRecords(SqlDialect dialect)
{
    public async Task<List<StoredIndex>> StoredAsync(DbConnection connection, DbTransaction? tx, string collectionId, CancellationToken ct)
    {
        var ps = new SqlParams();
        var sql = $"SELECT index_name, sql_name, definition, status, failure FROM _externaldb_indexes WHERE collection_id = {ps.Add(collectionId)} ORDER BY index_name";
        return await Db.QueryAsync(dialect, connection, tx, sql, ps, r => new StoredIndex(r.GetString(0), r.GetString(1),
            ParseDefinition(r.GetString(0), r.GetString(2)), r.GetString(3), ParseFailure(Db.StringOrNull(r, 4))), ct).ConfigureAwait(false);
    }

    public async Task InsertAsync(DbConnection connection, DbTransaction tx, string collectionId, string sqlName, IndexDefinition index, string status,
        IndexFailure? failure, CancellationToken ct)
    {
        var ps = new SqlParams();
        var sql = "INSERT INTO _externaldb_indexes (collection_id, index_name, sql_name, definition, status, failure) VALUES " +
                  $"({ps.Add(collectionId)}, {ps.Add(index.Name)}, {ps.Add(sqlName)}, {ps.Add(DefinitionJson(index).ToJsonString())}, {ps.Add(status)}, " +
                  $"{ps.Add(failure is null ? null : FailureJson(failure).ToJsonString())})";
        await Db.ExecuteAsync(dialect, connection, tx, sql, ps, ct).ConfigureAwait(false);
    }

    public async Task SetStatusAsync(DbConnection connection, string collectionId, string indexName, string status, IndexFailure? failure, CancellationToken ct)
    {
        var ps = new SqlParams();
        var sql = $"UPDATE _externaldb_indexes SET status = {ps.Add(status)}, failure = {ps.Add(failure is null ? null : FailureJson(failure).ToJsonString())} " +
                  $"WHERE collection_id = {ps.Add(collectionId)} AND index_name = {ps.Add(indexName)}";
        await Db.ExecuteAsync(dialect, connection, null, sql, ps, ct).ConfigureAwait(false);
    }

    public async Task DeleteAsync(DbConnection connection, DbTransaction tx, string collectionId, string indexName, CancellationToken ct)
    {
        var ps = new SqlParams();
        await Db.ExecuteAsync(dialect, connection, tx,
            $"DELETE FROM _externaldb_indexes WHERE collection_id = {ps.Add(collectionId)} AND index_name = {ps.Add(indexName)}", ps, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops, inside a schema change's transaction, the indexes that use <paramref name="fieldKey"/> (a column about to
    /// be dropped; SQLite refuses to drop an indexed column), and forgets them.
    /// </summary>
    public async Task DropIndexesOfFieldAsync(DbConnection connection, DbTransaction tx, string collectionId, string fieldKey, CancellationToken ct)
    {
        foreach (var s in await IndexesOfFieldAsync(connection, tx, collectionId, fieldKey, ct).ConfigureAwait(false))
        {
            if (s.Status != IndexStatus.Failed)
            {
                await dialect.DropIndexAsync(connection, tx, s.SqlName, collectionId, concurrently: false, ct).ConfigureAwait(false);
            }
            await DeleteAsync(connection, tx, collectionId, s.Name, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The names of the indexes that use <paramref name="fieldKey"/> (whole or a path inside it).</summary>
    public async Task<List<string>> IndexNamesOfFieldAsync(DbConnection connection, DbTransaction? tx, string collectionId, string fieldKey, CancellationToken ct) =>
        [.. (await IndexesOfFieldAsync(connection, tx, collectionId, fieldKey, ct).ConfigureAwait(false)).Select(s => s.Name)];

    private async Task<List<StoredIndex>> IndexesOfFieldAsync(DbConnection connection, DbTransaction? tx, string collectionId, string fieldKey, CancellationToken ct) =>
        [.. (await StoredAsync(connection, tx, collectionId, ct).ConfigureAwait(false))
            .Where(s => s.Definition.Fields.Any(f => f.Path == fieldKey || f.Path.StartsWith(fieldKey + ".", StringComparison.Ordinal)))];

    /// <summary>Forgets every index of a dropped collection (the database dropped them with the table).</summary>
    public async Task ForgetCollectionAsync(DbConnection connection, DbTransaction tx, string collectionId, CancellationToken ct)
    {
        var ps = new SqlParams();
        await Db.ExecuteAsync(dialect, connection, tx, $"DELETE FROM _externaldb_indexes WHERE collection_id = {ps.Add(collectionId)}", ps, ct).ConfigureAwait(false);
    }

    private static JsonObject DefinitionJson(IndexDefinition index) => new()
    {
        ["fields"] = new JsonArray([.. index.Fields.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["order"] = f.Descending ? "DESC" : "ASC" })]),
        ["unique"] = index.Unique,
        ["caseInsensitive"] = index.CaseInsensitive,
    };

    private static IndexDefinition ParseDefinition(string name, string json)
    {
        var o = ValueCodec.ParseJsonOrString(json) as JsonObject ?? [];
        var fields = (o["fields"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(f => new IndexKey(QueryParsing.Str(f["path"]) ?? "", QueryParsing.Str(f["order"]) == "DESC")).ToList();
        return new IndexDefinition(name, fields, o["unique"]?.GetValue<bool>() == true, o["caseInsensitive"]?.GetValue<bool>() == true);
    }

    public static JsonObject FailureJson(IndexFailure failure) => new() { ["code"] = failure.Code, ["description"] = failure.Description };

    private static IndexFailure? ParseFailure(string? json) =>
        json is not null && ValueCodec.ParseJsonOrString(json) is JsonObject o
            ? new IndexFailure(QueryParsing.Str(o["code"]) ?? "WDE0112", QueryParsing.Str(o["description"]) ?? "")
            : null;
}
