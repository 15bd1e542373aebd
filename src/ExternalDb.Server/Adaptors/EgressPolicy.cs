using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExternalDb.Server.Adaptors;

/// <summary>Raised instead of connecting when the egress policy refuses an adaptor's address. Its message says why and what to change.</summary>
internal sealed class EgressRefusedException(string message) : Exception(message)
{
    /// <summary>The refusal behind <paramref name="e"/> (HTTP handlers wrap it), or null.</summary>
    public static EgressRefusedException? In(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is EgressRefusedException refused)
            {
                return refused;
            }
        }
        return null;
    }
}

/// <summary>
/// The one gate of every outgoing adaptor call (<see cref="EgressOptions"/>). As the HTTP handlers' connect callback it
/// resolves the host itself, checks every address the name resolves to, and connects to a checked address: no second
/// resolution that could answer differently (DNS rebinding), and no spelling of an address (<c>2130706433</c>,
/// <c>0x7f000001</c>, <c>127.1</c>, <c>[::ffff:127.0.0.1]</c>) that escapes the check, which is made on the parsed
/// address with IPv4-mapped, NAT64 and 6to4 forms unwrapped. A refused address is never connected to.
/// </summary>
internal sealed class EgressPolicy
{
    private const string Setting = EgressOptions.Section;

    private static readonly IPNetwork[] Unspecified = Networks("0.0.0.0/8", "::/128");
    private static readonly IPNetwork[] Multicast = Networks("224.0.0.0/4", "ff00::/8");
    private static readonly IPNetwork[] ReservedAndBroadcast = Networks("240.0.0.0/4");
    private static readonly IPNetwork[] LinkLocal = Networks("169.254.0.0/16", "fe80::/10");
    // Metadata services outside link-local: AWS over IPv6, Alibaba Cloud, Oracle Cloud (classic).
    private static readonly IPNetwork[] CloudMetadata = Networks("fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32");
    private static readonly IPNetwork[] Loopback = Networks("127.0.0.0/8", "::1/128");
    private static readonly IPNetwork[] Private = Networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Ipv4Compatible = IPNetwork.Parse("::/96");

    private readonly EgressOptions _options;
    private readonly IHostResolver _resolver;
    private readonly IPNetwork[] _allowedNetworks;
    private readonly IPNetwork[] _deniedNetworks;
    private readonly string[] _allowedHosts;
    private readonly string[] _deniedHosts;

