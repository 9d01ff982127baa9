using FastDb.Forwarder;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// The production <see cref="IPeerTransport"/>: one Forwarder <see cref="PeerLink"/> per peer address, created on
/// first use, which dials (and redials) it for as long as the node runs.
/// </summary>
public sealed class PeerLinks(string selfAddress, ILoggerFactory logging, PeerTls? tls = null, bool compress = false) : IPeerTransport
{
    private readonly Dictionary<string, PeerLink> _links = new(StringComparer.Ordinal);
    private readonly HashSet<PeerLink> _unflushed = new();

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        var link = LinkTo(address);
        link.TrySend(frameType, payload);
        _unflushed.Add(link);
    }

    public void Flush()
    {
        if (_unflushed.Count == 0) return;
        foreach (var link in _unflushed) link.Flush();
        _unflushed.Clear();
    }

    private PeerLink LinkTo(string address)
    {
        lock (_links)
        {
            if (_links.TryGetValue(address, out var link)) return link;
            // AutoFlush off: everything one loop iteration sends to a peer leaves in one write, on the loop's thread,
            // instead of a thread-pool wake-up per frame (CPU is what octopus's checker competes for).
            link = new PeerLink(selfAddress, address, logging.CreateLogger<PeerLink>(), new PeerLinkOptions
            {
                AutoFlush = false,
                Tls = PeerAddress.IsUnixSocket(address) ? null : tls, // Unix sockets (octopus's proxies) stay plain
                Compress = compress, // PeerLink leaves a TLS link uncompressed
            });
            link.Start();
            _links[address] = link;
            return link;
        }
    }

    public async ValueTask DisposeAsync()
    {
        PeerLink[] links;
        lock (_links)
        {
            links = _links.Values.ToArray();
            _links.Clear();
        }
        foreach (var link in links) await link.DisposeAsync().ConfigureAwait(false);
    }
}
