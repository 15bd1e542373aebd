using System.Buffers.Text;
using System.Security.Cryptography;

namespace ExternalDb.Demo;

/// <summary>The demo adaptor's legacy secret key. Its own type so that it is not printed by accident.</summary>
public sealed class DemoAdaptorSecret(string value, bool generated)
{
    public string Value { get; } = value;

    /// <summary>Whether it was made just now (first start on this data directory): then it is shown once.</summary>
    public bool Generated { get; } = generated;

    public override string ToString() => "[demo adaptor secret]";
}

/// <summary>Whether the demo adaptor is served (and why not), and its secret.</summary>
public sealed class DemoAdaptorState
{
    public const string SecretFileName = "demo-adaptor.secret";

    private readonly Lazy<DemoAdaptorSecret> _secret;

    private readonly IDemoAdaptorHost _host;

    public DemoAdaptorState(DemoAdaptorOptions options, IDemoAdaptorHost host)
    {
        _host = host;
        Explicit = options.Enabled.HasValue;
        PathPrefix = "/" + options.PathPrefix.Trim().Trim('/');
        (Enabled, DisabledReason) = Decide(options.Enabled, host.ListenAddresses);
        SecretFile = Path.Combine(host.DataDirectory, SecretFileName);
        _secret = new(() => string.IsNullOrEmpty(options.SecretKey)
            ? Load(SecretFile)
            : new DemoAdaptorSecret(options.SecretKey, generated: false));
    }

    public bool Enabled { get; private set; }

    /// <summary>Why the demo adaptor is off, naming the setting that turns it on.</summary>
    public string? DisabledReason { get; private set; }

    /// <summary>Whether <c>DemoAdaptor:Enabled</c> was set (true or false) rather than left to the listen addresses.</summary>
    public bool Explicit { get; }

    public string PathPrefix { get; }

    public string SecretFile { get; }

    /// <summary>The secret: configured, else read from (or made in) <see cref="SecretFile"/>.</summary>
    public DemoAdaptorSecret Secret => _secret.Value;

    /// <summary>On unless disabled, or unless unset and some address is beyond loopback.</summary>
    private (bool Enabled, string? Reason) Decide(bool? enabled, IReadOnlyList<string> listenAddresses)
    {
        if (enabled is { } set)
        {
            return set ? (true, null) : (false, "DemoAdaptor:Enabled is false.");
        }
        return listenAddresses.FirstOrDefault(a => !_host.IsLoopback(a)) is { } beyond
            ? (false, $"The server listens on {beyond}, beyond loopback; set DemoAdaptor:Enabled=true to serve the demo adaptor anyway.")
            : (true, null);
    }

    /// <summary>Checks the addresses the server really bound (code may add some that configuration does not show).</summary>
    public void CheckBoundAddresses(IReadOnlyList<string> bound)
    {
        if (Enabled && !Explicit && Decide(null, bound) is (false, var reason))
        {
            Enabled = false;
            DisabledReason = reason;
        }
    }

    private DemoAdaptorSecret Load(string path)
    {
        var (value, created) = _host.ReadOrCreatePrivateFile(path, () => "demo_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24)));
        return string.IsNullOrEmpty(value)
            ? throw new InvalidOperationException($"{path} is empty; delete it to make a new demo adaptor secret, or set DemoAdaptor:SecretKey.")
            : new DemoAdaptorSecret(value, created);
    }
}
