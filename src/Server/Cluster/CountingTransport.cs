using FastDb.Forwarder;
using FastDb.Raft;
using FastDb.Server.Replication;

namespace FastDb.Server.Cluster;

/// <summary>
/// An <see cref="IPeerTransport"/> that counts what this node sends, by kind (each Raft message type, forwarded
/// requests, joins), in frames and in bytes as they leave on the wire (frame header included). Octopus charges every
/// byte crossing its proxies, so GET /status shows where they go (the harness sums it over the nodes per run).
/// Written on the loop thread only; any thread may read <see cref="Snapshot"/> (counts are monotonic 64-bit values).
/// </summary>
public sealed class CountingTransport(IPeerTransport inner) : IPeerTransport
{
    // Slots 0..N: Raft message types by their byte value, then Forward and Join (anything else: "other").
    private const int ForwardSlot = (int)MessageType.CommitNotice + 1, JoinSlot = ForwardSlot + 1, OtherSlot = JoinSlot + 1;
    private readonly long[] _frames = new long[OtherSlot + 1];
    private readonly long[] _bytes = new long[OtherSlot + 1];

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload)
    {
        int slot = frameType switch
        {
            PeerFrames.Raft when payload.Length > 0 && payload[0] >= (byte)MessageType.PreVote && payload[0] <= (byte)MessageType.CommitNotice => payload[0],
            PeerFrames.Forward => ForwardSlot,
            PeerFrames.Join => JoinSlot,
            _ => OtherSlot,
        };
        // The Forwarder's header: varint(length), the type byte, varint(correlation id = 0).
        long wire = FrameCodec.VarintSize((ulong)payload.Length) + 2 + payload.Length;
        Volatile.Write(ref _frames[slot], _frames[slot] + 1);
        Volatile.Write(ref _bytes[slot], _bytes[slot] + wire);
        inner.Send(address, frameType, payload);
    }

    public void Flush() => inner.Flush();

    /// <summary>The counts so far, kinds never sent left out.</summary>
    public IReadOnlyList<TrafficCount> Snapshot()
    {
        var counts = new List<TrafficCount>();
        for (int slot = 1; slot <= OtherSlot; slot++)
        {
            long frames = Volatile.Read(ref _frames[slot]);
            if (frames == 0) continue;
            string kind = slot switch
            {
                ForwardSlot => "forward",
                JoinSlot => "join",
                OtherSlot => "other",
                _ => ((MessageType)slot).ToString(),
            };
            counts.Add(new TrafficCount(kind, frames, Volatile.Read(ref _bytes[slot])));
        }
        return counts;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
