namespace ExternalDb.Server.Auth;

/// <summary>The <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// The admin key to accept (env <c>Auth__BootstrapAdminKey</c>). Without it, the first start generates one,
    /// prints it once and stores only its hash.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }
}
