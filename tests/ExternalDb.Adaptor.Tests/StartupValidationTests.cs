using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Tests;

/// <summary>A missing or invalid setting stops start-up with a message naming it.</summary>
public sealed class StartupValidationTests
{
    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        await using var app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(settings));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        return string.Join("; ", e.Failures);
    }

    [Fact]
    public async Task Unknown_engine_is_named()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "oracle", ["Adaptor:SecretKey"] = "x" });
        Assert.Contains("Adaptor:Engine must be sqlite or postgres", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_authentication_refuses_to_start()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "sqlite", ["Adaptor:ConnectionString"] = "Data Source=:memory:" });
        Assert.Contains("Adaptor:SecretKey", message, StringComparison.Ordinal);
        Assert.Contains("Adaptor:JwtPublicKeys", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_key_and_missing_audience_are_named_without_echoing_the_key()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:JwtPublicKeys:0"] = "bm90LWEta2V5" });
        Assert.Contains("Adaptor:JwtPublicKeys:0", message, StringComparison.Ordinal);
        Assert.Contains("Adaptor:Audience", message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90LWEta2V5", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postgres_without_connection_string_is_named()
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = "postgres", ["Adaptor:SecretKey"] = "x" });
        Assert.Contains("Adaptor:ConnectionString", message, StringComparison.Ordinal);
    }
}

/// <summary>With <c>ReadOnly</c>, writes and schema changes are refused and the schemas say so.</summary>
public sealed class ReadOnlyAdaptorTests
{
    [Fact]
    public async Task Read_only_adaptor_refuses_writes_and_advertises_no_schema_changes()
    {
        var dir = Directory.CreateTempSubdirectory("extdb-ro-").FullName;
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Adaptor:ConnectionString"] = $"Data Source={Path.Combine(dir, "ro.db")};Pooling=False",
                ["Adaptor:SecretKey"] = "k",
                ["Adaptor:ReadOnly"] = "true",
            };
            await using var app = AdaptorApp.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(settings));
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            const string context = "\"requestContext\":{\"settings\":{\"secretKey\":\"k\"}}";
            using var create = await http.PostAsync("/schemas/create", new StringContent("{\"collectionName\":\"t\"," + context + "}"));
            Assert.Equal(400, (int)create.StatusCode);
            using var provision = await http.PostAsync("/provision", new StringContent("{" + context + "}"));
            Assert.Equal(200, (int)provision.StatusCode);
            await app.StopAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
