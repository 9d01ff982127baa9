using System.Net.Sockets;

namespace FastDb.Shell.Cluster;

/// <summary>Where a node listens, as a client on this machine reaches it: a Unix socket path or host:port.</summary>
public sealed record NodeEndpoint(string? SocketPath, string? Host, int Port)
{
    public static NodeEndpoint Unix(string path) => new(Path.GetFullPath(path), null, 0);

    public static NodeEndpoint Tcp(string host, int port) => new(null, host, port);

    /// <summary>Reads an endpoint as GET /status spells it: a path (contains '/' or ends in .sock) or host:port.</summary>
    public static bool TryParse(string text, out NodeEndpoint endpoint)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (text.Contains('/') || text.EndsWith(".sock", StringComparison.Ordinal))
        {
            endpoint = Unix(text);
            return true;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 1 or > 65535) return false;
        endpoint = Tcp(text[..colon].Trim('[', ']'), port);
        return true;
    }

    public override string ToString() => SocketPath ?? $"{Host}:{Port}";

    /// <summary>Opens a stream to the node (the HttpClient's connect callback).</summary>
    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        System.Net.EndPoint target;
        if (SocketPath is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            target = new UnixDomainSocketEndPoint(SocketPath);
        }
        else
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = new System.Net.DnsEndPoint(Host!, Port);
        }
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
