using ExternalDb.Server.Tests.Infrastructure;

namespace ExternalDb.Server.Tests;

/// <summary>The <c>Storage</c> section is checked at start: a bad setting stops the server with a message naming it, never its value.</summary>
public sealed class StorageSettingsTests
{
    private const string Password = "pw-that-must-never-be-printed";

    [Theory]
    [InlineData("postgres", null, "Storage:ConnectionString is required")]
    [InlineData("postgres", "Host=127.0.0.1;Password=" + Password + ";No Such Keyword=1", "Storage:ConnectionString is not a valid PostgreSQL connection string")]
    [InlineData("sqlite", "Host=127.0.0.1;Password=" + Password, "Storage:ConnectionString is used only with Storage:Provider=postgres")]
    [InlineData("mysql", null, "Storage:Provider")]
    public async Task A_bad_registry_setting_stops_the_start_and_names_it_without_its_value(string provider, string? connectionString, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = connectionString,
        }));

        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encryption_key_that_is_not_base64_of_32_bytes_stops_the_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ServerInstance.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:EncryptionKey"] = Convert.ToBase64String(new byte[16]),
        }));

        Assert.Contains("Storage:EncryptionKey must be base64 of 32 bytes", error.ToString(), StringComparison.Ordinal);
    }
}
