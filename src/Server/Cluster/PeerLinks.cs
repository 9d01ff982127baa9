using FastDb.Forwarder;
using FastDb.Raft;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// The production <see cref="IPeerTransport"/>: Forwarder <see cref="PeerLink"/>s to each peer address, created on
/// first use, which dial (and redial) them for as long as the node runs. With two lanes the acknowledgements get one of
/// their own and forwards stay on the main one; with one, everything shares it.
///
/// Lanes. A connection delivers in order, and octopus's proxies (like any queue in the path) delay each chunk by the
/// link's latency plus an exponential jitter, so one chunk that draws a long jitter holds back every chunk behind it
/// on that connection. At a follower's rate to its leader (an ack per append, one chunk every 5 ms or so) that head
/// of line roughly doubles the jitter a frame sees (jitter mean 19 ms: about 40 ms), and a client's request forwarded
/// behind the acks waits for them. So the frames that need no order among themselves or with the rest get lanes of
/// their own, each a separate connection: forwarded requests and read-index asks and answers (independent of each
/// other), and append acknowledgements (cumulative: a later one supersedes an earlier one). Everything else, whose
/// order matters or helps (appends, commit notices after the appends they cover, votes, heartbeats, pings timing
/// the main connection), stays on the main lane. Raft and the request router tolerate reordering between lanes, as
/// they tolerate a relay's. A lane that is not connected (just after a link came back) falls back to the main one.
/// </summary>
public sealed class PeerLinks(string selfAddress, ILoggerFactory logging, PeerTls? tls = null, bool compress = false, int lanes = PeerLinks.DefaultLanes, byte clusterRules = 0) : IPeerTransport
{
    /// <summary>Main, acknowledgements, forwarded requests.</summary>
    public const int DefaultLanes = 3;
    public const int MainLane = 0, AckLane = 1, ForwardLane = 2;

    private readonly Dictionary<string, PeerLink[]> _links = new(StringComparer.Ordinal);
    private readonly HashSet<PeerLink> _unflushed = new();
    private readonly int _lanes = lanes is >= 1 and <= DefaultLanes ? lanes : throw new ArgumentOutOfRangeException(nameof(lanes), lanes, "1 to 3 lanes");

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        var links = LinksTo(address);
        var link = links[LaneOf(frameType, payload) % _lanes];
        if (!link.IsConnected) link = links[MainLane];
        link.TrySend(frameType, payload);
        _unflushed.Add(link);
    }

    /// <summary>The lane of a frame (see the class remarks): the first byte of a Raft frame is its message type.</summary>
    public static int LaneOf(byte frameType, ReadOnlySpan<byte> payload) => frameType switch
    {
        PeerFrames.Forward or PeerFrames.ReadAsk or PeerFrames.ReadAnswer => ForwardLane,
        PeerFrames.Raft when payload.Length > 0 && payload[0] == (byte)MessageType.AppendResponse => AckLane,
        _ => MainLane,
    };

    public void Flush()
    {
        if (_unflushed.Count == 0) return;
        foreach (var link in _unflushed) link.Flush();
        _unflushed.Clear();
    }

    /// <summary>The main lane's closes: it carries the heartbeats, so it is the lane a live link keeps open.</summary>
    public long ClosesOf(string address)
    {
        lock (_links) return _links.TryGetValue(address, out var links) ? links[MainLane].CloseCount : 0;
    }

    private PeerLink[] LinksTo(string address)
    {
        lock (_links)
        {
            if (_links.TryGetValue(address, out var links)) return links;
            links = new PeerLink[_lanes];
            for (var lane = 0; lane < _lanes; lane++)
            {
                // AutoFlush off: everything one loop iteration sends to a peer's lane leaves in one write, on the
                // loop's thread, instead of a thread-pool wake-up per frame (CPU is what octopus's checker competes for).
                links[lane] = new PeerLink(selfAddress, address, logging.CreateLogger<PeerLink>(), new PeerLinkOptions
                {
                    AutoFlush = false,
                    Tls = PeerAddress.IsUnixSocket(address) ? null : tls, // Unix sockets (octopus's proxies) stay plain
                    Compress = compress, // PeerLink leaves a TLS link uncompressed
                    ClusterRules = clusterRules, // the commit quorum: a peer started with another refuses us
                });
                links[lane].Start();
            }
            _links[address] = links;
            return links;
        }
    }

    public async ValueTask DisposeAsync()
    {
        PeerLink[] links;
        lock (_links)
        {
            links = _links.Values.SelectMany(l => l).ToArray();
            _links.Clear();
        }
        foreach (var link in links) await link.DisposeAsync().ConfigureAwait(false);
    }
}
