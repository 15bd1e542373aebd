using System.Net;

namespace ExternalDb.Server.Hosting;

/// <summary>Where the server is configured to listen, and whether that is reachable from other machines.</summary>
internal static class ListenAddresses
{
    /// <summary>
    /// The addresses Kestrel will bind, as configured: <c>Kestrel:Endpoints:*:Url</c> when any is set, else <c>Urls</c>
    /// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (every interface), else
    /// Kestrel's default <c>http://localhost:5000</c>.
    /// </summary>
    public static IReadOnlyList<string> Configured(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>().Where(u => !string.IsNullOrWhiteSpace(u)).ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }
        if (Split(configuration["urls"]) is { Count: > 0 } urls)
        {
            return urls;
        }
        var ports = Split(configuration["http_ports"]).Select(p => "http://*:" + p)
            .Concat(Split(configuration["https_ports"]).Select(p => "https://*:" + p)).ToList();
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }

    /// <summary>
    /// Whether an address (<c>http://127.0.0.1:5080</c>) is reachable from this machine only: a loopback IP,
    /// <c>localhost</c>, or a Unix socket. <c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>, other IPs and host names
    /// (Kestrel binds those to every interface) are not.
    /// </summary>
    public static bool IsLoopback(string address)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }
        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            return true;
        }
        var host = binding.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
    }

    private static List<string> Split(string? list) =>
        [.. (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
