namespace ExternalDb.Demo;

/// <summary>The <c>DemoAdaptor</c> section: a reference adaptor served by the server itself, over a seeded SQLite file.</summary>
public sealed class DemoAdaptorOptions
{
    /// <summary>
    /// Whether the server serves the demo adaptor. Unset: only while the server listens on loopback addresses alone
    /// (as <see cref="IDemoAdaptorHost.IsLoopback"/> says); <c>true</c> serves it anyway, <c>false</c> never.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>Where it is served. Default <c>/demo-adaptor</c>.</summary>
    public string PathPrefix { get; set; } = "/demo-adaptor";

    /// <summary>
    /// The legacy secret key of the demo adaptor (put it in a STANDALONE connection's configuration). Unset: a random
    /// key made on first start and kept in <c>{DataDirectory}/demo-adaptor.secret</c>.
    /// </summary>
    public string? SecretKey { get; set; }
}
