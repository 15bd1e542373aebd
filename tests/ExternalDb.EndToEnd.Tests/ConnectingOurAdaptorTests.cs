using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ExternalDb.Protocol;
using Microsoft.Data.Sqlite;

namespace ExternalDb.EndToEnd.Tests;

/// <summary>Connections made through the connections service to our reference adaptor, over an existing database.</summary>
public sealed class ConnectingOurAdaptorTests
{
    private static string SeededDatabase()
    {
        var path = Path.Combine(Path.GetTempPath(), $"e2e-seeded-{Guid.NewGuid():N}.db");
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE things (_id TEXT PRIMARY KEY, title TEXT, price REAL); INSERT INTO things VALUES ('t1', 'one', 1.5);";
        command.ExecuteNonQuery();
        return $"Data Source={path}";
    }

    [Fact]
    public async Task A_V3_connection_reports_success_collections_and_the_adaptors_own_capabilities()
    {
        var database = SeededDatabase();
        await using var server = await GatewayServer.StartAsync();
        var created = await server.CreateConnectionAsync("ours", null, "WIX_SERVICE_PLUGIN");
        await using var adaptor = await ReferenceAdaptor.StartAsync("sqlite", database,
            publicKey: created["publicKey"]!.GetValue<string>(), audience: created["applicationId"]!.GetValue<string>());
        var connection = await server.UpdateConnectionAsync("ours", adaptor.BaseUrl);

        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>());
        Assert.Equal("NONE", connection["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("YES", connection["connectionStatus"]!["hasCollections"]!.GetValue<string>());
        Assert.Equal("V3", connection["protocolVersion"]!.GetValue<string>());

        // Ask the adaptor itself, with a key of our own, over the same database.
        using var key = V3RequestSigner.CreateKey();
        await using var direct = await ReferenceAdaptor.StartAsync("sqlite", database, publicKey: V3RequestSigner.ExportPublicKey(key), audience: "direct-check");
        using var http = new HttpClient();
        var token = V3RequestSigner.Sign(key, "wix.com", "direct-check", new JsonObject(), V3RequestSigner.AppMetadata("direct-check"), DateTimeOffset.UtcNow);
        using var response = await http.PostAsync(direct.BaseUrl + "/v3/capabilities/get", new StringContent(token, Encoding.UTF8, "text/plain"));
        var own = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(own["supportsCollectionModifications"]!.GetValue<bool>(), connection["capabilities"]!["collectionModificationsSupported"]!.GetValue<bool>());
        Assert.Equal(
            own["supportedFieldTypes"]!.AsArray().Select(t => t!.GetValue<string>()),
            connection["capabilities"]!["fieldTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task A_STANDALONE_connection_with_the_secret_reports_V2_and_collections_and_a_wrong_secret_is_UNAUTHORIZED()
    {
        var database = SeededDatabase();
        await using var server = await GatewayServer.StartAsync();
        await using var adaptor = await ReferenceAdaptor.StartAsync("sqlite", database, secretKey: "right-secret");

        var connection = await server.CreateConnectionAsync("ours", adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = "right-secret" });
        Assert.True(connection["connectionStatus"]!["successful"]!.GetValue<bool>());
        Assert.Equal("YES", connection["connectionStatus"]!["hasCollections"]!.GetValue<string>());
        Assert.Equal("V2", connection["protocolVersion"]!.GetValue<string>());
        Assert.True(connection["capabilities"]!["collectionModificationsSupported"]!.GetValue<bool>());
        Assert.Contains("MULTI_REFERENCE", connection["capabilities"]!["fieldTypes"]!.AsArray().Select(t => t!.GetValue<string>()));

        var wrong = await server.CreateConnectionAsync("wrong", adaptor.BaseUrl, "STANDALONE", new JsonObject { ["secretKey"] = "wrong-secret" });
        Assert.False(wrong["connectionStatus"]!["successful"]!.GetValue<bool>());
        Assert.Equal("UNAUTHORIZED", wrong["connectionStatus"]!["causeOfFailure"]!.GetValue<string>());
        Assert.Equal("UNKNOWN", wrong["connectionStatus"]!["hasCollections"]!.GetValue<string>());
    }
}
