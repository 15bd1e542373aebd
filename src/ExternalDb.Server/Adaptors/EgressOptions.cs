using System.Net;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>
/// The <c>Adaptors:Egress</c> section: which addresses the server may call as adaptors (the prober and the gateway).
/// Link-local (cloud metadata), unspecified, multicast, broadcast and reserved addresses are refused; loopback and
/// private networks are allowed unless switched off. An explicit deny (<see cref="DeniedHosts"/>,
/// <see cref="DeniedNetworks"/>) wins over every allow.
/// </summary>
internal sealed class EgressOptions
{
    public const string Section = "Adaptors:Egress";

    /// <summary>Whether loopback addresses (127.0.0.0/8, ::1) may be called. Default true.</summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>Whether private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) may be called. Default true.</summary>
    public bool AllowPrivateNetworks { get; set; } = true;

    /// <summary>
    /// CIDR networks that may be called even where a default refuses them (link-local, loopback or private when off).
    /// When this or <see cref="AllowedHosts"/> is not empty, only the hosts and networks listed may be called.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>CIDR networks that are never called.</summary>
    public List<string> DeniedNetworks { get; set; } = [];

    /// <summary>
    /// Host names (<c>adaptor.example.com</c>, or <c>*.example.com</c> for its subdomains) that may be called; their
    /// addresses must still pass the address rules. When not empty, only listed hosts and networks may be called.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Host names (or <c>*.example.com</c>) that are never called, nor even resolved.</summary>
    public List<string> DeniedHosts { get; set; } = [];
}

/// <summary>Checks <see cref="EgressOptions"/> at start-up; each failure names the setting and the entry.</summary>
internal sealed class EgressOptionsValidator : IValidateOptions<EgressOptions>
{
    public ValidateOptionsResult Validate(string? name, EgressOptions options)
    {
        var failures = new List<string>();
        CheckNetworks(options.AllowedNetworks, nameof(EgressOptions.AllowedNetworks), failures);
        CheckNetworks(options.DeniedNetworks, nameof(EgressOptions.DeniedNetworks), failures);
        CheckHosts(options.AllowedHosts, nameof(EgressOptions.AllowedHosts), failures);
        CheckHosts(options.DeniedHosts, nameof(EgressOptions.DeniedHosts), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A CIDR network such as <c>10.0.0.0/8</c> or <c>fd00::/8</c>, with no bits set after the prefix; null if not one.</summary>
    public static IPNetwork? ParseNetwork(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            && IPNetwork.TryParse(text, out var network)
            && network.BaseAddress.Equals(address)
                ? network
                : null;
    }

    /// <summary>A host pattern in the form compared with URLs' hosts: lower case, no trailing dot.</summary>
    public static string NormalizeHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();

    private static void CheckNetworks(List<string> networks, string setting, List<string> failures)
    {
        for (var i = 0; i < networks.Count; i++)
        {
            if (ParseNetwork(networks[i].Trim()) is null)
            {
                failures.Add($"{EgressOptions.Section}:{setting}:{i} ('{networks[i]}') is not a CIDR network: an IP address, '/' and " +
                    "a prefix length, with no address bits set after the prefix, such as 10.0.0.0/8 or fd00::/8");
            }
        }
    }

    private static void CheckHosts(List<string> hosts, string setting, List<string> failures)
    {
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = NormalizeHost(hosts[i]);
            var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
            if (IPAddress.TryParse(name.Trim('[', ']'), out _))
            {
                failures.Add($"{EgressOptions.Section}:{setting}:{i} ('{hosts[i]}') is an IP address: put it in " +
                    $"{EgressOptions.Section}:{setting.Replace("Hosts", "Networks", StringComparison.Ordinal)} as a /32 or /128 network");
            }
            else if (Uri.CheckHostName(name) != UriHostNameType.Dns)
            {
                failures.Add($"{EgressOptions.Section}:{setting}:{i} ('{hosts[i]}') is not a host name such as adaptor.example.com or *.example.com");
            }
        }
    }
}
