using FastDb.Raft;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Cluster;

/// <summary>
/// What applying a committed entry means, wherever it runs (<see cref="Applier"/>'s thread, or the host simulator):
/// an entry the restored state already covers is skipped, a normal entry is a ClientRequest for the state machine,
/// anything else only moves the applied index; and every <c>snapshotEveryEntries</c> applied entries the state
/// machine's image is taken (it must be of exactly the applied state, so here, between two applications) and handed
/// to <c>onSnapshot</c> for the Raft loop to compact its log and persist it. One caller at a time.
/// </summary>
public sealed class ApplyRules(ReplicatedStateMachine stateMachine, int snapshotEveryEntries, ulong lastSnapshotIndex,
    Action<ulong, byte[]> onSnapshot)
{
    private ulong _lastSnapshotIndex = lastSnapshotIndex;

    /// <summary>Applies one committed entry; the answer when it was a client request (executed, or a re-send's original).</summary>
    public Answer? Apply(in Entry entry)
    {
        if (entry.Index <= stateMachine.AppliedIndex) return null; // already in the snapshot we restored or installed
        Answer? answer = null;
        if (entry.Type == EntryType.Normal) answer = stateMachine.Apply(entry.Index, entry.Data.Span);
        else stateMachine.ApplyNoop(entry.Index); // config changes take effect in Raft; the host's addresses on the loop
        MaybeSnapshot();
        return answer;
    }

    /// <summary>A leader's snapshot replaces the whole state.</summary>
    public void Restore(Snapshot snapshot)
    {
        stateMachine.ReadSnapshot(snapshot.Data);
        _lastSnapshotIndex = snapshot.Index;
    }

    private void MaybeSnapshot()
    {
        var applied = stateMachine.AppliedIndex;
        if (applied - _lastSnapshotIndex < (ulong)snapshotEveryEntries) return;
        using var stream = new MemoryStream();
        stateMachine.WriteSnapshot(stream);
        _lastSnapshotIndex = applied;
        onSnapshot(applied, stream.ToArray());
    }
}
