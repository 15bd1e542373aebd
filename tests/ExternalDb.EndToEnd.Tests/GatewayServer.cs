using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ExternalDb.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ExternalDb.TestSupport;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>A real ExternalDb server on a loopback port with its own data directory and a known admin key.</summary>
public sealed class GatewayServer : IAsyncDisposable
{
    public const string AdminKey = "edb_e2e-admin-key-5b1f0c";
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private GatewayServer(WebApplication app, Uri baseAddress, string dataDirectory)
    {
        _app = app;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
        Admin = Http(AdminKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>A raw client with the admin key.</summary>
    public HttpClient Admin { get; }

    public static async Task<GatewayServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("externaldb-e2e-").FullName;
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Auth:BootstrapAdminKey"] = AdminKey,
            ["Probe:Timeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var app = ServerApp.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            if (Environment.GetEnvironmentVariable("E2E_SERVER_LOGS") == "1")
            {
                builder.Logging.AddSimpleConsole();
            }
        });
        await ServerApp.InitializeAsync(app);
        var address = await LoopbackApp.StartAsync(app);
        return new GatewayServer(app, new Uri(address + "/"), dataDirectory);
    }

    public HttpClient Http(string? apiKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return http;
    }

    /// <summary>Creates a connection and returns the server's answer (the connection object).</summary>
    public async Task<JsonObject> CreateConnectionAsync(string name, string? endpoint, string type, JsonObject? configuration = null)
    {
        var connection = new JsonObject { ["name"] = name };
        if (endpoint is not null)
        {
            connection["endpoint"] = endpoint;
        }
        if (configuration is not null)
        {
            connection["configuration"] = configuration;
        }
        var response = await Admin.PostAsJsonAsync("wix-data/v1/external-database-connections",
            new JsonObject { ["externalDatabaseConnection"] = connection, ["connectionType"] = type });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, body?.ToJsonString());
        return body!["externalDatabaseConnection"]!.AsObject();
    }

    public async Task<JsonObject> UpdateConnectionAsync(string name, string endpoint, JsonObject? configuration = null)
    {
        var connection = new JsonObject { ["name"] = name, ["endpoint"] = endpoint };
        if (configuration is not null)
        {
            connection["configuration"] = configuration;
        }
        var response = await Admin.PutAsJsonAsync($"wix-data/v1/external-database-connections/{name}", new JsonObject { ["externalDatabaseConnection"] = connection });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, body?.ToJsonString());
        return body!["externalDatabaseConnection"]!.AsObject();
    }

    /// <summary>Posts <paramref name="body"/> and returns status and JSON answer.</summary>
    public static async Task<(int Status, JsonObject Body)> PostAsync(HttpClient http, string path, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject());
    }

    public static async Task<(int Status, JsonObject Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject());
    }

    public static async Task<(int Status, JsonObject Body)> DeleteAsync(HttpClient http, string path)
    {
        using var response = await http.DeleteAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text.Length == 0 ? "{}" : text)!.AsObject());
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
