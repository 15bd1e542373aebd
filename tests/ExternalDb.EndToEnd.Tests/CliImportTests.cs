using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ExternalDb.Cli;
using ExternalDb.Client;
using Xunit.Abstractions;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>The import timing is only meaningful when nothing else runs: this collection runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialImportCollection
{
    public const string Name = "CLI import, alone on the machine";
}

/// <summary>
/// <c>extdb import</c> run in-process (<see cref="CliApp.RunAsync"/>) against a real server and our reference adaptor on
/// SQLite connected as V3; the result is checked through the SDK.
/// </summary>
[Collection(SerialImportCollection.Name)]
public sealed partial class CliImportTests(GatewayWithSqliteAdaptorsFixture fixture, ITestOutputHelper output)
    : IClassFixture<GatewayWithSqliteAdaptorsFixture>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("externaldb-e2e-import-");

    private sealed record CliOutcome(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Runs <c>extdb</c> with the server's URL and the admin key, with no environment variables visible.</summary>
    private async Task<CliOutcome> ExtdbAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        string[] full = [.. args, "--url", fixture.Server.BaseAddress.ToString(), "--api-key", GatewayServer.AdminKey];
        var clock = Stopwatch.StartNew();
        var exitCode = await CliApp.RunAsync(full, stdout, stderr, _ => null);
        clock.Stop();
        return new CliOutcome(exitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }

    private (ExternalDbClient Client, HttpClient Http) NewClient()
    {
        var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return (new ExternalDbClient(http, GatewayServer.AdminKey), http);
    }

    private static string Title(int i) => string.Create(CultureInfo.InvariantCulture, $"Item {i} \"quoted\" – ünïcode");

    private static double Price(int i) => i % 1000 + (i % 4) * 0.25;

    [GeneratedRegex(@"^import: (\d+) (?:inserted|saved), (\d+) failed \((\d+)%\)$", RegexOptions.Multiline)]
    private static partial Regex ProgressLine();

    [Fact]
    public async Task Import_of_100000_json_lines_inserts_every_line_and_reports_progress_and_a_summary()
    {
        const int lines = 100_000;
        var connection = fixture.ConnectionFor(AdaptorProtocol.V3);
        var collectionId = $"{connection}/bigimport";
        var file = Path.Combine(_directory.FullName, "items.jsonl");
        await using (var writer = new StreamWriter(file, append: false, new UTF8Encoding(false)))
        {
            for (var i = 1; i <= lines; i++)
            {
                var title = System.Text.Json.JsonSerializer.Serialize(Title(i));
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"_id\": \"i{i:000000}\", \"title\": {title}, \"price\": {Price(i)}, \"inStock\": {(i % 3 == 0 ? "false" : "true")}}}"));
            }
        }
        output.WriteLine($"generated {lines} lines, {new FileInfo(file).Length / 1024.0 / 1024.0:0.0} MiB");

        var create = await ExtdbAsync("collections", "create", collectionId, "--field", "title:TEXT", "--field", "price:NUMBER", "--field", "inStock:BOOLEAN");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var import = await ExtdbAsync("import", file, "--collection", collectionId);
        output.WriteLine($"extdb import of {lines} JSON lines took {import.Elapsed.TotalSeconds:0.00} s (V3, SQLite, default batch size and parallelism)");
        output.WriteLine("stdout: " + import.Stdout.TrimEnd());
        Assert.True(import.ExitCode == 0, $"exit {import.ExitCode}\nstdout: {import.Stdout}\nstderr: {import.Stderr[..Math.Min(4000, import.Stderr.Length)]}");

        Assert.Contains($"Imported items.jsonl into {collectionId}: 100000 inserted, 0 failed (100000 records, ", import.Stdout, StringComparison.Ordinal);
        var progress = ProgressLine().Matches(import.Stderr).Select(m => (Inserted: long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            Failed: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Percent: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        output.WriteLine($"{progress.Count} progress lines; first: {import.Stderr.Split('\n')[0]}");
        // About one progress line per bulk call of 1000 items, none with a failure, never going back, the last at 100000 and 100%.
        Assert.InRange(progress.Count, 10, lines / 1000 + 1);
        Assert.All(progress, p => Assert.Equal(0, p.Failed));
        Assert.Equal(progress.OrderBy(p => p.Inserted).ThenBy(p => p.Percent), progress);
        Assert.Equal((100_000L, 0L, 100), progress[^1]);

        var (client, http) = NewClient();
        using var _ = http;
        Assert.Equal(lines, await client.Items.CountDataItemsAsync(collectionId));
        Assert.Equal(lines / 3, await client.Items.CountDataItemsAsync(collectionId, new DataFilter().Eq("inStock", false).ToJson()));
        foreach (var i in new[] { 1, 54_321, lines })
        {
            var item = await client.Items.GetDataItemAsync(collectionId, string.Create(CultureInfo.InvariantCulture, $"i{i:000000}"));
            Assert.Equal(Title(i), item.Data["title"]!.GetValue<string>());
            Assert.Equal(Price(i), item.Data["price"]!.GetValue<double>());
            Assert.Equal(i % 3 != 0, item.Data["inStock"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task Import_of_a_csv_file_reads_quoted_cells_numbers_and_booleans_and_leaves_empty_cells_out()
    {
        var connection = fixture.ConnectionFor(AdaptorProtocol.V3);
        var collectionId = $"{connection}/csvimport";
        var file = Path.Combine(_directory.FullName, "products.csv");
        await File.WriteAllTextAsync(file, string.Join("\n",
            "_id,title,price,inStock,note",
            "c1,\"Lamp, brass\",25.5,true,bright",
            "c2,\"Say \"\"hi\"\"\",3,false,",
            "c3,\"Two",
            "lines\",0,true,\"007\"",
            ""), new UTF8Encoding(false));
        var (client, http) = NewClient();
        using var _ = http;
        await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = collectionId,
            Fields =
            [
                new DataCollectionField { Key = "title", Type = "TEXT" },
                new DataCollectionField { Key = "price", Type = "NUMBER" },
                new DataCollectionField { Key = "inStock", Type = "BOOLEAN" },
                new DataCollectionField { Key = "note", Type = "TEXT" },
            ],
            Permissions = DataCollectionPermissions.AdminOnly,
        });

        var import = await ExtdbAsync("import", file, "--collection", collectionId);
        output.WriteLine("stdout: " + import.Stdout.TrimEnd());
        output.WriteLine("stderr: " + import.Stderr.TrimEnd());
        Assert.True(import.ExitCode == 0, $"exit {import.ExitCode}\nstdout: {import.Stdout}\nstderr: {import.Stderr}");
        Assert.Contains($"Imported products.csv into {collectionId}: 3 inserted, 0 failed (3 records, ", import.Stdout, StringComparison.Ordinal);
        Assert.Matches(ProgressLine(), import.Stderr);

        Assert.Equal(3, await client.Items.CountDataItemsAsync(collectionId));
        var c1 = await client.Items.GetDataItemAsync(collectionId, "c1");
        Assert.Equal("Lamp, brass", c1.Data["title"]!.GetValue<string>());
        Assert.Equal(25.5, c1.Data["price"]!.GetValue<double>());
        Assert.True(c1.Data["inStock"]!.GetValue<bool>());
        Assert.Equal("bright", c1.Data["note"]!.GetValue<string>());
        var c2 = await client.Items.GetDataItemAsync(collectionId, "c2");
        Assert.Equal("Say \"hi\"", c2.Data["title"]!.GetValue<string>());
        Assert.Equal(3, c2.Data["price"]!.GetValue<double>());
        Assert.False(c2.Data["inStock"]!.GetValue<bool>());
        Assert.Null(c2.Data["note"]);
        var c3 = await client.Items.GetDataItemAsync(collectionId, "c3");
        Assert.Equal("Two\nlines", c3.Data["title"]!.GetValue<string>());
        Assert.Equal(0, c3.Data["price"]!.GetValue<double>());
        // note is a TEXT field: "007" stays text.
        Assert.Equal("007", c3.Data["note"]!.GetValue<string>());
    }

    private static readonly DataCollectionField[] AcceptanceFields =
    [
        new() { Key = "sku", Type = "TEXT" },
        new() { Key = "title", Type = "TEXT" },
        new() { Key = "price", Type = "NUMBER" },
        new() { Key = "inStock", Type = "BOOLEAN" },
        new() { Key = "released", Type = "DATETIME" },
        new() { Key = "note", Type = "TEXT" },
    ];

    private static async Task CreateAsync(ExternalDbClient client, string collectionId) =>
        await client.Collections.CreateDataCollectionAsync(new DataCollection
        {
            Id = collectionId,
            Fields = AcceptanceFields,
            Permissions = DataCollectionPermissions.AdminOnly,
        });

    /// <summary>
    /// 10,000 rows: a digit-only TEXT column with leading zeros, booleans in several spellings, dates, empty cells,
    /// quotes, commas, line breaks and non-ASCII text; rows 1234, 5678 and 9012 hold one bad value each.
    /// Returns the file and the line each bad row starts on.
    /// </summary>
    private async Task<(string File, long[] BadLines)> WriteAcceptanceCsvAsync()
    {
        string[] titles = ["Lamp \"Deluxe\"", "Ñandú, grande", "Café — crème", "Plain", "日本語の本"];
        string[] booleans = ["true", "false", "TRUE", "False"];
        var file = Path.Combine(_directory.FullName, "acceptance.csv");
        var badLines = new List<long>();
        var line = 1L;
        await using (var writer = new StreamWriter(file, append: false, new UTF8Encoding(false)))
        {
            await writer.WriteLineAsync("_id,sku,title,price,inStock,released,note");
            for (var i = 1; i <= 10_000; i++)
            {
                line++;
                var price = i == 1234 ? "abc" : (i * 0.5).ToString("0.00", CultureInfo.InvariantCulture);
                var inStock = i == 5678 ? "maybe" : booleans[i % 4];
                var released = i == 9012 ? "2024-13-45" : string.Create(CultureInfo.InvariantCulture, $"2024-{1 + i % 12:00}-{1 + i % 28:00}T10:{i % 60:00}:00Z");
                var note = i % 3 == 0 ? "" : i % 7 == 0 ? "\"two\nlines\"" : "n" + i.ToString(CultureInfo.InvariantCulture);
                if (i is 1234 or 5678 or 9012)
                {
                    badLines.Add(line);
                }
                await writer.WriteLineAsync(CsvLine($"r{i:00000}", $"{i % 1000:000}", $"{titles[i % 5]} {i}", price, inStock, released) + "," + note);
                line += note.Count(c => c == '\n');
            }
        }
        return (file, [.. badLines]);
    }

    private static string CsvLine(params string[] cells) =>
        string.Join(',', cells.Select(c => c.IndexOfAny([',', '"', '\n']) < 0 ? c : "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task A_10000_row_csv_with_three_bad_rows_imports_9997_naming_the_bad_lines_and_fields_and_round_trips_as_a_json_array(AdaptorProtocol protocol)
    {
        var connection = fixture.ConnectionFor(protocol);
        var collectionId = $"{connection}/acceptance";
        var copyId = $"{connection}/acceptancecopy";
        var (client, http) = NewClient();
        using var _ = http;
        await CreateAsync(client, collectionId);
        await CreateAsync(client, copyId);
        var (csv, badLines) = await WriteAcceptanceCsvAsync();

        var import = await ExtdbAsync("import", csv, "--collection", collectionId, "-o", "json");
        output.WriteLine(import.Stdout);

        Assert.True(import.ExitCode == 1, import.Stderr);
        var summary = System.Text.Json.Nodes.JsonNode.Parse(import.Stdout)!;
        Assert.Equal(10_000, summary["records"]!.GetValue<long>());
        Assert.Equal(9_997, summary["inserted"]!.GetValue<long>());
        Assert.Equal(3, summary["failed"]!.GetValue<long>());
        var failures = summary["failures"]!.AsArray().Select(f => (Line: f!["line"]!.GetValue<long>(), Field: f["field"]!.GetValue<string>())).ToList();
        Assert.Equal([(badLines[0], "price"), (badLines[1], "inStock"), (badLines[2], "released")], failures);
        Assert.Equal(9_997, await client.Items.CountDataItemsAsync(collectionId));
        var seven = await client.Items.GetDataItemAsync(collectionId, "r00007");
        Assert.Equal("007", seven.Data["sku"]!.GetValue<string>());
        Assert.Equal("two\nlines", seven.Data["note"]!.GetValue<string>());
        Assert.Equal("Ñandú, grande 6", (await client.Items.GetDataItemAsync(collectionId, "r00006")).Data["title"]!.GetValue<string>());
        Assert.Null((await client.Items.GetDataItemAsync(collectionId, "r00003")).Data["note"]);

        var exported = Path.Combine(_directory.FullName, "acceptance.json");
        var export = await ExtdbAsync("export", "--collection", collectionId, "--output-file", exported);
        Assert.True(export.ExitCode == 0, export.Stderr);
        var text = await File.ReadAllTextAsync(exported);
        Assert.Contains("Ñandú", text, StringComparison.Ordinal);
        var array = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsArray();
        Assert.Equal(9_997, array.Count);

        var reimport = await ExtdbAsync("import", exported, "--collection", copyId);
        Assert.True(reimport.ExitCode == 0, reimport.Stdout + reimport.Stderr);
        var copied = Path.Combine(_directory.FullName, "copy.json");
        Assert.Equal(0, (await ExtdbAsync("export", "--collection", copyId, "--output-file", copied)).ExitCode);
        static Dictionary<string, string> ById(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsArray().Select(i => i!.AsObject())
            .ToDictionary(i => i["_id"]!.GetValue<string>(), i =>
            {
                var data = i.DeepClone().AsObject();
                data.Remove("_createdDate");
                data.Remove("_updatedDate");
                return data.ToJsonString();
            });
        Assert.Equal(ById(text), ById(await File.ReadAllTextAsync(copied)));
    }

    [Theory]
    [InlineData(AdaptorProtocol.V3)]
    [InlineData(AdaptorProtocol.Standalone)]
    public async Task Values_the_adaptor_refuses_fail_alone_and_the_rest_of_their_batch_goes_in(AdaptorProtocol protocol)
    {
        var connection = fixture.ConnectionFor(protocol);
        var collectionId = $"{connection}/refused";
        var (client, http) = NewClient();
        using var _ = http;
        await CreateAsync(client, collectionId);
        var file = Path.Combine(_directory.FullName, "refused.jsonl");
        // A number in the TEXT field sku: only the adaptor can refuse it (JSON lines are sent as they are).
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 2500).Select(i => i is 17 or 1500 or 2499
            ? $$"""{"_id": "j{{i}}", "sku": {{i}}}"""
            : $$"""{"_id": "j{{i}}", "sku": "{{i:000}}"}"""));

        var import = await ExtdbAsync("import", file, "--collection", collectionId);
        output.WriteLine(import.Stdout);

        Assert.Equal(1, import.ExitCode);
        Assert.Contains($"Imported refused.jsonl into {collectionId}: 2497 inserted, 3 failed (2500 records, ", import.Stdout, StringComparison.Ordinal);
        foreach (var line in new[] { 17, 1500, 2499 })
        {
            Assert.Matches($@"(?m)^  line {line}(, field sku)?: WDE0075 .*sku", import.Stdout);
        }
        Assert.Equal(2497, await client.Items.CountDataItemsAsync(collectionId));
    }

    [Fact]
    public async Task Import_of_1000_lines_of_300_characters_and_one_item_near_the_500_kB_limit_inserts_them_all_over_V3()
    {
        var connection = fixture.ConnectionFor(AdaptorProtocol.V3);
        var collectionId = $"{connection}/largeimport";
        var file = Path.Combine(_directory.FullName, "large.jsonl");
        await using (var writer = new StreamWriter(file, append: false, new UTF8Encoding(false)))
        {
            for (var i = 1; i <= 1000; i++)
            {
                var text = string.Concat(Enumerable.Repeat(Title(i) + " ", 30))[..300];
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"_id\": \"l{i:0000}\", \"title\": {System.Text.Json.JsonSerializer.Serialize(text)}, \"price\": {i}}}"));
            }
            await writer.WriteLineAsync($"{{\"_id\": \"near-limit\", \"title\": \"{new string('z', 495_000)}\", \"price\": 0}}");
        }
        var create = await ExtdbAsync("collections", "create", collectionId, "--field", "title:TEXT", "--field", "price:NUMBER");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var import = await ExtdbAsync("import", file, "--collection", collectionId);

        output.WriteLine("stdout: " + import.Stdout.TrimEnd());
        Assert.True(import.ExitCode == 0, $"exit {import.ExitCode}\nstdout: {import.Stdout}\nstderr: {import.Stderr[..Math.Min(4000, import.Stderr.Length)]}");
        Assert.Contains($"Imported large.jsonl into {collectionId}: 1001 inserted, 0 failed", import.Stdout, StringComparison.Ordinal);
        var (client, http) = NewClient();
        using var _ = http;
        Assert.Equal(1001, await client.Items.CountDataItemsAsync(collectionId));
        Assert.Equal(495_000, (await client.Items.GetDataItemAsync(collectionId, "near-limit")).Data["title"]!.GetValue<string>().Length);
    }

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
