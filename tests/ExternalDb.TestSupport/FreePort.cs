using System.Net;
using System.Net.Sockets;

namespace ExternalDb.TestSupport;

/// <summary>Finds TCP ports that are free on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that nothing listens on at the moment of the call. Another process can
    /// take it before the caller binds it, so callers that can should bind port 0 instead, and callers
    /// that cannot (such as <c>postgres -p</c>) should retry on a collision.
    /// </summary>
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
