using System.Collections.Concurrent;
using FastDb.Forwarder;

namespace FastDb.Server.Cluster;

/// <summary>
/// Routes around a dead link: octopus kills single links (the link monkey) and sets of links that leave every node
/// some peers (the unneighborly monkey), and a follower cut off from its leader alone stalls its clients for the whole
/// outage. Every frame still goes direct; while a peer has been silent for <see cref="SilentTicks"/> (nothing at all
/// received from it directly: the leader heartbeats every 3 ticks and followers answer each one, so a live link is
/// never silent that long outside lag spikes), Raft messages, forwarded requests and read-index frames to it are also
/// sent as <see cref="PeerFrames.Relay"/> frames through the <see cref="MaxRelays"/> peers heard from most recently.
/// A relay passes the frame on, direct and once only, as <see cref="PeerFrames.Relayed"/>, naming the origin;
/// the destination reads it as the origin's frame (see <see cref="PeerFrames.Read"/>). Duplicates and reordering are
/// harmless: Raft and the request router tolerate both.
///
/// A relay could speak for the origin, so this runs only where peers are not authenticated anyway (Unix sockets,
/// loopback TCP without peer TLS): <see cref="ClusterOptions.RelayAroundSilentPeers"/> is off with peer TLS.
///
/// Contract: <see cref="Send"/>, <see cref="Flush"/>, <see cref="SendDirect"/> and <see cref="Tick"/> on the host's
/// loop; <see cref="Heard"/> on any thread (connection threads, as frames arrive).
/// </summary>
public sealed class RelayingTransport(IPeerTransport inner, bool enabled) : IPeerTransport
{
    /// <summary>
    /// Silence (in 10 ms ticks) after which a peer's link counts as dead. Octopus's links deliver 20 ± 10 ms plus
    /// exponential jitter (mean up to 19 ms) and heartbeats flow every 30 ms, so a live link's gaps stay well under
    /// it; lag spikes above it only cost relay copies. Most link kills last 0..500 ms × intensity, so a longer
    /// wait would miss most of them.
    /// </summary>
    public const int SilentTicks = 8;

    /// <summary>Copies through different peers: one suffices for a single dead link; two survive most unneighborly sets.</summary>
    public const int MaxRelays = 2;

    /// <summary>A relay must have been heard from within this many ticks (a second): older silence means it is cut off too.</summary>
    public const int RelayCandidateTicks = 100;

    private sealed class PeerState(string address, ulong id)
    {
        public readonly string Address = address;
        public readonly ulong Id = id;
        public long LastHeardTick = long.MinValue; // written by connection threads (Volatile)
        public bool Silent;                        // loop only: what the last Tick saw
    }

    private readonly ConcurrentDictionary<string, PeerState> _peers = new(StringComparer.Ordinal);
    private readonly List<PeerState> _order = new(); // loop only: peers in the order first seen, for relay choice
    private long _ticks;
    private byte[] _scratch = new byte[256];

    public bool Enabled => enabled;

    /// <summary>Raised on the loop (from <see cref="Tick"/>) when a peer turns silent: what was sent it may be lost.</summary>
    public event Action<string>? TurnedSilent;

    /// <summary>A frame arrived from <paramref name="address"/> on its own link (any thread).</summary>
    public void Heard(string address, long tick)
    {
        if (!enabled) return;
        var peer = _peers.GetOrAdd(address, a => new PeerState(a, PeerInput.SenderId(a)));
        Volatile.Write(ref peer.LastHeardTick, tick);
    }

    /// <summary>The loop's clock; raises <see cref="TurnedSilent"/> for peers that just went silent.</summary>
    public void Tick(long ticks)
    {
        _ticks = ticks;
        if (!enabled) return;
        SyncOrder();
        foreach (var peer in _order)
        {
            var silent = IsSilent(peer);
            if (silent && !peer.Silent)
            {
                peer.Silent = true;
                TurnedSilent?.Invoke(peer.Address);
            }
            else if (!silent) peer.Silent = false;
        }
    }

    /// <summary>Whether the link to <paramref name="address"/> counts as dead now (loop).</summary>
    public bool IsSilent(string address) => enabled && _peers.TryGetValue(address, out var peer) && IsSilent(peer);

    private bool IsSilent(PeerState peer)
    {
        var heard = Volatile.Read(ref peer.LastHeardTick);
        return heard == long.MinValue || _ticks - heard >= SilentTicks;
    }

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        inner.Send(address, frameType, payload);
        if (!enabled || !PeerFrames.IsRelayable(frameType)) return;
        var peer = _peers.GetOrAdd(address, a => new PeerState(a, PeerInput.SenderId(a)));
        if (!IsSilent(peer)) return;
        SyncOrder();
        var size = FrameCodec.VarintSize(peer.Id) + 1 + payload.Length;
        if (_scratch.Length < size) _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
        var relayed = PeerFrames.WriteRelay(_scratch, peer.Id, frameType, payload);
        // The relays: the peers heard from most recently (a live link to us), not the destination. Followers hear
        // each other only through acknowledgements, which stop when the cut-off one's requests stop, so "recently"
        // cannot mean "within SilentTicks" here; the freshest peers are the best bet.
        PeerState? first = null, second = null;
        long firstHeard = long.MinValue, secondHeard = long.MinValue;
        foreach (var relay in _order)
        {
            if (relay == peer) continue;
            var heard = Volatile.Read(ref relay.LastHeardTick);
            if (heard == long.MinValue || _ticks - heard > RelayCandidateTicks) continue;
            if (heard > firstHeard) { second = first; secondHeard = firstHeard; first = relay; firstHeard = heard; }
            else if (heard > secondHeard) { second = relay; secondHeard = heard; }
        }
        if (first is not null) inner.Send(first.Address, PeerFrames.Relay, _scratch.AsSpan(0, relayed));
        if (second is not null && MaxRelays > 1) inner.Send(second.Address, PeerFrames.Relay, _scratch.AsSpan(0, relayed));
    }

    /// <summary>A frame a relay passes on: direct only, never relayed again.</summary>
    public void SendDirect(string address, byte frameType, ReadOnlySpan<byte> payload) => inner.Send(address, frameType, payload);

    public void Flush() => inner.Flush();

    public long ClosesOf(string address) => inner.ClosesOf(address);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    // Peers are added by Heard (any thread) and Send; the loop's list follows the dictionary.
    private void SyncOrder()
    {
        if (_order.Count == _peers.Count) return;
        foreach (var peer in _peers.Values)
            if (!_order.Contains(peer)) _order.Add(peer);
    }
}
