using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CsCheck;

namespace ExternalDb.Hostile.Tests;

/// <summary>
/// CsCheck generators of hostile requests, per surface. Every body starts from the shape its endpoint expects, then
/// each field may be left out or replaced by a value of any JSON type, and the whole may be mutated: duplicate keys,
/// deep nesting, huge strings and arrays, invalid UTF-8, escaped lone surrogates, numbers beyond a double, truncation,
/// garbage, a wrong content type. Paths, ids and query strings come from pools of odd spellings.
/// Requests that could change data on purpose (trusted credentials) never name the canary collections or the
/// suite's own connections and keys; everything else may name anything.
/// </summary>
public sealed class HostileGenerators(HostileWorld world)
{
    // ---- text, numbers, values ----

    public static readonly string[] OddTexts =
    [
        "", " ", "\t", "null", "undefined", "true", "0", "-1", "{}", "[]", "{\"$gt\":1}", "'; DROP TABLE canary; --",
        "\" OR 1=1 --", "x\"); DELETE FROM \"canary\"; --", "../../etc/passwd", "..\\..\\windows\\win.ini", "%00", "%s%s%n", "{0}",
        "${jndi:ldap://127.0.0.1:9/a}", "<script>alert(1)</script>", "\u0000", "a\u0000b", "\u202Eevil", "demo\u200B", "café",
        "cafe\u0301", "😀", "𝔘𝔫𝔦", "ǅ", "İstanbul", "straße", "\uFEFFbom", "\uFFFF", "\r\n", "a/b", "/", "//", ".", "..",
        "_id", "$id", "__proto__", "constructor", "x-scratch-1", "hv3/scratch", new string('a', 129), new string('é', 700),
    ];

    private static readonly Gen<string> Ascii = Gen.String[Gen.Char['a', 'z'], 1, 12];

