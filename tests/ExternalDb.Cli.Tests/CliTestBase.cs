using System.Text.Json.Nodes;
using ExternalDb.Tests;

namespace ExternalDb.Cli.Tests;

/// <summary>A fake server on a loopback port and a temporary folder per test; runs extdb in-process against them.</summary>
public abstract class CliTestBase : IAsyncLifetime
{
    protected FakeServer Server { get; private set; } = null!;

    protected string Directory { get; } = Path.Combine(Path.GetTempPath(), "extdb-cli-tests-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Server = await FakeServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    protected sealed record Outcome(int Exit, string Stdout, string Stderr);

    /// <summary>Runs extdb against the fake server with no environment variables, unless <paramref name="environment"/> gives some.</summary>
    protected async Task<Outcome> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null, bool withUrl = true)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] all = withUrl ? ["--url", Server.BaseAddress.ToString(), "--api-key", "secret-key-123", .. args] : args;
        var exit = await CliApp.RunAsync(all, stdout, stderr, name => environment?.GetValueOrDefault(name));
        return new Outcome(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A collection definition as the gateway answers <c>GET /wix-data/v2/collections/{id}</c>.</summary>
    protected static FakeResponse CollectionAnswer(string id, params (string Key, string Type)[] fields) => FakeResponse.Ok(new JsonObject
    {
        ["collection"] = new JsonObject
        {
            ["id"] = id,
            ["collectionType"] = "EXTERNAL",
            ["maxPageSize"] = 1000,
            ["pagingModes"] = new JsonArray("OFFSET", "CURSOR"),
            ["fields"] = new JsonArray([.. new[] { ("_id", "TEXT") }.Concat(fields).Select(f => (JsonNode)new JsonObject { ["key"] = f.Item1, ["type"] = f.Item2 })]),
        },
    });
}
