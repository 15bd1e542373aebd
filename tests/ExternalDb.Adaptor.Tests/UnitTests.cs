using System.Text.Json.Nodes;
using ExternalDb.Adaptor.Errors;
using ExternalDb.Adaptor.Hosting;
using ExternalDb.Adaptor.Query;
using ExternalDb.Adaptor.Schema;
using ExternalDb.Adaptor.Sql;

namespace ExternalDb.Adaptor.Tests;

public sealed class FilterTranslatorTests
{
    private static readonly CollectionInfo Cars = new("cars", null,
    [
        new FieldInfo("_id", "TEXT", StorageKind.Text),
        new FieldInfo("make", "TEXT", StorageKind.Text),
        new FieldInfo("year", "NUMBER", StorageKind.Number),
        new FieldInfo("sold", "BOOLEAN", StorageKind.Boolean),
        new FieldInfo("when", "DATETIME", StorageKind.DateTime),
        new FieldInfo("tags", "ARRAY_STRING", StorageKind.Json),
    ], false);

    private static (string Sql, IReadOnlyList<SqlParam> Params) Translate(SqlDialect dialect, string filterJson)
    {
        var ps = new SqlParams();
        var sql = new FilterTranslator(dialect).Translate(FilterParser.Parse(JsonNode.Parse(filterJson)), Cars.Find, ps);
        return (sql, ps.Items);
    }

    public static TheoryData<string> Dialects => ["sqlite", "postgres"];

    private static SqlDialect Dialect(string name) => name == "sqlite" ? new SqliteDialect("Data Source=:memory:") : new PostgresDialect("Host=127.0.0.1");

    [Fact]
    public void Sqlite_translates_comparisons_into_parameters()
    {
        var (sql, ps) = Translate(Dialect("sqlite"), """{"$and":[{"make":"BMW"},{"year":{"$gte":2015}},{"sold":false}]}""");
        Assert.Equal("(\"make\" = @p0 AND \"year\" >= @p1 AND \"sold\" = @p2)", sql);
        Assert.Equal<object?>(["BMW", 2015d, false], ps.Select(p => p.Value));
    }

    [Fact]
    public void Postgres_uses_lower_case_string_functions_binary_collation_and_jsonb_containment()
    {
        var (sql, ps) = Translate(Dialect("postgres"), """{"make":{"$startsWith":"b%"},"year":{"$lt":3},"tags":{"$hasAll":["x"]}}""");
        Assert.Equal("(starts_with(lower(\"make\"), lower(@p0)) AND \"year\" < @p1 AND ((jsonb_typeof((\"tags\")::jsonb) = 'array' AND (\"tags\")::jsonb @> @p2)))", sql);
        Assert.Equal("b%", ps[0].Value);
        Assert.Equal("[\"x\"]", ps[2].Value);
        var (textSql, _) = Translate(Dialect("postgres"), """{"make":{"$gt":"m"}}""");
        Assert.Equal("\"make\" COLLATE \"C\" > @p0", textSql);
    }

    private static MySqlDialect MariaDb() => new("Server=127.0.0.1;Database=shop", new MySqlServer(IsMariaDb: true, "utf8mb4_nopad_bin", 16 << 20));

    [Fact]
    public void Mysql_quotes_with_backticks_folds_case_for_string_operators_and_keeps_text_binary()
    {
        var (sql, ps) = Translate(MariaDb(), """{"make":{"$startsWith":"b%"},"year":{"$lt":3},"tags":{"$hasAll":["x"]},"sold":{"$ne":true}}""");
        Assert.Equal("(LEFT(LOWER(`make`), CHAR_LENGTH(LOWER(@p0))) = LOWER(@p0) AND `year` < @p1 AND ((JSON_TYPE(`tags`) = 'ARRAY' AND JSON_CONTAINS(`tags`, @p2)))" +
                     " AND (NOT `sold` = @p3 OR `sold` IS NULL))", sql);
        Assert.Equal("b%", ps[0].Value);
        Assert.Equal("[\"x\"]", ps[2].Value);
        Assert.Equal("`make` > @p0", Translate(MariaDb(), """{"make":{"$gt":"m"}}""").Sql);
        Assert.Equal("`we``ird`", MariaDb().Quote("we`ird"));
    }

    [Fact]
    public void Mysql_compares_json_as_documents_per_server()
    {
        var mySql = new MySqlDialect("Server=127.0.0.1;Database=shop", new MySqlServer(IsMariaDb: false, "utf8mb4_0900_bin", 64 << 20));
        var objects = new CollectionInfo("c", null, [new FieldInfo("o", "OBJECT", StorageKind.Json)], false);
        string Equal(SqlDialect d) => new FilterTranslator(d).Translate(FilterParser.Parse(JsonNode.Parse("""{"o":{"a":1}}""")), objects.Find, new SqlParams());
        Assert.Equal("JSON_EQUALS(`o`, @p0) = 1", Equal(MariaDb()));
        Assert.Equal("`o` = CAST(@p0 AS JSON)", Equal(mySql));
    }

