using System.Diagnostics;
using System.Text;
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
        Assert.Contains("Adaptor:Engine must be sqlite, postgres or mysql", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql", null, "Adaptor:ConnectionString is required for the mysql engine")]
    [InlineData("mariadb", "Server=127.0.0.1;User ID=app;Password=hunter2", "Adaptor:ConnectionString must name a Database for the mysql engine")]
    [InlineData("mysql", "Server=127.0.0.1;Password=hunter2;Frobnicate=1", "Adaptor:ConnectionString is not a valid mysql connection string")]
    public async Task Bad_mysql_connection_string_is_named_without_echoing_it(string engine, string? connectionString, string expected)
    {
        var message = await StartFailureAsync(new() { ["Adaptor:Engine"] = engine, ["Adaptor:ConnectionString"] = connectionString, ["Adaptor:SecretKey"] = "x" });
        Assert.Equal(expected, message);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
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
    public async Task Unknown_role_in_permissions_is_named()
    {
        var message = await StartFailureAsync(new()
        {
            ["Adaptor:SecretKey"] = "x",
            ["Adaptor:Permissions:products:Read:0"] = "VISITOR",
            ["Adaptor:Permissions:products:Write:0"] = "EVERYONE",
        });
        Assert.Contains("Adaptor:Permissions:products:Write:0 must be one of OWNER, BACKEND_CODE, MEMBER, VISITOR", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Read:0", message, StringComparison.Ordinal);
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

/// <summary>The stand-alone process (<c>dotnet ExternalDb.Adaptor.dll</c>): a bad configuration is one line on stderr and exit code 2.</summary>
public sealed class AdaptorProcessTests
{
    private sealed record Outcome(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> arguments, params (string Key, string Value)[] environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ExternalDb.Adaptor.dll");
        Assert.True(File.Exists(dll), $"The adaptor is not built next to the tests: {dll}");
        var info = new ProcessStartInfo(ExternalDb.TestSupport.DotnetHost.Path())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var inherited in info.Environment.Keys.Where(k => k.StartsWith("Adaptor__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(inherited);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        return info;
    }

    private static async Task<Outcome> RunAsync(string workingDirectory, params (string Key, string Value)[] environment)
    {
        using var process = new Process { StartInfo = StartInfo(workingDirectory, ["--urls", "http://127.0.0.1:0"], environment) };
        Assert.True(process.Start());
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The adaptor did not exit within 60 s: " + await stdout + await stderr);
        }
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [InlineData("Adaptor__Engine", "oracle", "Adaptor:Engine must be sqlite, postgres or mysql")]
    [InlineData("Adaptor__Engine", "postgres", "Adaptor:ConnectionString is required for the postgres engine")]
    [InlineData("Adaptor__ReadOnly", "maybe", "Adaptor:ReadOnly must be true or false")]
    [InlineData("Adaptor__MaxRequestBodyBytes", "lots", "Adaptor:MaxRequestBodyBytes must be a whole number")]
    public async Task Invalid_configuration_prints_one_line_naming_the_setting_and_exits_with_2(string key, string value, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("extdb-proc-").FullName;
        try
        {
            var outcome = await RunAsync(dir, ("Adaptor__SecretKey", "k"), (key, value));
            Assert.True(outcome.ExitCode == 2, outcome.ToString());
            Assert.Equal("", outcome.StandardOutput);
            Assert.Equal("Invalid adaptor configuration: " + expected + Environment.NewLine, outcome.StandardError);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir)); // nothing created, not even the SQLite file
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_postgres_connection_string_is_named_without_echoing_it()
    {
        var outcome = await RunAsync(Path.GetTempPath(),
            ("Adaptor__SecretKey", "k"), ("Adaptor__Engine", "postgres"), ("Adaptor__ConnectionString", "Host=127.0.0.1;Password=hunter2;Frobnicate=1"));
        Assert.True(outcome.ExitCode == 2, outcome.ToString());
        Assert.Equal("Invalid adaptor configuration: Adaptor:ConnectionString is not a valid postgres connection string" + Environment.NewLine, outcome.StandardError);
        Assert.DoesNotContain("hunter2", outcome.StandardOutput + outcome.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_configuration_serves_requests()
    {
        var dir = Directory.CreateTempSubdirectory("extdb-proc-").FullName;
        using var process = new Process
        {
            StartInfo = StartInfo(dir, ["--urls", "http://127.0.0.1:0"], ("Adaptor__SecretKey", "k"), ("Adaptor__ConnectionString", "Data Source=ok.db;Pooling=False")),
        };
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data?.IndexOf("http://127.0.0.1:", StringComparison.Ordinal) is { } at and >= 0)
            {
                listening.TrySetResult(e.Data[at..].Trim());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        try
        {
            Assert.True(process.Start());
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
            using var provision = await http.PostAsync("/provision", new StringContent("{\"requestContext\":{\"settings\":{\"secretKey\":\"k\"}}}"));
            Assert.Equal(200, (int)provision.StatusCode);
        }
        catch (TimeoutException)
        {
            lock (output)
            {
                Assert.Fail("The adaptor did not start listening: " + output);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            Directory.Delete(dir, recursive: true);
        }
    }
}
