using System.Data.Common;
using ExternalDb.Adaptor.Auth;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ExternalDb.Adaptor.Hosting;

/// <summary>Checks <see cref="AdaptorOptions"/> at start-up; each failure names the setting (never its value).</summary>
internal sealed class AdaptorOptionsValidator(IServiceProvider services) : IValidateOptions<AdaptorOptions>
{
    public ValidateOptionsResult Validate(string? name, AdaptorOptions options)
    {
        var failures = new List<string>();
        var engine = options.EngineName;
        if (engine is not ("sqlite" or "postgres"))
        {
            failures.Add("Adaptor:Engine must be sqlite or postgres");
        }
        else if (string.IsNullOrWhiteSpace(options.EffectiveConnectionString))
        {
            failures.Add("Adaptor:ConnectionString is required for the postgres engine");
        }
        else
        {
            try
            {
                DbConnectionStringBuilder builder = engine == "sqlite"
                    ? new SqliteConnectionStringBuilder(options.EffectiveConnectionString)
                    : new NpgsqlConnectionStringBuilder(options.EffectiveConnectionString);
                _ = builder.ConnectionString;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                failures.Add($"Adaptor:ConnectionString is not a valid {engine} connection string");
            }
        }
        if (options.MaxRequestBodyBytes <= 0)
        {
            failures.Add("Adaptor:MaxRequestBodyBytes must be a positive number of bytes");
        }
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Adaptor:Issuer must not be empty");
        }
        var keys = options.ConfiguredKeys.ToList();
        for (var i = 0; i < (options.JwtPublicKeys?.Count ?? 0); i++)
        {
            var key = options.JwtPublicKeys![i];
            if (string.IsNullOrWhiteSpace(key))
            {
                continue;
            }
            try
            {
                PublicKeyParser.Parse(key);
            }
            catch (FormatException)
            {
                failures.Add($"Adaptor:JwtPublicKeys:{i} is not a PEM or base64 SubjectPublicKeyInfo EC or RSA public key");
            }
        }
        var customResolver = services.GetService<IV3KeyResolver>() is not (null or ConfiguredV3KeyResolver);
        var hasAudience = !string.IsNullOrWhiteSpace(options.Audience);
        if (!customResolver)
        {
            if (keys.Count > 0 && !hasAudience)
            {
                failures.Add("Adaptor:Audience is required when Adaptor:JwtPublicKeys is set");
            }
            if (hasAudience && keys.Count == 0)
            {
                failures.Add("Adaptor:JwtPublicKeys needs at least one key when Adaptor:Audience is set");
            }
        }
        var v3 = customResolver || (hasAudience && keys.Count > 0);
        var legacy = !string.IsNullOrEmpty(options.SecretKey);
        if (!v3 && !legacy && failures.Count == 0)
        {
            failures.Add("No authentication configured: set Adaptor:SecretKey (legacy V1/V2) and/or Adaptor:Audience with Adaptor:JwtPublicKeys (V3)");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
