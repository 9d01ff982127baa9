using FastDb.Forwarder;
using FastDb.Raft;
using FastDb.Server.Replication;

namespace FastDb.Server.Cluster;

/// <summary>
/// An <see cref="IPeerTransport"/> that counts what this node hands its links, by kind (<see cref="PeerTrafficCounter"/>).
/// Octopus charges every byte crossing its proxies, so GET /status shows where they go (the harness sums it over the
/// nodes per run). Frames a link drops while it is disconnected are counted too: this is what the host sent.
/// </summary>
public sealed class CountingTransport(IPeerTransport inner) : IPeerTransport
{
    public PeerTrafficCounter Counter { get; } = new();

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        Counter.Record(frameType, payload);
        inner.Send(address, frameType, payload);
    }

    public void Flush() => inner.Flush();

    public long ClosesOf(string address) => inner.ClosesOf(address);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>
/// Peer frames by kind (each Raft message type, forwarded requests, joins), in frames and in bytes as they go on the
/// wire (the Forwarder's frame header included). One writer thread; any thread may read <see cref="Snapshot"/>
/// (monotonic 64-bit counts).
/// </summary>
public sealed class PeerTrafficCounter
{
    // Slots 1..11: Raft message types by their byte value, then Forward, Join and anything else; the same again for
    // frames sent through a relay (the first leg) and for frames passed on as a relay (the second leg).
    private const int ForwardSlot = (int)MessageType.CommitNotice + 1, JoinSlot = ForwardSlot + 1, OtherSlot = JoinSlot + 1;
    private const int Kinds = OtherSlot + 1;
    private static readonly string[] Legs = ["", "relay ", "relayed "];
    private readonly long[] _frames = new long[Kinds * 3];
    private readonly long[] _bytes = new long[Kinds * 3];

    public void Record(byte frameType, ReadOnlySpan<byte> payload)
    {
        var leg = 0;
        var inner = payload;
        var innerType = frameType;
        if (frameType is PeerFrames.Relay or PeerFrames.Relayed && payload.Length > 1)
        {
            leg = frameType == PeerFrames.Relay ? 1 : 2;
            var start = 0; // skip the node id varint
            while (start < payload.Length && payload[start] >= 0x80) start++;
            start++;
            innerType = start < payload.Length ? payload[start] : (byte)0;
            inner = start + 1 <= payload.Length ? payload[(start + 1)..] : default;
        }
        int kind = innerType switch
        {
            PeerFrames.Raft when inner.Length > 0 && inner[0] >= (byte)MessageType.PreVote && inner[0] <= (byte)MessageType.CommitNotice => inner[0],
            PeerFrames.Forward => ForwardSlot,
            PeerFrames.Join => JoinSlot,
            _ => OtherSlot,
        };
        var slot = leg * Kinds + kind;
        long wire = FrameCodec.FrameSize(payload.Length); // the Forwarder's header included
        Volatile.Write(ref _frames[slot], _frames[slot] + 1);
        Volatile.Write(ref _bytes[slot], _bytes[slot] + wire);
    }

    /// <summary>The counts so far, kinds never sent left out.</summary>
    public IReadOnlyList<TrafficCount> Snapshot()
    {
        var counts = new List<TrafficCount>();
        for (int slot = 0; slot < _frames.Length; slot++)
        {
            long frames = Volatile.Read(ref _frames[slot]);
            if (frames == 0) continue;
            var kind = (slot % Kinds) switch
            {
                ForwardSlot => "forward",
                JoinSlot => "join",
                OtherSlot => "other",
                var k => ((MessageType)k).ToString(),
            };
            counts.Add(new TrafficCount(Legs[slot / Kinds] + kind, frames, Volatile.Read(ref _bytes[slot])));
        }
        return counts;
    }
}