    [Theory]
    [InlineData("utf8mb4_nopad_bin|longtext", "TEXT", "Text")]
    [InlineData("utf8mb4_0900_bin|varchar(255)", "TEXT", "Text")]
    [InlineData("utf8mb4_general_ci|varchar(40)", "TEXT", "Other")]
    [InlineData("utf8mb4_bin|text", "TEXT", "Other")]
    [InlineData("|tinyint(1)", "BOOLEAN", "Boolean")]
    [InlineData("|int(10) unsigned", "NUMBER", "Number")]
    [InlineData("|decimal(10,2)", "NUMBER", "Number")]
    [InlineData("|datetime(3)", "DATETIME", "DateTime")]
    [InlineData("|timestamp", "DATETIME", "DateTime")]
    [InlineData("utf8mb4_bin|json", "OBJECT", "Json")]
    [InlineData("|date", "DATE", "Other")]
    [InlineData("|blob", "TEXT", "Other")]
    public void Mysql_types_existing_columns_by_type_and_collation(string catalogType, string fieldType, string storage)
    {
        Assert.Equal((fieldType, Enum.Parse<StorageKind>(storage)), MariaDb().FromSqlType(catalogType));
    }

    [Fact]
    public void Mysql_compares_columns_of_other_collations_in_the_binary_one()
    {
        var legacy = new CollectionInfo("t", null, [new FieldInfo("name", "TEXT", StorageKind.Other)], false);
        var sql = new FilterTranslator(MariaDb()).Translate(FilterParser.Parse(JsonNode.Parse("""{"name":"Bolt"}""")), legacy.Find, new SqlParams());
        Assert.Equal("CAST(`name` AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_nopad_bin = @p0", sql);
    }

