using Microsoft.Extensions.Options;
using Npgsql;

namespace ExternalDb.Server.Storage;

/// <summary>Checks the <c>Storage</c> section at start; a message names the setting and never repeats its value.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add("Storage:Provider must be sqlite or postgres.");
        }
        if (options.Provider == StorageProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                failures.Add("Storage:ConnectionString is required when Storage:Provider is postgres.");
            }
            else if (!IsPostgresConnectionString(options.ConnectionString))
            {
                failures.Add("Storage:ConnectionString is not a valid PostgreSQL connection string (Host=...;Database=...;Username=...).");
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Storage:ConnectionString is used only with Storage:Provider=postgres; the SQLite registry lives in Storage:DataDirectory.");
        }
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Storage:DataDirectory must not be empty.");
        }
        if (!string.IsNullOrWhiteSpace(options.EncryptionKey) && SecretProtector.ParseKey(options.EncryptionKey) is null)
        {
            failures.Add("Storage:EncryptionKey must be base64 of 32 bytes.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsPostgresConnectionString(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return !string.IsNullOrWhiteSpace(builder.Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