    /// <summary>
    /// Registers the policy, its options' validation and the system resolver (each once; a resolver registered before
    /// stays). Whoever registers an adaptor HTTP client calls this; binding <see cref="EgressOptions"/> is the host's.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.AddOptions<EgressOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EgressOptions>, EgressOptionsValidator>());
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.TryAddSingleton<EgressPolicy>();
    }

    public EgressPolicy(IOptions<EgressOptions> options, IHostResolver resolver)
    {
        _options = options.Value;
        _resolver = resolver;
        _allowedNetworks = [.. _options.AllowedNetworks.Select(n => EgressOptionsValidator.ParseNetwork(n.Trim())!.Value)];
        _deniedNetworks = [.. _options.DeniedNetworks.Select(n => EgressOptionsValidator.ParseNetwork(n.Trim())!.Value)];
        _allowedHosts = [.. _options.AllowedHosts.Select(EgressOptionsValidator.NormalizeHost)];
        _deniedHosts = [.. _options.DeniedHosts.Select(EgressOptionsValidator.NormalizeHost)];
    }

    /// <summary>
    /// The connect callback of the adaptor HTTP handlers: resolves and checks the host, then connects to the first
    /// checked address that answers. Throws <see cref="EgressRefusedException"/> before any packet is sent to a refused one.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>The addresses of <paramref name="host"/> (a name or an IP literal), each checked; throws <see cref="EgressRefusedException"/>.</summary>
    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken ct)
    {
        var name = EgressOptionsValidator.NormalizeHost(host).Trim('[', ']');
        if (Matches(_deniedHosts, name))
        {
            throw new EgressRefusedException($"The egress policy refused {name}: it is listed in {Setting}:DeniedHosts.");
        }
        var literal = ParseLiteral(name);
        var resolved = literal is not null ? [literal] : await _resolver.ResolveAsync(name, ct);
        if (resolved.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        var addresses = resolved.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Distinct().ToList();
        foreach (var address in addresses)
        {
            if (Check(name, address) is { } why)
            {
                var subject = literal is not null ? $"{name}: it is" : $"{name}: it resolves to";
                throw new EgressRefusedException($"The egress policy refused {subject} {why}");
            }
        }
        return addresses;
    }

    /// <summary>Why <paramref name="address"/> of <paramref name="host"/> may not be called (the end of a sentence), or null.</summary>
    public string? Check(string host, IPAddress address)
    {
        var forms = Forms(address).ToList();
        foreach (var form in forms)
        {
            foreach (var denied in _deniedNetworks.Where(n => n.Contains(form)))
            {
                return $"an address in {Setting}:DeniedNetworks ({denied}).";
            }
            if (In(Unspecified, form) || In(Multicast, form) || In(ReservedAndBroadcast, form))
            {
                return "an unspecified, multicast, broadcast or reserved address, which is never called.";
            }
        }
        if (forms.Any(f => _allowedNetworks.Any(n => n.Contains(f))))
        {
            return null;
        }
        foreach (var form in forms)
        {
            if (In(LinkLocal, form) || In(CloudMetadata, form))
            {
                return $"a link-local or cloud metadata address. To call it, add its network to {Setting}:AllowedNetworks.";
            }
            if (!_options.AllowLoopback && In(Loopback, form))
            {
                return $"a loopback address and {Setting}:AllowLoopback is false. Set it to true, or add the network to {Setting}:AllowedNetworks.";
            }
            if (!_options.AllowPrivateNetworks && In(Private, form))
            {
                return $"a private-network address and {Setting}:AllowPrivateNetworks is false. Set it to true, or add the network to {Setting}:AllowedNetworks.";
            }
        }
        if ((_allowedHosts.Length > 0 || _allowedNetworks.Length > 0) && !Matches(_allowedHosts, host))
        {
            return $"outside the allowed hosts and networks. Add the host to {Setting}:AllowedHosts or its network to {Setting}:AllowedNetworks.";
        }
        return null;
    }

    /// <summary>The address and the IPv4 address it carries, if any (IPv4-mapped, IPv4-compatible, NAT64, 6to4).</summary>
    private static IEnumerable<IPAddress> Forms(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            yield return address.MapToIPv4();
            yield break;
        }
        yield return address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            yield break;
        }
        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address) || (Ipv4Compatible.Contains(address) && !IPAddress.IPv6Any.Equals(address) && !IPAddress.IPv6Loopback.Equals(address)))
        {
            yield return new IPAddress(bytes.AsSpan(12, 4));
        }
        else if (SixToFour.Contains(address))
        {
            yield return new IPAddress(bytes.AsSpan(2, 4));
        }
    }

    private static IPAddress? ParseLiteral(string name)
    {
        var withoutScope = name.Contains(':', StringComparison.Ordinal) ? Uri.UnescapeDataString(name).Split('%')[0] : name;
        return IPAddress.TryParse(withoutScope, out var address) ? address : null;
    }

    private static bool Matches(string[] patterns, string host) => patterns.Any(p =>
        p.StartsWith("*.", StringComparison.Ordinal) ? host.EndsWith(p[1..], StringComparison.Ordinal) : p == host);

    private static bool In(IPNetwork[] networks, IPAddress address) => networks.Any(n => n.Contains(address));

    private static IPNetwork[] Networks(params string[] cidrs) => [.. cidrs.Select(IPNetwork.Parse)];
}
