using ExternalDb.Adaptor.Auth;
using ExternalDb.Adaptor.Sql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor.Hosting;

/// <summary>Checks <see cref="AdaptorOptions"/> at start-up; each failure names the setting (never its value).</summary>
internal sealed class AdaptorOptionsValidator(IServiceProvider services) : IValidateOptions<AdaptorOptions>
{
    public ValidateOptionsResult Validate(string? name, AdaptorOptions options)
    {
        var failures = new List<string>();
        var engine = options.EngineName;
        if (SqlEngines.Canonical(engine) is null)
        {
            failures.Add($"Adaptor:Engine must be {SqlEngines.Names}");
        }
        else if (string.IsNullOrWhiteSpace(options.EffectiveConnectionString))
        {
            failures.Add($"Adaptor:ConnectionString is required for the {engine} engine");
        }
        else if (SqlEngines.Problem(engine, options.EffectiveConnectionString) is { } problem)
        {
            failures.Add("Adaptor:ConnectionString " + problem);
        }
        if (options.MaxRequestBodyBytes <= 0)
        {
            failures.Add("Adaptor:MaxRequestBodyBytes must be a positive number of bytes");
        }
        if (!string.IsNullOrWhiteSpace(options.CursorKey) && !IsCursorKey(options.CursorKey))
        {
            failures.Add($"Adaptor:CursorKey must be base64 of at least {Query.CursorCodec.MinKeyBytes} bytes");
        }
        if (options.MaxPoolSize <= 0)
        {
            failures.Add("Adaptor:MaxPoolSize must be a positive number of connections");
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
        failures.AddRange(RolePermissions.Problems(options));
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

    private static bool IsCursorKey(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var length) && length >= Query.CursorCodec.MinKeyBytes;
    }
}
