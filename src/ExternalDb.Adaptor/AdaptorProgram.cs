using System.Text.RegularExpressions;
using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor;

/// <summary>The entry point of the stand-alone adaptor.</summary>
public static partial class AdaptorProgram
{
    /// <summary>The exit code of a start-up refused for an invalid configuration.</summary>
    internal const int InvalidConfigurationExitCode = 2;

    /// <summary>
    /// Runs the adaptor until stopped. A bad configuration stops start-up before the host starts: one line
    /// <c>Invalid adaptor configuration: ...</c> naming the setting on standard error, exit code 2.
    /// </summary>
    public static async Task Main(string[] args)
    {
        var app = AdaptorApp.Build(args);
        await using (app.ConfigureAwait(false))
        {
            // Validating here, before StartAsync, keeps the host from logging the failure with a stack trace.
            if (ConfigurationError(app.Services) is { } error)
            {
                await FailAsync(error).ConfigureAwait(false);
                return;
            }
            await app.RunAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The configuration's problems as one line, or null when it is valid.</summary>
    internal static string? ConfigurationError(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<AdaptorOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException e)
        {
            return string.Join("; ", e.Failures);
        }
        catch (InvalidOperationException e)
        {
            // Binding failed: "Failed to convert configuration value 'x' at 'Adaptor:ReadOnly' to type 'System.Boolean'."
            // Named without the value, as the validator does.
            var bind = BindFailure().Match(e.Message);
            return !bind.Success ? e.Message : bind.Groups["type"].Value switch
            {
                "System.Boolean" => $"{bind.Groups["key"].Value} must be true or false",
                "System.Int32" or "System.Int64" => $"{bind.Groups["key"].Value} must be a whole number",
                var type => $"{bind.Groups["key"].Value} is not a valid {type}",
            };
        }
    }

    [GeneratedRegex(@"at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BindFailure();

    private static async Task FailAsync(string error)
    {
        await Console.Error.WriteLineAsync("Invalid adaptor configuration: " + error.ReplaceLineEndings(" ")).ConfigureAwait(false);
        Environment.ExitCode = InvalidConfigurationExitCode;
    }
}
