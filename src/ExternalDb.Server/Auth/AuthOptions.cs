namespace ExternalDb.Server.Auth;

/// <summary>The <c>Auth</c> section.</summary>
internal sealed class AuthOptions
{
    /// <summary>
    /// The admin key to accept (env <c>Auth__BootstrapAdminKey</c>). Without it, the first start generates one,
    /// prints it once and stores only its hash.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>
    /// How long a verified API key is trusted from memory before the registry is asked again (env
    /// <c>Auth__KeyCacheDuration</c>, default 30 s, 0 turns the cache off, at most 1 hour). A key revoked through this
    /// server stops working at once; one revoked through another server sharing the data folder stops working here
    /// within this time.
    /// </summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}
