namespace ExternalDb.Server.Console;

/// <summary>The <c>Console</c> section: the web console's sessions.</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// A session ends after this long without a request or an action in the console (sliding). Default 30 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often an open console page checks that its key still exists and the session is not idle.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(10);
}