    [Fact]
    public void Mysql_updates_from_a_derived_table_of_rows()
    {
        var sql = MariaDb().UpdateFromRows("`t`", ["`_id`", "`a`"], [["@p0", "@p1"], ["@p2", "@p3"]]);
        Assert.Equal("UPDATE `t` JOIN (SELECT @p0 AS `_id`, @p1 AS `a` UNION ALL SELECT @p2, @p3) AS v ON `t`.`_id` = v.`_id` SET `t`.`a` = v.`a`", sql);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void String_operators_pass_the_text_as_one_parameter_without_wildcards(string dialect)
    {
        foreach (var op in new[] { "$contains", "$startsWith", "$endsWith" })
        {
            var (sql, ps) = Translate(Dialect(dialect), "{\"make\":{\"" + op + "\":\"50%_off\"}}");
            Assert.Equal("50%_off", Assert.Single(ps).Value);
            Assert.DoesNotContain("LIKE", sql, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Null_equality_is_is_null_and_ne_includes_nulls(string dialect)
    {
        Assert.Equal("\"make\" IS NULL", Translate(Dialect(dialect), """{"make":null}""").Sql);
        Assert.Equal("\"make\" IS NOT NULL", Translate(Dialect(dialect), """{"make":{"$ne":null}}""").Sql);
        Assert.Equal("(NOT \"make\" = @p0 OR \"make\" IS NULL)", Translate(Dialect(dialect), """{"make":{"$ne":"x"}}""").Sql);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Dates_become_utc_date_parameters_with_milliseconds(string dialect)
    {
        var (sql, ps) = Translate(Dialect(dialect), """{"when":{"$gt":{"$date":"2024-01-02T03:04:05.678Z"}}}""");
        Assert.Equal("\"when\" > @p0", sql);
        var value = Assert.IsType<DateTime>(ps[0].Value);
        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(678, value.Millisecond);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Matches_is_anchored_and_escaped(string dialect)
    {
        var (sql, ps) = Translate(Dialect(dialect), """{"make":{"$matches":{"ignoreCase":true,"spec":[{"type":"literal","value":"a.b"},{"type":"anyOf","value":"xy"}]}}}""");
        Assert.Contains("@p0", sql, StringComparison.Ordinal);
        Assert.Equal("(?i)^a\\.b[xy]$", ps[0].Value);
    }

    [Fact]
    public void V1_tree_filters_parse_like_mongo_filters()
    {
        var tree = Translate(Dialect("sqlite"), """{"kind":"filter","operator":"$and","value":[{"kind":"filter","operator":"$eq","fieldName":"make","value":"BMW"},{"kind":"filter","operator":"$not","value":[{"kind":"filter","operator":"$hasSome","fieldName":"year","value":[1,2]}]}]}""");
        Assert.Equal("(\"make\" = @p0 AND (NOT COALESCE(\"year\" IN (@p1, @p2), FALSE)))", tree.Sql);
    }

    [Theory]
    [InlineData("""{"nosuch":1}""", "nosuch")]
    [InlineData("""{"year":{"$regex":"x"}}""", "$regex")]
    [InlineData("""{"sold":{"$contains":"x"}}""", "$contains")]
    [InlineData("""{"year":{"$gt":"x"}}""", "number")]
    [InlineData("""{"$nor":[]}""", "$nor")]
    [InlineData("""[1,2]""", "object")]
    public void Bad_filters_are_validation_errors(string filter, string mentioned)
    {
        var e = Assert.Throws<AdaptorException>(() => Translate(Dialect("sqlite"), filter));
        Assert.Equal("VALIDATION_ERROR", e.ErrorCode);
        Assert.Equal(400, e.Status);
        Assert.Contains(mentioned, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regex_escaping_neutralises_special_characters()
    {
        Assert.Equal("a\\.\\*\\(x\\)\\'", FilterTranslator.EscapeRegex("a.*(x)'"));
    }
}

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("cars", true)]
    [InlineData("_x-1", true)]
    [InlineData("1cars", false)]
    [InlineData("a b", false)]
    [InlineData("a\"b", false)]
    [InlineData("a;DROP", false)]
    [InlineData("", false)]
    public void New_names_follow_the_pattern(string name, bool valid) => Assert.Equal(valid, Identifiers.IsValidNewName(name));

    [Fact]
    public void New_names_longer_than_63_characters_are_refused()
    {
        Assert.True(Identifiers.IsValidNewName(new string('a', 63)));
        Assert.False(Identifiers.IsValidNewName(new string('a', 64)));
    }

    [Fact]
    public void Reserved_prefixes_are_refused()
    {
        var e = Assert.Throws<AdaptorException>(() => Identifiers.RequireNewName("_externaldb_fields", "collection.id"));
        Assert.Equal("VALIDATION_ERROR", e.ErrorCode);
    }

    [Fact]
    public void Quoting_doubles_embedded_quotes()
    {
        Assert.Equal("\"we\"\"ird\"", Identifiers.Quote("we\"ird"));
        Assert.Throws<ArgumentException>(() => Identifiers.Quote("bad\0name"));
    }
}

public sealed class CursorCodecTests
{
    private static CursorCodec Codec(string? cursorKey = null, string connectionString = "Host=db;Password=one") =>
        new(CursorCodec.KeyFor(new AdaptorOptions { Engine = "postgres", ConnectionString = connectionString, SecretKey = "s", CursorKey = cursorKey }));

    [Fact]
    public void Cursor_round_trips_request_offset_and_typed_sort_values()
    {
        var codec = Codec();
        var request = new JsonObject { ["collectionId"] = "cars", ["query"] = new JsonObject { ["filter"] = new JsonObject { ["a"] = 1 } } };
        var when = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        var cursor = codec.Encode("query", request, 40, [null, "text", 2.5, 7L, true, when]);
        var (decoded, offset, after) = codec.Decode(cursor, "query");
        Assert.Equal(40, offset);
        Assert.True(JsonNode.DeepEquals(request, decoded));
        Assert.Equal([null, "text", 2.5, 7L, true, when], after!);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)after![5]!).Kind);
        Assert.Null(codec.Decode(codec.Encode("query", request, 3), "query").After);
    }

    [Fact]
    public void Tampered_foreign_or_mistyped_cursors_are_refused()
    {
        var codec = Codec();
        var cursor = codec.Encode("query", new JsonObject { ["collectionId"] = "cars" }, 10);
        var tampered = (cursor[0] == 'e' ? 'f' : 'e') + cursor[1..];
        var otherDeployment = Codec(connectionString: "Host=db;Password=two").Encode("query", new JsonObject(), 1);
        foreach (var bad in new[] { tampered, "garbage", "", otherDeployment })
        {
            var e = Assert.Throws<AdaptorException>(() => codec.Decode(bad, "query"));
            Assert.Equal("VALIDATION_ERROR", e.ErrorCode);
        }
        Assert.Throws<AdaptorException>(() => codec.Decode(cursor, "aggregate"));
    }

    [Fact]
    public void Replicas_configured_alike_agree_on_the_key_and_a_configured_key_wins()
    {
        var cursor = Codec().Encode("query", new JsonObject { ["collectionId"] = "cars" }, 10);
        Assert.Equal(10, Codec().Decode(cursor, "query").Offset);

        var key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var configured = Codec(key, "Host=a").Encode("query", new JsonObject(), 5);
        Assert.Equal(5, Codec(key, "Host=b").Decode(configured, "query").Offset);
        Assert.Throws<AdaptorException>(() => Codec().Decode(configured, "query"));
    }
}
