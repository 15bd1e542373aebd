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

    [GeneratedRegex(@"^import: (\d+) inserted, (\d+) failed \((\d+)%\)$", RegexOptions.Multiline)]
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

        Assert.Contains($"Imported items.jsonl into {collectionId}: 100000 inserted, 0 failed (100000 records in ", import.Stdout, StringComparison.Ordinal);
        var progress = ProgressLine().Matches(import.Stderr).Select(m => (Inserted: long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            Failed: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Percent: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        output.WriteLine($"{progress.Count} progress lines; first: {import.Stderr.Split('\n')[0]}");
        // One progress line per bulk call of 1000 items, none with a failure, one of them at 100000 and 100%.
        // (The three senders format their lines outside the lock, so the order of the lines is not asserted.)
        Assert.Equal(lines / 1000, progress.Count);
        Assert.All(progress, p => Assert.Equal(0, p.Failed));
        Assert.Contains((100_000L, 0L, 100), progress);

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
        Assert.Contains($"Imported products.csv into {collectionId}: 3 inserted, 0 failed (3 records in ", import.Stdout, StringComparison.Ordinal);
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
        // "007" is not a plain number: it stays text.
        Assert.Equal("007", c3.Data["note"]!.GetValue<string>());
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
