using System.Net;

namespace ExternalDb.Server.Adaptors;

/// <summary>Resolves adaptor host names for <see cref="EgressPolicy"/> (tests put their own in its place).</summary>
internal interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

/// <summary>The system's resolver (DNS, <c>/etc/hosts</c>).</summary>
internal sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}
