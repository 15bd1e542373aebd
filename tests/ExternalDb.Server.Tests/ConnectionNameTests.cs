using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Server.Connections;
using ExternalDb.Server.Storage;
using ExternalDb.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Tests;

/// <summary>Connection names: NFC, no invisible or unassigned characters, one name per normalized, case-folded form.</summary>
public sealed class ConnectionNameTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private const string NameField = "externalDatabaseConnection.name";
    private readonly ServerInstance _server = fixture.Server;

    private static string Body(string name) =>
        new JsonObject { ["externalDatabaseConnection"] = new JsonObject { ["name"] = name }, ["connectionType"] = "WIX_SERVICE_PLUGIN" }.ToJsonString();

    [Theory]
    [InlineData("zero width space", "demo\u200b")]
    [InlineData("zero width non-joiner", "de\u200cmo")]
    [InlineData("zero width joiner", "de\u200dmo")]
    [InlineData("byte order mark", "\ufeffdemo")]
    [InlineData("left-to-right embedding", "demo\u202a")]
    [InlineData("right-to-left override", "demo\u202eofni")]
    [InlineData("left-to-right isolate", "demo\u2066x\u2069")]
    [InlineData("soft hyphen", "de\u00admo")]
    [InlineData("private use", "demo\ue000")]
    [InlineData("supplementary private use", "demo\U000F0000")]
    [InlineData("unassigned", "demo\u0378")]
    [InlineData("noncharacter", "demo\ufdd0")]
    [InlineData("line separator", "demo\u2028x")]
    [InlineData("escape control", "demo\u001b[31m")]
    public async Task A_name_with_an_invisible_or_unassigned_character_is_refused_naming_the_field(string rule, string name)
    {
        var http = _server.AdminHttp();
        var before = await http.TotalAsync();

        var response = await http.PostJsonAsync(RawApi.Base, Body(name));

        var violations = ErrorAssert.Validation(response, NameField);
        Assert.Contains(violations, v => v!["description"]!.GetValue<string>().Contains("U+", StringComparison.Ordinal));
        Assert.True(before == await http.TotalAsync(), rule);
    }

    [Fact]
    public void A_name_with_an_unpaired_surrogate_breaks_the_name_rules()
    {
        // Through HTTP, the JSON reader meets it first (finding 3 of issue 7); the name rules refuse it on their own too.
        var violations = new List<ExternalDb.Server.Errors.FieldViolation>();

        var name = ConnectionRequestReader.ValidateName("demo\ud800", violations);

        Assert.Null(name);
        Assert.Contains("unpaired surrogate U+D800", Assert.Single(violations).Description, StringComparison.Ordinal);
        Assert.Equal("", ConnectionStore.NameKey("demo\udc00x"));
    }

    [Fact]
    public async Task Two_normal_forms_of_a_name_are_one_name_stored_in_NFC_and_found_by_either()
    {
        var http = _server.AdminHttp();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var nfd = "cafe\u0301-" + suffix;
        var nfc = "caf\u00e9-" + suffix;

        var created = await http.PostJsonAsync(RawApi.Base, Body(nfd));
        var again = await http.PostJsonAsync(RawApi.Base, Body(nfc));
        var byNfd = await http.GetRawAsync(RawApi.Path(nfd));
        var byUpper = await http.GetRawAsync(RawApi.Path("CAFE\u0301-" + suffix.ToUpperInvariant()));

        Assert.True(created.Status == 200, created.Body);
        Assert.Equal(nfc, created.Connection["name"]!.GetValue<string>());
        ErrorAssert.Application(again, 409, "ALREADY_EXISTS");
        Assert.Equal(nfc, byNfd.Connection["name"]!.GetValue<string>());
        Assert.Equal(nfc, byUpper.Connection["name"]!.GetValue<string>());
        Assert.Equal(200, (await http.DeleteRawAsync(RawApi.Path(nfd))).Status);
        Assert.Equal(404, (await http.GetRawAsync(RawApi.Path(nfc))).Status);
    }

    [Theory]
    [InlineData("stra\u00dfe", "STRA\u1e9eE")]
    [InlineData("\u212a-kelvin", "k-kelvin")]
    [InlineData("\u03c3\u03bf\u03c6\u03b9\u03b1", "\u03a3\u039f\u03a6\u0399\u0391")]
    public async Task Names_that_differ_only_in_case_are_one_name(string first, string second)
    {
        var http = _server.AdminHttp();
        var suffix = "-" + Guid.NewGuid().ToString("N")[..8];

        var created = await http.PostJsonAsync(RawApi.Base, Body(first + suffix));
        var again = await http.PostJsonAsync(RawApi.Base, Body(second + suffix));

        Assert.True(created.Status == 200, created.Body);
        ErrorAssert.Application(again, 409, "ALREADY_EXISTS");
        Assert.Equal(200, (await http.GetRawAsync(RawApi.Path(second + suffix))).Status);
    }

    [Fact]
    public void Normalization_casing_and_categories_work_under_invariant_globalization()
    {
        Assert.True(AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant,
            "the tests should run in invariant globalization mode, as the server does");

        // .NET cannot normalize in this mode (it answers its input), hence ConnectionNames.Nfc.
        Assert.Equal("cafe\u0301", "cafe\u0301".Normalize(NormalizationForm.FormC));
        Assert.Equal("caf\u00e9", ConnectionNames.Nfc("cafe\u0301"));
        Assert.Equal("\u1100\u1161\u11a8".Length - 2, ConnectionNames.Nfc("\u1100\u1161\u11a8").Length);
        Assert.Equal("K", ConnectionNames.Nfc("\u212a"));
        Assert.Equal("\u00c9", "\u00e9".ToUpperInvariant());
        Assert.Equal(ConnectionStore.NameKey("stra\u00dfe"), ConnectionStore.NameKey("STRA\u1e9eE"));
        Assert.Equal(ConnectionStore.NameKey("caf\u00e9"), ConnectionStore.NameKey("CAFE\u0301"));
        Assert.Equal(UnicodeCategory.Format, CharUnicodeInfo.GetUnicodeCategory('\u200b'));
        Assert.Equal(UnicodeCategory.Format, CharUnicodeInfo.GetUnicodeCategory('\u202e'));
        Assert.Equal(UnicodeCategory.OtherNotAssigned, CharUnicodeInfo.GetUnicodeCategory('\u0378'));
        Assert.Equal("", ConnectionStore.NameKey("demo\ud800"));
    }

    [Fact]
    public async Task Rows_written_before_names_were_normalized_are_migrated_and_keep_their_secrets()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-names-").FullName;
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory };
        try
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var oldName = "Stra\u1e9ee-cafe\u0301-" + suffix;   // capital sharp s, NFD
            await using (var first = await ServerInstance.StartAsync(settings))
            {
                await first.AdminHttp().CreateRawAsync(WithSecret("plain-" + suffix, "plain-secret"));
                await first.AdminHttp().CreateRawAsync(WithSecret("old-" + suffix, "old-secret"));
            }
            await RewriteAsVersion1Async(dataDirectory, "old-" + suffix, oldName);

            await using var second = await ServerInstance.StartAsync(settings);
            var http = second.AdminHttp();

            var byNfc = await http.GetRawAsync(RawApi.Path("stra\u00dfe-caf\u00e9-" + suffix));
            Assert.True(byNfc.Status == 200, byNfc.Body);
            Assert.Equal(ConnectionNames.Nfc(oldName), byNfc.Connection["name"]!.GetValue<string>());
            Assert.Equal("old-secret", byNfc.Connection["configuration"]!["secretKey"]!.GetValue<string>());
            var plain = await http.GetRawAsync(RawApi.Path("PLAIN-" + suffix));
            Assert.Equal("plain-secret", plain.Connection["configuration"]!["secretKey"]!.GetValue<string>());
            ErrorAssert.Application(await http.PostJsonAsync(RawApi.Base, Body("STRA\u00dfE-CAF\u00c9-" + suffix)), 409, "ALREADY_EXISTS");
        }
        finally
        {
            TempFiles.TryDelete(dataDirectory);
        }
    }

    private static string WithSecret(string name, string secret) => new JsonObject
    {
        ["externalDatabaseConnection"] = new JsonObject { ["name"] = name, ["configuration"] = new JsonObject { ["secretKey"] = secret } },
        ["connectionType"] = "WIX_SERVICE_PLUGIN",
    }.ToJsonString();

    /// <summary>Stores a connection as the server did before: its name as given (NFD), keyed by NFC + upper case, secrets bound to that key.</summary>
    private static async Task RewriteAsVersion1Async(string dataDirectory, string currentName, string oldName)
    {
        var protector = new SecretProtector(Options.Create(new StorageOptions { DataDirectory = dataDirectory }));
        var currentKey = ConnectionStore.NameKey(currentName);
        var oldKey = ConnectionNames.Nfc(oldName).ToUpperInvariant();
        Assert.NotEqual(ConnectionStore.NameKey(oldName), oldKey);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "externaldb.db")};Pooling=False");
        await connection.OpenAsync();
        byte[] configuration, privateKey;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT configuration, private_key FROM connections WHERE name_key = $key";
            read.Parameters.AddWithValue("$key", currentKey);
            await using var reader = await read.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            configuration = protector.Protect(protector.Unprotect((byte[])reader.GetValue(0), "configuration:" + currentKey), "configuration:" + oldKey);
            privateKey = protector.Protect(protector.Unprotect((byte[])reader.GetValue(1), "private-key:" + currentKey), "private-key:" + oldKey);
        }
        await using (var forget = connection.CreateCommand())
        {
            forget.CommandText = "DELETE FROM settings WHERE key = 'connection_name_key_version'";
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }
        await using var write = connection.CreateCommand();
        write.CommandText = "UPDATE connections SET name = $name, name_key = $oldKey, configuration = $configuration, private_key = $privateKey WHERE name_key = $key";
        write.Parameters.AddWithValue("$name", oldName);
        write.Parameters.AddWithValue("$oldKey", oldKey);
        write.Parameters.AddWithValue("$key", currentKey);
        write.Parameters.AddWithValue("$configuration", configuration);
        write.Parameters.AddWithValue("$privateKey", privateKey);
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }
}