    /// <summary>Text without lone surrogates (what a .NET string can encode to JSON).</summary>
    private static readonly Gen<string> PlainText = Gen.Frequency(
        (8, Ascii),
        (3, Gen.OneOf(OddTexts)),
        (1, Gen.String[Gen.Char[' ', '\uD7FF'], 0, 40]));

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xff], [0xfe, 0xff], [0xc3], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80],
        [0xc0, 0xaf], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80],
    ];

    /// <summary>A JSON string, often well-formed, sometimes not text at all.</summary>
    public static readonly Gen<J> Text = Gen.Frequency(
        (200, PlainText.Select(J.S)),
        (4, Gen.OneOf("\\ud800", "\\udfff", "a\\ud83d", "\\ude00b", "\\udc00\\ud800", "\\ud800\\ud800x", "x\\uDBFF").Select(J.Escaped)),
        (1, Gen.OneOf("\\u", "\\u12", "\\x41", "\\'", "\\", "\\uZZZZ").Select(J.Escaped)),
        (4, Gen.OneOf(InvalidUtf8).Select(b => (J)new JStr([(byte)'a', .. b, (byte)'z']))),
        (1, Gen.OneOf(new byte[] { 0x00 }, [0x01], [0x1f], [0x0a], [0x7f]).Select(b => (J)new JStr(b))),
        (2, Gen.Int[5_000, 120_000].Select(n => J.S(new string('x', n)))));

    /// <summary>A number token: ordinary, at the edges of a double or a long, beyond a double, or not JSON.</summary>
    public static readonly Gen<J> Number = Gen.Frequency(
        (40, Gen.Int.Select(i => J.N(i))),
        (10, Gen.Double[-1e9, 1e9].Select(d => J.Token(d.ToString("R", CultureInfo.InvariantCulture)))),
        (6, Gen.OneOf("1e400", "-1e400", "1E+999", "-0", "0.0", "1e308", "-1.7976931348623157e308", "4.9e-324", "1e-400",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
            "123456789012345678901234567890.5", "2147483648", "-2147483649", "1000000").Select(J.Token)),
        (1, Gen.OneOf("NaN", "Infinity", "-Infinity", "01", "1.", ".5", "-", "+1", "0x1F", "1e", "1_000").Select(J.Token)));

    private static readonly Gen<J> Scalar = Gen.Frequency(
        (5, Text), (4, Number), (1, Gen.Const(J.Null)), (1, Gen.Const(J.True)), (1, Gen.Const(J.False)));

    public static readonly string[] FieldNames =
    [
        "title", "n", "tags", "ref", "_id", "_createdDate", "_updatedDate", "_owner", "nosuch", "a.b", "title.x", "$title", "",
        " ", "TITLE", "1", "'; DROP TABLE canary; --", "\"quoted\"", "x y", "__proto__", new string('f', 300),
    ];

    private static readonly Gen<J> Key = Gen.Frequency((6, Gen.OneOf(FieldNames).Select(J.S)), (2, Text));

    /// <summary>Any JSON value, nested a few levels; rarely a huge array.</summary>
    public static readonly Gen<J> Value = Gen.Frequency(
        (80, Gen.Recursive<J>((depth, self) => depth >= 3
            ? Scalar
            : Gen.Frequency(
                (6, Scalar),
                (1, self.Array[0, 4].Select(a => J.A(a))),
                (1, Gen.Select(Key, self).Array[0, 4].Select(members => (J)new JObj(members)))))),
        (1, Gen.Int[1_000, 100_000].Select(n => (J)new JRaw(Encoding.ASCII.GetBytes("[" + string.Join(',', Enumerable.Repeat("1", n)) + "]")))),
        (1, Gen.Int[65, 3_000].Select(Nested)));

    /// <summary>Arrays and objects nested <paramref name="depth"/> deep.</summary>
    private static J Nested(int depth) =>
        new JRaw(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":[", depth)) + "1" + string.Concat(Enumerable.Repeat("]}", depth))));

    /// <summary>The field holds what it should, a value of any type, or nothing.</summary>
    private static Gen<J?> Field(Gen<J> proper) => Gen.Frequency(
        (20, proper.Select(v => (J?)v)), (2, Value.Select(v => (J?)v)), (1, Gen.Const<J?>((J?)null)));

    /// <summary>A field that most requests leave out: for bodies that list the fields of every operation at once.</summary>
    private static Gen<J?> Sparse(Gen<J> proper) => Gen.Frequency(
        (6, proper.Select(v => (J?)v)), (1, Value.Select(v => (J?)v)), (14, Gen.Const<J?>((J?)null)));

    /// <summary>An object of the given fields, sometimes with a key repeated or an unknown key added.</summary>
    private static Gen<J> Obj(params (string Key, Gen<J?> Value)[] fields)
    {
        var members = Gen.Const(new List<(J, J)>());
        foreach (var (key, value) in fields)
        {
            members = members.SelectMany(list => value.Select(v => v is null ? list : [.. list, (J.S(key), v)]));
        }
        return members.SelectMany(list => Gen.Frequency(
                (40, Gen.Const(list)),
                (1, list.Count == 0 ? Gen.Const(list) : Gen.Int[0, list.Count - 1].SelectMany(i => Value.Select(v => (List<(J, J)>)[.. list, (list[i].Item1, v)]))),
                (1, Gen.Select(Key, Value).Select(extra => (List<(J, J)>)[.. list, extra]))))
            .Select(list => (J)new JObj(list));
    }

    private static Gen<J> Strings(Gen<J> item, int max = 5) => item.Array[0, max].Select(a => J.A(a));

    // ---- bodies ----

    private static readonly string[] WholeBodies =
        ["", "null", "[]", "\"x\"", "{", "}", "{}", "0", "true", "[{}]", "{\"a\":}", "\uFEFF{}", "<xml/>", "a=1&b=2", "{\"a\":1,}", "{'a':1}", "{\"a\" 1}"];

    /// <summary>The template's bytes, most often as they are, else truncated, spliced with garbage, replaced or wrapped deep.</summary>
    private static Gen<byte[]> Body(Gen<J> template) => template.Select(j => j.ToBytes()).SelectMany(bytes => Gen.Frequency(
        (40, Gen.Const(bytes)),
        (1, Gen.Int[0, Math.Max(0, bytes.Length - 1)].Select(n => bytes[..n])),
        (1, Gen.Select(Gen.Int[0, bytes.Length], Gen.OneOf(InvalidUtf8)).Select((i, g) => (byte[])[.. bytes[..i], .. g, .. bytes[i..]])),
        (1, Gen.OneOf(WholeBodies).Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Int[65, 4_000].Select(d => (byte[])[.. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"x\":", d))), .. bytes, .. Encoding.ASCII.GetBytes(new string('}', d))])),
        (1, Gen.Byte.Array[1, 300])));

    private static readonly Gen<string?> ContentType = Gen.Frequency(
        (14, Gen.Const<string?>("application/json")),
        (1, Gen.Const<string?>((string?)null)),
        (1, Gen.OneOf<string?>("text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "multipart/form-data; boundary=x",
            "application/xml", "*/*", "application/json; charset=\"", "application/jsonx")));

    // ---- credentials, ids, paths ----

    private static readonly Gen<Credential> ServerCredential = Gen.Frequency(
        (8, Gen.Const(Credential.Trusted)), (3, Gen.Const(Credential.DataReader)), (2, Gen.Const(Credential.ConnectionsReader)),
        (2, Gen.Const(Credential.None)), (2, Gen.Const(Credential.Wrong)));

    private Gen<(string, string)[]> Authorization(Credential credential) => credential switch
    {
        Credential.Trusted => Gen.Const<(string, string)[]>([("Authorization", "Bearer " + world.AdminKey)]),
        Credential.DataReader => Gen.Const<(string, string)[]>([("Authorization", "Bearer " + world.DataReaderKey)]),
        Credential.ConnectionsReader => Gen.Const<(string, string)[]>([("Authorization", "Bearer " + world.ConnectionsReaderKey)]),
        Credential.None => Gen.Const<(string, string)[]>([]),
        _ => Gen.OneOf("Bearer edb_wrong", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + new string('k', 600), "Bearer " + world.AdminKey + "x",
                "Bearer " + world.AdminKey[..^1], "Token " + world.AdminKey, "Bearer edb_" + new string('0', 40), "Bearer \"\"", "Bearer null")
            .Select(v => new[] { ("Authorization", v) }),
    };

    /// <summary>Whether a name is one of the suite's own connections or canaries, however it is spelled.</summary>
    private static bool Protected(string text, params string[] names)
    {
        foreach (var part in text.Split('/'))
        {
            var letters = new string([.. part.Where(char.IsLetterOrDigit)]).ToUpperInvariant();
            if (names.Contains(letters, StringComparer.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsCanary(string collectionId) => Protected(collectionId, "CANARY", "PRODUCTS");

    private static bool IsOwnConnection(string name) => Protected(name, "HV3", "HV2", "HDEMO");

    private static readonly string[] OddCollectionIds =
    [
        "", "/", "hv3", "hv3/", "/scratch", "hv3//scratch", "hv3/scratch/x", "HV3/scratch", "nosuch/scratch", "hv3/no_such",
        "hv3/ scratch", "hv3/scratch ", "hv3/scratch%00", "hv3/../scratch", "hv3/'; DROP TABLE canary; --", "hv3/\"quoted\"",
        "hv3/" + new string('t', 300), "hv3/sch\u0000", "hv2/_externaldb_meta", "hv2/sqlite_master", "hdemo/sqlite_master",
        "hv3/*", "hv2/%", "hv3/\u202Escratch", "hv3/scratch\u200B", "hv2/scratch", "hdemo/nosuch",
    ];

    private static readonly string[] ScratchCollections = ["hv3/scratch", "hv2/scratch", "hdemo/scratch"];
    private static readonly string[] CanaryCollections = ["hv3/canary", "hv2/canary", "hdemo/products"];

    private static Gen<string> CollectionId(Credential credential) => credential == Credential.Trusted
        ? Gen.Frequency((6, Gen.OneOf(ScratchCollections)), (2, Gen.OneOf(OddCollectionIds)), (1, PlainText.Select(t => "hv3/" + t)))
            .Where(id => !IsCanary(id))
        : Gen.Frequency((5, Gen.OneOf(CanaryCollections)), (2, Gen.OneOf(ScratchCollections)), (2, Gen.OneOf(OddCollectionIds)));

    private static readonly Gen<J> ItemId = Gen.Frequency(
        (12, Gen.OneOf("c00", "c07", "s1", "s2", "nosuch").Select(J.S)), (4, Ascii.Select(J.S)), (2, Text), (1, Number), (1, Gen.Const(J.Null)));

    /// <summary>A path segment: plain, escaped odd text, or raw odd spellings (bad percent-encodings, dot segments, long).</summary>
    private static readonly Gen<string> Segment = Gen.Frequency(
        (5, Ascii),
        (3, PlainText.Select(Uri.EscapeDataString)),
        (3, Gen.OneOf("%ED%A0%80", "%FF", "%C3", "%", "%zz", "%2e%2e", "..%2F..%2F", "a%2Fb", "%00", "..", ".", "c00%2F..%2Fx",
            "%F0%9F%98%80", "%u0041", "+", "%20", "a b", "é", "\u00ff", new string('s', 5_000), "c00;x", "c00?x=1", "%%", "\\")));

    private static readonly Gen<string> QueryValue = Gen.Frequency(
        (4, Gen.Int[-5, 2000].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (3, Segment),
        (1, Gen.OneOf("1e400", "-0", "99999999999999999999", "0x10", "true", "", "[]")));

    private static readonly Gen<string> OddQuery = Gen.Frequency(
        (3, Gen.Const("")),
        (4, Gen.Select(Gen.OneOf("paging.limit", "paging.offset", "limit", "offset", "sort.order", "fields", "consistentRead", "returnTotalCount",
                "paging", "paging.limit.x", ".r", "dataCollectionId", "", "a..b", "$filter", "%FF"), QueryValue)
            .Array[1, 4].Select(pairs => "?" + string.Join('&', pairs.Select(p => $"{p.Item1}={p.Item2}")))),
        (1, Gen.OneOf("?", "?&&", "?=", "?paging.limit=1&paging.limit=2", "?" + new string('q', 9_000), "?a=%FF%FE", "?%ED%A0%80=1")));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // ---- requests ----

    private Gen<HostileRequest> Request(string surface, string target, Gen<string> method, Gen<Credential> credentials,
        Func<Credential, Gen<string>> path, Func<Credential, Gen<byte[]?>> body, bool mayHoldSecrets = false) =>
        from credential in credentials
        from m in method
        from p in path(credential)
        from b in body(credential)
        from contentType in ContentType
        from headers in Authorization(credential)
        from raw in Gen.Int[0, 40]
        select new HostileRequest(surface, target, m, p, headers, b, b is null ? null : contentType, credential,
            raw == 0 && b is { Length: > 2 } ? Transport.Raw : Transport.Http,
            raw == 0 && b is { Length: > 2 } ? b.Length + 100 : null,
            mayHoldSecrets && credential == Credential.Trusted);

    private static Gen<byte[]?> NoBody => Gen.Const<byte[]?>((byte[]?)null);

    private static Gen<byte[]?> Json(Gen<J> template) => Body(template).Select(b => (byte[]?)b);

    // Connections API: create, get, list, update, delete, probe, under both bases.

    private Gen<J> ConnectionBody(Credential credential) => Obj(
        ("externalDatabaseConnection", Field(Obj(
            ("name", Field(Gen.Frequency((3, Ascii.Select(a => J.S("x-" + a))), (2, Text)))),
            ("endpoint", Field(Gen.Frequency(
                (3, Gen.OneOf(world.ClosedEndpoint, world.AdaptorAddress.ToString(), world.ServerAddress + "demo-adaptor", "ftp://127.0.0.1:9", "http://",
                    "http://user:pw@127.0.0.1:9", "http://127.0.0.1:9/#f", "http://[::1]:9", "http://127.0.0.1:99999", "javascript:alert(1)",
                    "file:///etc/passwd", "http://localhost:9", world.ClosedEndpoint + "/" + new string('p', 3000), "http://127.0.0.1:9/%ED%A0%80").Select(J.S)),
                (1, Text)))),
            ("configuration", Field(Gen.Frequency(
                (3, Obj(("secretKey", Field(Text)))),
                (1, Gen.Const(J.O(("secretKey", J.S(world.LegacySecret))))),
                (1, Gen.Int[60_000, 70_000].Select(n => J.O(("secretKey", J.S(new string('k', n))))))))),
            ("publicKey", Field(Text))))),
        ("connectionType", Field(Gen.OneOf("STANDALONE", "WIX_SERVICE_PLUGIN", "WIX_SPI", "standalone", "", "UNKNOWN_CONNECTION_TYPE").Select(J.S))),
        ("options", Field(Obj(("connectionType", Field(Text))))));

    private Gen<string> ConnectionName(Credential credential) => (credential == Credential.Trusted
        ? Gen.Frequency((4, Gen.OneOf([.. HostileWorld.ScratchConnections])), (3, Segment)).Where(n => !IsOwnConnection(Uri.UnescapeDataString(n)))
        : Gen.Frequency((3, Gen.OneOf("hv3", "hv2", "hdemo", "HV3")), (2, Gen.OneOf([.. HostileWorld.ScratchConnections])), (3, Segment)));

    public Gen<HostileRequest> Connections()
    {
        var bases = Gen.OneOf("/wix-data/v1/external-database-connections", "/v1/external-database-connections");
        return Gen.Frequency(
            (4, from b in bases from r in Request("connections", "server", Gen.Frequency((9, Gen.Const("POST")), (1, Gen.OneOf("PATCH", "PUT", "GET"))), ServerCredential,
                    _ => Gen.Const(b), c => Json(ConnectionBody(c)), mayHoldSecrets: true) select r),
            (3, from b in bases from r in Request("connections", "server", Gen.Const("PUT"), ServerCredential,
                    c => ConnectionName(c).Select(n => $"{b}/{n}"), c => Json(ConnectionBody(c)), mayHoldSecrets: true) select r),
            (2, from b in bases from r in Request("connections", "server", Gen.OneOf("GET", "DELETE", "HEAD", "OPTIONS"), ServerCredential,
                    c => ConnectionName(c).Select(n => $"{b}/{n}"), _ => NoBody, mayHoldSecrets: true) select r),
            (1, from b in bases from r in Request("connections", "server", Gen.Const("POST"), ServerCredential,
                    c => ConnectionName(c).Select(n => $"{b}/{n}/probe"), _ => Gen.OneOf(NoBody, Json(Value)), mayHoldSecrets: true) select r),
            (2, from b in bases from r in Request("connections", "server", Gen.Const("GET"), ServerCredential,
                    _ => OddQuery.Select(q => b + q), _ => NoBody, mayHoldSecrets: true) select r));
    }

    // API keys.

    public Gen<HostileRequest> ApiKeys()
    {
        var permission = Gen.Frequency(
            (4, Gen.OneOf("ADMIN", "DATA_READ", "DATA_WRITE", "WIX_DATA.QUERY", "admin", "", "ADMIN ", "WIX_DATA.*", "*").Select(J.S)), (2, Text), (1, Number));
        var body = Obj(("name", Field(Text)), ("permissions", Field(Strings(permission))), ("key", Field(Text)), ("id", Field(Text)));
        var id = Gen.Frequency((3, Segment), (1, Gen.Const(Guid.NewGuid().ToString("N")))).Where(i => !world.KeyIds.Contains(Uri.UnescapeDataString(i)));
        return Gen.Frequency(
            (5, Request("api-keys", "server", Gen.Frequency((9, Gen.Const("POST")), (1, Gen.OneOf("PUT", "PATCH"))), ServerCredential,
                _ => Gen.OneOf("/v1/api-keys", "/v1/api-keys/"), _ => Json(body))),
            (2, Request("api-keys", "server", Gen.Const("GET"), ServerCredential, _ => OddQuery.Select(q => "/v1/api-keys" + q), _ => NoBody)),
            (3, Request("api-keys", "server", Gen.OneOf("DELETE", "GET", "PUT"), ServerCredential, _ => id.Select(i => "/v1/api-keys/" + i), _ => Gen.OneOf(NoBody, Json(body)))));
    }

    // Items: every method of the items API.

    private static readonly string[] Operators =
    [
        "$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$hasSome", "$hasAll", "$in", "$nin", "$contains", "$startsWith", "$endsWith", "$exists",
        "$urlized", "$isEmpty", "$matches", "$regex", "$where", "$not", "$and", "$or", "$nor", "$foo", "eq", "$", "$$gt", "$date",
    ];

    /// <summary>Filters of every shape: comparisons with any operator and operand, logical trees, long LIKE patterns, deep chains.</summary>
    public static readonly Gen<J> Filter = Gen.Frequency(
        (20, Gen.Recursive<J>((depth, self) =>
        {
            var fieldKey = Gen.Frequency((4, Gen.OneOf(FieldNames)), (1, PlainText));
            var leaf = Gen.Frequency(
                (3, Gen.Select(fieldKey, Value).Select((k, v) => J.O((k, v)))),
                (5, Gen.Select(fieldKey, Gen.OneOf(Operators), Gen.Frequency((3, Value), (1, Strings(Scalar)))).Select((k, op, v) => J.O((k, J.O((op, v)))))),
                (1, Gen.Select(fieldKey, Gen.OneOf("$startsWith", "$contains", "$endsWith"), Gen.Int[40_000, 120_000])
                    .Select((k, op, n) => J.O((k, J.O((op, J.S(new string('%', n)))))))),
                (1, Value));
            return depth >= 3 ? leaf : Gen.Frequency(
                (4, leaf),
                (1, self.Array[0, 4].Select(a => J.O(("$and", J.A(a))))),
                (1, self.Array[0, 4].Select(a => J.O(("$or", J.A(a))))),
                (1, self.Select(f => J.O(("$not", f)))));
        })),
        (1, Gen.Int[65, 3_000].Select(d => (J)new JRaw(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"$and\":[", d)) + "{}" + string.Concat(Enumerable.Repeat("]}", d)))))));

    private static readonly Gen<J> Sort = Strings(Obj(
        ("fieldName", Field(Gen.OneOf(FieldNames).Select(J.S))), ("order", Field(Gen.OneOf("ASC", "DESC", "asc", "sideways", "").Select(J.S)))), 3);

    private static readonly Gen<J> Paging = Obj(("limit", Field(Number)), ("offset", Field(Number)));

    private static readonly Gen<J> CursorPaging = Obj(("limit", Field(Number)), ("cursor", Field(Gen.Frequency((2, Text), (1, Ascii.Select(a => J.S(Base64Url(Encoding.UTF8.GetBytes(a)))))))));

    private static readonly Gen<J> Data = Gen.Frequency(
        (12, Obj(("title", Field(Text)), ("n", Field(Number)), ("tags", Field(Strings(Scalar))), ("ref", Field(ItemId)), ("_id", Field(ItemId)),
            ("_createdDate", Field(Gen.OneOf("2024-01-01T00:00:00.000Z", "not a date", "").Select(s => J.O(("$date", J.S(s)))))))),
        (1, Gen.Int[100_000, 520_000].Select(n => J.O(("title", J.S(new string('d', n)))))));

    private static readonly Gen<J> DataItem = Obj(("id", Field(ItemId)), ("data", Field(Data)), ("dataCollectionId", Field(Text)));

    private static readonly Gen<J> Reference = Obj(("referringItemFieldName", Field(Gen.OneOf("ref", "title", "nosuch", "").Select(J.S))),
        ("referringItemId", Field(ItemId)), ("referencedItemId", Field(ItemId)));

    private static readonly Gen<J> Modification = Obj(("action", Field(Gen.OneOf("SET_FIELD", "REMOVE_FIELD", "INCREMENT_FIELD", "APPEND_TO_ARRAY", "REMOVE_FROM_ARRAY", "", "x").Select(J.S))),
        ("fieldPath", Field(Key)), ("setFieldOptions", Field(Obj(("value", Field(Value))))), ("incrementFieldOptions", Field(Obj(("value", Field(Value))))),
        ("appendToArrayOptions", Field(Obj(("value", Field(Value))))), ("removeFromArrayOptions", Field(Obj(("value", Field(Value))))));

    private static readonly Gen<J> Patch = Obj(("dataItemId", Field(ItemId)), ("fieldModifications", Field(Strings(Modification, 6))));

    private static Gen<J> WithCollection(Credential c, params (string Key, Gen<J?> Value)[] fields) =>
        CollectionId(c).SelectMany(id => Obj([("dataCollectionId", Field(Gen.Const(J.S(id)))), .. fields]));

    private static Gen<J> ItemsBody(string operation, Credential c) => operation switch
    {
        "items" or "items/update" or "items/save" => WithCollection(c, ("dataItem", Field(DataItem)), ("returnEntity", Field(Gen.Const(J.True)))),
        "items/query" => WithCollection(c, ("query", Field(Obj(("filter", Field(Filter)), ("sort", Field(Sort)), ("paging", Field(Paging)),
            ("cursorPaging", Field(CursorPaging)), ("fields", Field(Strings(Key)))))), ("returnTotalCount", Field(Gen.Const(J.True))), ("consistentRead", Field(Scalar)),
            ("includeReferences", Field(Strings(Obj(("field", Field(Key)), ("limit", Field(Value))))))),
        "items/count" => WithCollection(c, ("filter", Field(Filter))),
        "items/aggregate" => WithCollection(c, ("initialFilter", Field(Filter)), ("finalFilter", Field(Filter)), ("sort", Field(Sort)), ("paging", Field(Paging)),
            ("cursorPaging", Field(CursorPaging)), ("aggregation", Field(Obj(("groupingFields", Field(Strings(Key))),
                ("operations", Field(Strings(Obj(("resultFieldName", Field(Text)), ("sum", Field(Obj(("itemFieldName", Field(Key))))),
                    ("average", Field(Obj(("itemFieldName", Field(Key))))), ("itemCount", Field(Value)))))))))),
        "items/query-distinct-values" => WithCollection(c, ("fieldName", Field(Key)), ("filter", Field(Filter)), ("order", Field(Text)), ("paging", Field(Paging)), ("cursorPaging", Field(CursorPaging))),
        "items/remove" => WithCollection(c, ("dataItemId", Field(ItemId))),
        "items/truncate" => WithCollection(c),
        "bulk/items/insert" or "bulk/items/update" or "bulk/items/save" => WithCollection(c, ("dataItems", Field(Gen.Frequency((6, Strings(DataItem, 4)), (1, Strings(DataItem, 40))))), ("returnEntity", Field(Scalar))),
        "bulk/items/remove" => WithCollection(c, ("dataItemIds", Field(Strings(ItemId, 30)))),
        "items/patch" => WithCollection(c, ("patch", Field(Patch))),
        "bulk/items/patch" => WithCollection(c, ("patches", Field(Strings(Patch, 10))), ("returnEntity", Field(Scalar))),
        "items/query-referenced" => WithCollection(c, ("referringItemFieldName", Field(Key)), ("referringItemId", Field(ItemId)), ("referringItemIds", Field(Strings(ItemId))),
            ("paging", Field(Paging)), ("cursorPaging", Field(CursorPaging)), ("order", Field(Text))),
        "items/is-referenced" => WithCollection(c, ("referringItemFieldName", Field(Key)), ("referringItemId", Field(ItemId)), ("referencedItemId", Field(ItemId))),
        "items/insert-reference" or "items/remove-reference" => WithCollection(c, ("dataItemReference", Field(Reference))),
        "bulk/items/insert-references" or "bulk/items/remove-references" => WithCollection(c, ("dataItemReferences", Field(Strings(Reference, 30))), ("returnEntity", Field(Scalar))),
        _ => WithCollection(c, ("referringItemFieldName", Field(Key)), ("referringItemId", Field(ItemId)), ("newReferencedItemIds", Field(Strings(ItemId, 30)))),
    };

    private static readonly string[] ItemOperations =
    [
        "items", "items/update", "items/save", "items/query", "items/count", "items/aggregate", "items/query-distinct-values", "items/remove",
        "items/truncate", "bulk/items/insert", "bulk/items/update", "bulk/items/save", "bulk/items/remove", "items/query-referenced",
        "items/is-referenced", "items/insert-reference", "items/remove-reference", "bulk/items/insert-references", "bulk/items/remove-references",
        "items/replace-references", "items/patch", "bulk/items/patch",
    ];

    private static Gen<string> QueryOf(Credential c) =>
        Gen.Select(CollectionId(c), OddQuery).Select((id, q) => $"?dataCollectionId={Uri.EscapeDataString(id)}{(q.Length > 0 ? "&" + q[1..] : "")}");

    public Gen<HostileRequest> Items()
    {
        var prefix = Gen.Frequency((5, Gen.Const("/wix-data/v2/")), (1, Gen.Const("/data/v2/")));
        var rMessage = Gen.Frequency(
            (4, ServerCredential.SelectMany(c => ItemsBody("items/query", c)).Select(j => Base64Url(j.ToBytes()))),
            (1, Gen.OneOf("!!!", "a", "====", "%FF", "e30", "W10", "bnVsbA", new string('A', 20_000))));
        return Gen.Frequency(
            (12, from p in prefix from op in Gen.OneOf(ItemOperations)
                 from r in Request("items", "server", Gen.Frequency((12, Gen.Const("POST")), (1, Gen.OneOf("GET", "PUT", "DELETE", "PATCH"))), ServerCredential,
                     _ => Gen.Const(p + op), c => Json(ItemsBody(op, c)))
                 select r),
            (2, from p in prefix
                from r in Request("items", "server", Gen.OneOf("GET", "DELETE"), ServerCredential,
                    c => Gen.Select(Segment, QueryOf(c)).Select((id, q) => $"{p}items/{id}{q}"), _ => NoBody)
                select r),
            (1, from p in prefix
                from r in Request("items", "server", Gen.Const("PUT"), ServerCredential,
                    c => Segment.Select(id => $"{p}items/{id}"), c => Json(ItemsBody("items/update", c)))
                select r),
            (2, from p in prefix from m in rMessage
                from r in Request("items", "server", Gen.Const("GET"), ServerCredential, _ => Gen.Const($"{p}items/query?.r={m}"), _ => NoBody)
                select r));
    }

    // Collections: list, get, create, update, delete.

    private static readonly Gen<J> FieldSpec = Obj(
        ("key", Field(Key)),
        ("type", Field(Gen.Frequency((4, Gen.OneOf([.. ExternalDb.Protocol.FieldTypes.All])), (1, Gen.OneOf("BANANA", "text", "", "REFERENCE "))).Select(J.S))),
        ("displayName", Field(Text)),
        ("typeMetadata", Field(Obj(("reference", Field(Obj(("referencedCollectionId", Field(Text))))), ("multiReference", Field(Obj(("referencedCollectionId", Field(Text)))))))));

    private static Gen<J> CollectionBody(Credential c, bool create) =>
        (create ? Gen.Frequency((2, Ascii.Select(a => "hv3/h" + a)), (1, CollectionId(c))) : CollectionId(c))
        .SelectMany(id => Obj(("collection", Field(Obj(
            ("id", Field(Gen.Const(J.S(id)))), ("displayName", Field(Text)), ("fields", Field(Strings(FieldSpec, 8))),
            ("revision", Field(Gen.Frequency((1, Text), (1, Number)))),
            ("permissions", Field(Obj(("read", Field(Text)), ("insert", Field(Text))))))))));

    public Gen<HostileRequest> Collections()
    {
        var prefix = Gen.OneOf("/wix-data/v2/collections", "/data/v2/collections");
        return Gen.Frequency(
            (2, from p in prefix from r in Request("collections", "server", Gen.Const("GET"), ServerCredential, _ => OddQuery.Select(q => p + q), _ => NoBody) select r),
            (3, from p in prefix from r in Request("collections", "server", Gen.OneOf("GET", "DELETE"), ServerCredential,
                c => Gen.Frequency((3, CollectionId(c).Select(id => string.Join('/', id.Split('/').Select(Uri.EscapeDataString)))), (1, Segment))
                    .Where(id => c != Credential.Trusted || !IsCanary(Uri.UnescapeDataString(id)))
                    .Select(id => $"{p}/{id}"), _ => NoBody) select r),
            (3, from p in prefix from r in Request("collections", "server", Gen.Frequency((9, Gen.Const("POST")), (1, Gen.OneOf("PATCH", "GET"))), ServerCredential,
                _ => Gen.Const(p), c => Json(CollectionBody(c, create: true))) select r),
            (2, from p in prefix from r in Request("collections", "server", Gen.Const("PUT"), ServerCredential,
                _ => Gen.Const(p), c => Json(CollectionBody(c, create: false))) select r));
    }

    // Our adaptor's V3 endpoints: properly signed tokens carrying hostile requests, and broken tokens.

    private static readonly string[] V3Operations =
    [
        "items/query", "items/count", "items/aggregate", "items/query-distinct-values", "items/insert", "items/update", "items/remove",
        "items/truncate", "items/query-referenced", "items/insert-references", "items/remove-references", "collections/get",
        "collections/create", "collections/update", "collections/delete", "capabilities/get",
    ];

    private static readonly string[] OddV3Paths = ["nope", "items/query/", "", "items", "../provision", "items/%71uery", "ITEMS/QUERY", "items/query;x"];

    /// <summary>Adaptor collection ids: local names (no connection part).</summary>
    private static Gen<string> LocalCollection(Credential c) => c == Credential.Trusted
        ? Gen.Frequency((5, Gen.OneOf(HostileWorld.Scratch, "s2", "nosuch")), (2, PlainText), (1, Gen.OneOf("sqlite_master", "_externaldb_collections", "pg_class")))
            .Where(id => !IsCanary(id))
        : Gen.Frequency((5, Gen.OneOf(HostileWorld.Canary, "products")), (2, Gen.OneOf(HostileWorld.Scratch)), (2, PlainText));

    private static Gen<J> V3Body(Credential c) => LocalCollection(c).SelectMany(id => Obj(
        ("collectionId", Field(Gen.Const(J.S(id)))),
        ("query", Sparse(Obj(("filter", Field(Filter)), ("sort", Field(Sort)), ("paging", Field(Paging)), ("cursorPaging", Sparse(CursorPaging)), ("fields", Sparse(Strings(Key)))))),
        ("items", Sparse(Strings(Data, 20))),
        ("itemIds", Sparse(Strings(ItemId, 20))),
        ("references", Sparse(Strings(Obj(("referringItemId", Field(ItemId)), ("referencedItemId", Field(ItemId))), 10))),
        ("referringFieldKey", Sparse(Key)),
        ("referringItemIds", Sparse(Strings(ItemId))),
        ("fieldName", Sparse(Key)),
        ("filter", Sparse(Filter)),
        ("initialFilter", Sparse(Filter)),
        ("finalFilter", Sparse(Filter)),
        ("aggregation", Sparse(Obj(("groupingFields", Field(Strings(Key))), ("operations", Field(Strings(Obj(("resultFieldName", Field(Text)), ("sum", Sparse(Obj(("itemFieldName", Field(Key))))), ("count", Sparse(Value))))))))),
        ("collection", Sparse(Obj(("id", Field(Gen.Const(J.S(id)))), ("fields", Field(Strings(Obj(("key", Field(Key)), ("type", Field(Gen.OneOf([.. ExternalDb.Protocol.FieldTypes.All]).Select(J.S)))), 6)))))),
        ("collectionIds", Sparse(Strings(Text))),
        ("order", Sparse(Text)),
        ("returnTotalCount", Sparse(Scalar)),
        ("consistentRead", Sparse(Scalar))));

    private static string B64(string json) => Base64Url(Encoding.UTF8.GetBytes(json));

    /// <summary>An ES256 JWT over <paramref name="payload"/> bytes as they are (so they may be as invalid as the request inside).</summary>
    private static string SignRaw(ECDsa key, byte[] payload, string alg = "ES256")
    {
        var signingInput = B64($"{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}") + "." + Base64Url(payload);
        return signingInput + "." + Base64Url(key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256));
    }

    private byte[] Claims(byte[] request, string audience, long iat) =>
        [.. Encoding.UTF8.GetBytes($"{{\"iss\":\"wix.com\",\"aud\":\"{audience}\",\"iat\":{iat},\"exp\":{iat + 60},\"data\":{{\"request\":"),
            .. request, .. Encoding.UTF8.GetBytes($",\"metadata\":{{\"requestId\":\"{Guid.NewGuid()}\",\"instanceId\":\"{world.Audience}\"}}}}}}")];

    private Gen<byte[]?> Token(Credential c)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = Body(V3Body(c));
        if (c == Credential.Trusted)
        {
            return request.Select(r => (byte[]?)Encoding.ASCII.GetBytes(SignRaw(world.SigningKey, Claims(r, world.Audience, now))));
        }
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var strangerKey = stranger.ExportPkcs8PrivateKey();
        return Gen.Frequency(
            (2, request.Select(r => SignRaw(world.SigningKey, Claims(r, world.Audience, now)))
                .SelectMany(t => Gen.OneOf(t[..^1] + (t[^1] == 'A' ? 'B' : 'A'), t[..(t.Length / 2)], t.Replace('.', '!'), t + ".", "." + t, t.Split('.')[0] + ".." + t.Split('.')[2]))),
            (1, request.Select(r => B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url(Claims(r, world.Audience, now)) + ".")),
            (1, request.Select(r => { using var k = ECDsa.Create(); k.ImportPkcs8PrivateKey(strangerKey, out _); return SignRaw(k, Claims(r, world.Audience, now)); })),
            (1, request.Select(r => SignRaw(world.SigningKey, Claims(r, world.Audience, now - 7_200)))),
            (1, request.Select(r => SignRaw(world.SigningKey, Claims(r, "not-the-audience", now)))),
            (1, request.Select(r => SignRaw(world.SigningKey, Claims(r, world.Audience, now), alg: "HS256"))),
            (1, Gen.Int[260_000, 1_200_000].Select(n => new string('a', n) + "." + new string('b', 10) + ".c")),
            (1, Gen.OneOf("", "a.b.c", "...", "null", "{}", "eyJhbGciOiJFUzI1NiJ9", "a.b", "\u00ff.\u00fe.\u00fd")),
            (1, request.Select(r => Encoding.UTF8.GetString(r))))
            .Select(t => (byte[]?)Encoding.UTF8.GetBytes(t));
    }

    private static readonly Gen<Credential> SignedOrBroken = Gen.Frequency((3, Gen.Const(Credential.Trusted)), (2, Gen.Const(Credential.Wrong)), (1, Gen.Const(Credential.None)));

    private Gen<HostileRequest> V3(string surface, string target, string prefix, Gen<Credential> credentials) =>
        from credential in credentials
        from op in Gen.Frequency((10, Gen.OneOf(V3Operations)), (1, Gen.OneOf(OddV3Paths)))
        from token in credential == Credential.None ? Gen.Const<byte[]?>((byte[]?)null) : Token(credential)
        from contentType in Gen.Frequency((8, Gen.Const<string?>("text/plain")), (1, Gen.OneOf<string?>("application/json", null, "application/jwt")))
        from method in Gen.Frequency((15, Gen.Const("POST")), (1, Gen.OneOf("GET", "PUT")))
        select new HostileRequest(surface, target, method, $"{prefix}/v3/{op}", [], token, token is null ? null : contentType, credential);

    public Gen<HostileRequest> AdaptorV3() => V3("adaptor V3", "adaptor", "", SignedOrBroken);

    // Legacy (V1/V2) endpoints, of our adaptor and of the demo adaptor.

    private static readonly string[] LegacyOperations =
    [
        "provision", "schemas/list", "schemas/list/headers", "schemas/find", "schemas/create", "schemas/column/add", "schemas/column/remove",
        "schemas/delete", "data/find", "data/get", "data/count", "data/insert", "data/insert/bulk", "data/update", "data/update/bulk",
        "data/remove", "data/remove/bulk", "data/aggregate", "data/truncate", "data/references/insert", "data/references/remove", "data/references/query",
    ];

    private static Gen<J> RequestContext(Credential c, string secret) => c == Credential.Trusted
        ? Obj(("settings", Gen.Const<J?>(J.O(("secretKey", J.S(secret))))), ("role", Field(Text)), ("instanceId", Field(Text)), ("memberId", Field(Text)))
        : Gen.Frequency(
            (3, Obj(("settings", Field(Obj(("secretKey", Field(Gen.Frequency((3, Text), (1, Gen.OneOf(secret + "x", secret.ToUpperInvariant(), secret[..^1], " " + secret).Select(J.S)))))))),
                ("role", Field(Text)))),
            (1, Value),
            (1, Gen.Const(J.O(("settings", J.O(("secretKey", J.Escaped("\\ud800"))))))));

    private static Gen<J> LegacyBody(Credential c, string secret) =>
        LocalCollection(c).SelectMany(collection => Obj(
            ("requestContext", c == Credential.None ? Gen.Const<J?>((J?)null) : RequestContext(c, secret).Select(j => (J?)j)),
            ("collectionName", Field(Gen.Const(J.S(collection)))),
            ("filter", Sparse(Filter)),
            ("sort", Sparse(Strings(Obj(("fieldName", Field(Key)), ("direction", Field(Gen.OneOf("asc", "desc", "up").Select(J.S))))))),
            ("skip", Sparse(Number)),
            ("limit", Sparse(Number)),
            ("projection", Sparse(Strings(Key))),
            ("item", Sparse(Data)),
            ("items", Sparse(Strings(Data, 20))),
            ("itemId", Sparse(ItemId)),
            ("itemIds", Sparse(Strings(ItemId, 20))),
            ("schemaIds", Sparse(Strings(Text))),
            ("column", Sparse(Obj(("name", Field(Key)), ("type", Field(Gen.OneOf("text", "number", "boolean", "url", "datetime", "image", "object", "reference", "BANANA", "").Select(J.S))),
                ("referencedCollectionId", Sparse(Text))))),
            ("columnName", Sparse(Key)),
            ("displayName", Sparse(Text)),
            ("processingStep", Sparse(Obj(("_id", Field(Value)), ("total", Field(Obj(("$sum", Field(Text)))))))),
            ("postFilteringStep", Sparse(Filter)),
            ("referringFieldKey", Sparse(Key)),
            ("references", Sparse(Strings(Obj(("referringItemId", Field(ItemId)), ("referencedItemId", Field(ItemId))), 10))),
            ("omitTotalCount", Sparse(Scalar))));

    private static readonly Gen<Credential> SecretOrNot = Gen.Frequency((3, Gen.Const(Credential.Trusted)), (3, Gen.Const(Credential.Wrong)), (1, Gen.Const(Credential.None)));

    private static Gen<HostileRequest> Legacy(string surface, string target, string prefix, string secret) =>
        from credential in SecretOrNot
        from op in Gen.Frequency((12, Gen.OneOf(LegacyOperations)), (1, Gen.OneOf("data/", "schemas", "data/find/", "DATA/FIND", "data/%66ind", "v3")))
        from body in Body(LegacyBody(credential, secret))
        from contentType in ContentType
        from method in Gen.Frequency((15, Gen.Const("POST")), (1, Gen.OneOf("GET", "PUT")))
        from raw in Gen.Int[0, 40]
        select new HostileRequest(surface, target, method, $"{prefix}/{op}", [], body, contentType, credential,
            raw == 0 && body.Length > 2 ? Transport.Raw : Transport.Http, raw == 0 && body.Length > 2 ? body.Length + 100 : null);

    public Gen<HostileRequest> AdaptorLegacy() => Legacy("adaptor legacy", "adaptor", "", world.LegacySecret);

    public Gen<HostileRequest> DemoAdaptor() => Gen.Frequency(
        (3, Legacy("demo adaptor", "server", HostileWorld.DemoPrefix, world.DemoSecret)),
        (1, V3("demo adaptor", "server", HostileWorld.DemoPrefix, Gen.Frequency((3, Gen.Const(Credential.Wrong)), (1, Gen.Const(Credential.None))))));
}
