using System.Text;

namespace FastDb.Server.Cluster;

/// <summary>
/// How nodes name each other. A node's address is its listen address as its peers spell it: octopus runs node i in
/// ROOT/node{i} with <c>-l ./node{i}.sock</c>, and in every node's directory <c>./node{j}.sock</c> is the proxy to node j.
/// So the relative name is the same everywhere, and dialing it from one's own directory goes through the proxy.
/// The Raft id is a hash of that address, so any node can compute a peer's id from the name a frame arrives under.
/// </summary>
public static class NodeAddress
{
    /// <summary>The address peers use for a node listening on <paramref name="socketPathOrHostPort"/>.</summary>
    public static string Advertised(string? unixSocketPath, string? host, int port, string workingDirectory)
    {
        if (unixSocketPath is null) return $"{host}:{port}";
        var relative = Path.GetRelativePath(workingDirectory, unixSocketPath);
        // A socket outside the working directory is advertised by its absolute path (no proxy can stand in for it).
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return unixSocketPath;
        return "./" + relative;
    }

    /// <summary>
    /// The canonical form of an address given on the command line (--join): Unix socket paths in the form
    /// <see cref="Advertised"/> gives, so "node0.sock" and "./node0.sock" name the same node; host:port unchanged.
    /// </summary>
    public static string Normalize(string address, string workingDirectory)
    {
        var endPoint = FastDb.Forwarder.PeerAddress.Parse(address);
        if (endPoint is not System.Net.Sockets.UnixDomainSocketEndPoint) return address;
        return Advertised(Path.GetFullPath(address, workingDirectory), null, 0, workingDirectory);
    }

    /// <summary>FNV-1a 64 of the UTF-8 address; never 0 (0 means "no node" to Raft).</summary>
    public static ulong IdOf(string address)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(address))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash == 0 ? 1 : hash;
    }

    public static string FromContext(ReadOnlyMemory<byte> context) => Encoding.UTF8.GetString(context.Span);

    public static byte[] ToContext(string address) => Encoding.UTF8.GetBytes(address);
}
