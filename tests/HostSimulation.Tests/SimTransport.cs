using FastDb.Server.Cluster;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// The host's <see cref="IPeerTransport"/> in the simulator: frames wait until the loop's flush, as with the real
/// links, and then go to <see cref="SimCluster"/>'s network, which delivers them (or not) later.
/// </summary>
internal sealed class SimTransport(SimCluster cluster, int from) : IPeerTransport
{
    private readonly List<(string Address, byte Type, byte[] Payload)> _queued = new();

    public void Send(string address, byte frameType, ReadOnlySpan<byte> payload) => _queued.Add((address, frameType, payload.ToArray()));

    public void Flush()
    {
        // What a real link would write: one write per peer per flush (PeerLinks), counted with the pings that had
        // nothing to ride along with.
        foreach (var group in _queued.GroupBy(q => q.Address, StringComparer.Ordinal))
        {
            cluster.Writes++;
            var pings = group.Count(q => q.Type == PeerFrames.Ping);
            cluster.Pings += pings;
            if (pings == group.Count()) cluster.LonePingWrites++;
        }
        foreach (var (address, type, payload) in _queued) cluster.SendFrame(from, address, type, payload);
        _queued.Clear();
    }

    public long ClosesOf(string address) => cluster.ClosesOf(from, address);

    /// <summary>The process died: what it had not flushed is gone.</summary>
    public void Drop() => _queued.Clear();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// The host's <see cref="IApplyQueue"/> in the simulator: entries are applied in order a little later, as a separate
/// simulated event, like the production apply thread running behind the Raft loop; through the same
/// <see cref="ApplyRules"/>.
/// </summary>
internal sealed class SimApplyQueue(SimCluster cluster, SimNode node, int incarnation) : IApplyQueue
{
    private readonly Queue<(FastDb.Raft.Entry Entry, FastDb.Raft.Snapshot? Snapshot)> _queue = new();
    private bool _scheduled;
    public ApplyRules? Rules;

    public void Post(in FastDb.Raft.Entry entry) { _queue.Enqueue((entry, null)); Schedule(); }

    public void PostSnapshot(FastDb.Raft.Snapshot snapshot) { _queue.Enqueue((default, snapshot)); Schedule(); }

    private void Schedule()
    {
        if (_scheduled) return;
        _scheduled = true;
        cluster.AtNode(node, incarnation, cluster.Rng.NextDouble() * 3, Drain);
    }

    private void Drain()
    {
        _scheduled = false;
        while (_queue.TryDequeue(out var item))
        {
            if (item.Snapshot is { } snapshot) Rules!.Restore(snapshot);
            else cluster.Applied(node, item.Entry, Rules!);
        }
    }
}
