using System.Data.Common;
using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Schema;
using Npgsql;
using NpgsqlTypes;

namespace ExternalDb.Adaptor.Sql;

/// <summary>PostgreSQL: timestamptz dates, jsonb documents, binary ("C") text order, ILIKE and <c>~</c>.</summary>
internal sealed class PostgresDialect : SqlDialect, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        // Sessions in UTC so that timestamp (without zone) columns of existing tables read and compare as UTC.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Name => "postgres";

    public override string ColumnType(StorageKind kind) => kind switch
    {
        StorageKind.Number => "double precision",
        StorageKind.Boolean => "boolean",
        StorageKind.DateTime => "timestamptz",
        StorageKind.Json => "jsonb",
        _ => "text",
    };

    public override (string FieldType, StorageKind Storage) FromSqlType(string sqlType) => sqlType.ToLowerInvariant() switch
    {
        "text" or "character varying" or "character" or "name" or "citext" => ("TEXT", StorageKind.Text),
        "smallint" or "integer" or "bigint" or "real" or "double precision" or "numeric" => ("NUMBER", StorageKind.Number),
        "boolean" => ("BOOLEAN", StorageKind.Boolean),
        "timestamp with time zone" or "timestamp without time zone" => ("DATETIME", StorageKind.DateTime),
        "json" or "jsonb" => ("OBJECT", StorageKind.Json),
        "date" => ("DATE", StorageKind.Other),
        "time without time zone" or "time with time zone" => ("TIME", StorageKind.Other),
        _ => ("TEXT", StorageKind.Other),
    };

    public override string ColumnRef(FieldInfo field, string? qualifier = null)
    {
        var column = base.ColumnRef(field, qualifier);
        return field.Storage switch
        {
            StorageKind.Other => $"({column})::text",
            StorageKind.Json => $"({column})::jsonb",
            _ => column,
        };
    }

    public override string TextOrder(string column) => $"{column} COLLATE \"C\"";

    // ILIKE lower-cases both sides; so does this, with the parameter folded once at planning instead of once per row.
    public override string TextMatch(string column, TextMatchKind kind, string textParam) => kind switch
    {
        TextMatchKind.Contains => $"strpos(lower({column}), lower({textParam})) > 0",
        TextMatchKind.StartsWith => $"starts_with(lower({column}), lower({textParam}))",
        _ => $"right(lower({column}), char_length(lower({textParam}))) = lower({textParam})",
    };

    public override string RegexMatch(string column, string patternParam) => $"{column} ~ {patternParam}";

    public override string JsonEquals(string column, string jsonParam) => $"{column} = {jsonParam}";

    public override string JsonArrayContains(string column, JsonNode? element, SqlParams ps)
    {
        var p = ps.Add(new JsonArray(element?.DeepClone()).ToJsonString(), StorageKind.Json);
        return $"(jsonb_typeof({column}) = 'array' AND {column} @> {p})";
    }

    // Through text, so that it works on every number type (an integer cannot be compared with 'Infinity').
    public override string IsFiniteNumber(string column) => $"({column})::text NOT IN ('Infinity', '-Infinity', 'NaN')";

    public override string OrderTerm(string column, StorageKind kind, bool descending)
    {
        var term = kind is StorageKind.Text or StorageKind.Other ? TextOrder(column) : column;
        return term + (descending ? " DESC NULLS LAST" : " ASC NULLS FIRST");
    }

    public override (string Join, string Value, string? Type) UnwindArray(string column) =>
        ($"CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({column}) = 'array' THEN {column} ELSE '[]'::jsonb END) AS je(v)", "je.v", null);

    public override string CatalogQuery(bool oneTable) =>
        "SELECT c.table_name, t.table_type, c.column_name, c.data_type FROM information_schema.columns AS c " +
        "JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name " +
        "WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '\\_externaldb\\_%'" +
        (oneTable ? " AND c.table_name = @p0" : "") + " ORDER BY c.table_name, c.ordinal_position";

    public override bool IsView(string tableType) => string.Equals(tableType, "VIEW", StringComparison.OrdinalIgnoreCase);

    public override IReadOnlyList<string> MetadataDdl { get; } =
    [
        "CREATE TABLE IF NOT EXISTS _externaldb_collections (collection_id text PRIMARY KEY, display_name text)",
        "CREATE TABLE IF NOT EXISTS _externaldb_fields (collection_id text NOT NULL, field_key text NOT NULL, field_type text NOT NULL, display_name text, options text, PRIMARY KEY (collection_id, field_key))",
        "CREATE TABLE IF NOT EXISTS _externaldb_references (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, collection_id text NOT NULL, field_key text NOT NULL, referring_id text NOT NULL, referenced_id text NOT NULL, referenced_collection_id text, UNIQUE (collection_id, field_key, referring_id, referenced_id))",
        "CREATE INDEX IF NOT EXISTS _externaldb_references_referenced ON _externaldb_references (referenced_collection_id, referenced_id)",
    ];

    public override async Task<DbConnection> OpenAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

    public override void Bind(DbCommand command, SqlParam param)
    {
        var p = new NpgsqlParameter { ParameterName = param.Name.TrimStart('@') };
        (p.NpgsqlDbType, p.Value) = (param.Kind, param.Value) switch
        {
            (_, bool b) => (NpgsqlDbType.Boolean, b),
            (_, double d) => (NpgsqlDbType.Double, d),
            (_, long l) => (NpgsqlDbType.Bigint, l),
            (_, DateTime d) => (NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(d.ToUniversalTime(), DateTimeKind.Utc)),
            (StorageKind.Json, var v) => (NpgsqlDbType.Jsonb, v ?? DBNull.Value),
            (StorageKind.Number, var v) => (NpgsqlDbType.Double, v ?? DBNull.Value),
            (StorageKind.Boolean, var v) => (NpgsqlDbType.Boolean, v ?? DBNull.Value),
            (StorageKind.DateTime, var v) => (NpgsqlDbType.TimestampTz, v ?? DBNull.Value),
            (StorageKind.Other, var v) => (NpgsqlDbType.Unknown, v ?? DBNull.Value),
            (_, var v) => (NpgsqlDbType.Text, v ?? DBNull.Value),
        };
        command.Parameters.Add(p);
    }

    public override bool IsUniqueViolation(Exception ex) => ex is PostgresException { SqlState: "23505" };

    // Class 54: program limit exceeded (statement too complex, too many columns, too many arguments).
    public override bool IsLimitExceeded(Exception ex) => ex is PostgresException pg && pg.SqlState.StartsWith("54", StringComparison.Ordinal);

    public override bool IsTransient(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.LockNotAvailable };

    public override string LockRows => " FOR UPDATE";

    public override SchemaConflict SchemaConflictOf(Exception ex) => (ex as PostgresException)?.SqlState switch
    {
        PostgresErrorCodes.UndefinedTable => SchemaConflict.MissingCollection,
        PostgresErrorCodes.UndefinedColumn => SchemaConflict.MissingField,
        PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateColumn => SchemaConflict.AlreadyExists,
        _ => SchemaConflict.None,
    };

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
