using System.Text;

namespace FastDb.Server.Cluster;

/// <summary>
/// How nodes name each other. A node's address is its listen address as its peers spell it: octopus runs node i in
/// ROOT/node{i} with <c>-l ./node{i}.sock</c>, and in every node's directory <c>./node{j}.sock</c> is the proxy to node j.
/// So the relative name is the same everywhere, and dialing it from one's own directory goes through the proxy.
/// The Raft id is a hash of that address, so any node can compute a peer's id from the name a frame arrives under.
/// </summary>
public static partial class NodeAddress
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

    /// <summary>
    /// The Raft id of an address. Every Raft message carries two ids and octopus charges every byte, so an address
    /// named like octopus's ./node3.sock gets that number + 1, a one-byte varint; any other
    /// address gets an FNV-1a 64 hash with the top bit set, which can never equal a numbered id. Never 0 (0 means
    /// "no node" to Raft).
    /// </summary>
    public static ulong IdOf(string address)
    {
        var match = NumberedSocket().Match(address);
        if (match.Success && match.Groups[1].Value.Length <= 9)
            return ulong.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1;
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(address))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash | (1UL << 63);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\./node(\d+)\.sock$")]
    private static partial System.Text.RegularExpressions.Regex NumberedSocket();

    /// <summary>
    /// A short name for people: "./node3.sock" is "node3"; a host:port stays as it is. A socket whose file name has
    /// no number in it is named after its directory, so the hand-run layout (./n0/node.sock, ./n1/node.sock, ...)
    /// gives n0, n1, ... instead of three nodes all called "node".
    /// </summary>
    public static string DisplayName(string address)
    {
        if (address.Length == 0 || !FastDb.Forwarder.PeerAddress.IsUnixSocket(address)) return address;
        var file = Path.GetFileName(address);
        var stem = file.EndsWith(".sock", StringComparison.Ordinal) ? file[..^".sock".Length] : file;
        if (stem.Any(char.IsAsciiDigit)) return stem;
        var directory = Path.GetFileName(Path.GetDirectoryName(address) ?? "");
        return directory is "" or "." or ".." ? stem : directory;
    }

    /// <summary>
    /// What a client on this machine connects to for a member: a Unix socket address resolved against the node's
    /// working directory (in octopus's layout, the proxy to that member), or host:port as it is.
    /// </summary>
    public static string Endpoint(string address, string workingDirectory) =>
        address.Length > 0 && FastDb.Forwarder.PeerAddress.IsUnixSocket(address)
            ? Path.GetFullPath(address, workingDirectory)
            : address;

    /// <summary>
    /// Longest address a member may have: its address is also the name in its peer preamble, which the Forwarder
    /// caps at 255 bytes. (A Unix socket path is limited further by the kernel's 108-byte sun_path.)
    /// </summary>
    public const int MaxAddressBytes = FastDb.Forwarder.Preamble.MaxNameBytes;

    /// <summary>
    /// Null if <paramref name="address"/> is one a node can have (the Forwarder can dial it, and paths and ids can be
    /// made from it), else why not. Everything a peer names (its preamble, a join, a configuration change, a
    /// snapshot's members) passes through this before the node records or dials it: one address that cannot be
    /// parsed on the Raft loop would end the process.
    /// </summary>
    public static string? Validate(string address)
    {
        if (address.Length == 0) return "empty address";
        if (Encoding.UTF8.GetByteCount(address) > MaxAddressBytes) return $"address longer than {MaxAddressBytes} bytes";
        foreach (var c in address)
            if (char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)) return "address with a control, space or surrogate character";
        System.Net.EndPoint endPoint;
        try
        {
            endPoint = FastDb.Forwarder.PeerAddress.Parse(address);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return e.Message;
        }
        if (endPoint is System.Net.DnsEndPoint dns && !IsHostName(dns.Host)) return $"'{dns.Host}' is not a host name";
        return null;
    }

    /// <summary>RFC 1123 host name characters: letters, digits, '-' and '.', not starting with '-' or '.'.</summary>
    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253 || host[0] is '-' or '.') return false;
        foreach (var c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) return false;
        return true;
    }

    /// <summary>Decodes a configuration change's or snapshot member's context as an address; null if not valid UTF-8 or not a valid address.</summary>
    public static string? TryFromContext(ReadOnlySpan<byte> context)
    {
        string address;
        try
        {
            address = StrictUtf8.GetString(context);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        return Validate(address) is null ? address : null;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string FromContext(ReadOnlyMemory<byte> context) => Encoding.UTF8.GetString(context.Span);

    public static byte[] ToContext(string address) => Encoding.UTF8.GetBytes(address);

    /// <summary>
    /// The other members of an octopus-style layout: octopus creates, before starting any node, one proxy socket per
    /// other node in each node's directory (ROOT/node{i}/node{j}.sock), named like the node's own socket. So the Unix
    /// sockets next to our own socket whose names follow the same pattern (same prefix, a number, ".sock") are the
    /// other nodes, and every node sees the same set. Empty when our socket is not in the working directory, or its
    /// name has no number in it, so a hand-run node falls back to --join.
    /// </summary>
    public static IReadOnlyList<string> DiscoverPeers(string? unixSocketPath, string workingDirectory)
    {
        if (unixSocketPath is null) return [];
        var directory = Path.GetDirectoryName(unixSocketPath);
        if (directory is null || !string.Equals(Path.GetFullPath(directory), Path.GetFullPath(workingDirectory), StringComparison.Ordinal))
            return [];
        var own = Path.GetFileName(unixSocketPath);
        var match = System.Text.RegularExpressions.Regex.Match(own, @"^(.*?)(\d+)\.sock$");
        if (!match.Success) return [];
        var prefix = match.Groups[1].Value;
        var peers = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(path);
            if (name == own || !name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".sock", StringComparison.Ordinal)) continue;
            var number = name.AsSpan(prefix.Length, name.Length - prefix.Length - ".sock".Length);
            if (number.Length == 0 || !IsDigits(number)) continue;
            try
            {
                if ((File.GetAttributes(path) & FileAttributes.Directory) != 0) continue;
                if (!IsSocket(path)) continue;
            }
            catch (IOException)
            {
                continue;
            }
            peers.Add("./" + name);
        }
        peers.Sort(StringComparer.Ordinal);
        return peers;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (c is < '0' or > '9') return false;
        return true;
    }

    private static bool IsSocket(string path)
    {
        // .NET has no "is a socket" test (UnixFileMode carries no file type); open(2) of a socket fails with ENXIO.
        try
        {
            using var stream = File.OpenRead(path);
            return false; // a regular file opened fine: not a socket
        }
        catch (IOException)
        {
            return true; // ENXIO "No such device or address" on open(2) of a socket
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
