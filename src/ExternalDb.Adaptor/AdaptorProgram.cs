using ExternalDb.Adaptor.Hosting;
using Microsoft.Extensions.Options;

namespace ExternalDb.Adaptor;

/// <summary>The entry point of the stand-alone adaptor.</summary>
public static class AdaptorProgram
{
    /// <summary>Runs the adaptor until stopped; a bad configuration stops start-up with a message naming the setting.</summary>
    public static async Task Main(string[] args)
    {
        try
        {
            await using var app = AdaptorApp.Build(args);
            await app.RunAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("Invalid adaptor configuration: " + string.Join("; ", e.Failures)).ConfigureAwait(false);
            Environment.ExitCode = 2;
        }
    }
}
