namespace ExternalDb.TestSupport;

/// <summary>The <c>dotnet</c> executable that runs these tests, for starting a built program as a child process.</summary>
public static class DotnetHost
{
    /// <summary>The SDK's host when the tests run under <c>dotnet test</c>, else this process when it is <c>dotnet</c>, else <c>dotnet</c> on PATH.</summary>
    public static string Path()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }
        var current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
