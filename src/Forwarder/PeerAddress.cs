using System.Net;
using System.Net.Sockets;

namespace FastDb.Forwarder;

/// <summary>Turns a peer address as octopus and the command line spell it into an EndPoint.</summary>
public static class PeerAddress
{
    /// <summary>
    /// "./node3.sock", "/abs/x.sock" or anything with a '/' or ending in ".sock" is a Unix socket path, kept as given
    /// (a relative path is resolved by the kernel against the process's current directory, which also keeps it under
    /// the 108-byte sun_path limit). "host:port" and "[v6]:port" are TCP.
    /// </summary>
    public static EndPoint Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new FormatException("peer address is empty");
        if (IsUnixSocket(address))
            return new UnixDomainSocketEndPoint(address);
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
            throw new FormatException($"peer address '{address}' is neither a Unix socket path nor host:port");
        string host = address[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        if (IPAddress.TryParse(host, out var ip))
            return new IPEndPoint(ip, port);
        if (host == "localhost")
            return new IPEndPoint(IPAddress.Loopback, port);
        return new DnsEndPoint(host, port);
    }

    /// <summary>Whether <see cref="Parse"/> reads the address as a Unix socket path.</summary>
    public static bool IsUnixSocket(string address) =>
        address.Contains('/') || address.EndsWith(".sock", StringComparison.Ordinal);

    /// <summary>A new unconnected stream socket suited to the endpoint.</summary>
    internal static Socket CreateSocket(EndPoint endPoint)
    {
        if (endPoint is UnixDomainSocketEndPoint)
            return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true; // frames are latency-bound; batching is done by the writer, not Nagle
        return socket;
    }
}
