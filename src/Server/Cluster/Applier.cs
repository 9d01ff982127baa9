using FastDb.Raft;
using FastDb.Server.StateMachine;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// Applies committed entries to the <see cref="ReplicatedStateMachine"/> on a thread of its own, in log order, so a
/// slow statement (seconds over a large table) delays answers but never the Raft loop's ticks, heartbeats, votes or
/// appends: etcd applies apart from its Raft loop for the same reason. The Raft loop hands over committed entries and
/// installed snapshots in the order Ready gives them; this thread also takes the periodic snapshot of the state
/// machine (the image must be of exactly the applied state) and hands the image back through
/// <paramref name="onSnapshot"/> for the Raft loop to compact its log and persist it.
///
/// Contract: one producer (the Raft loop). Items are applied in the order posted. A failure here is a bug in
/// FastDb (entries were validated before they reached the log; the engine turns bad scripts into error answers), and
/// a node that cannot apply cannot serve: it fails loudly rather than answering from a stale state.
/// </summary>
public sealed class Applier
{
    private readonly ReplicatedStateMachine _stateMachine;
    private readonly int _snapshotEveryEntries;
    private readonly Action<ulong, byte[]> _onSnapshot;
    private readonly ILogger _log;
    private readonly LoopInbox<Item> _inbox = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _lastSnapshotIndex;

    private enum ItemKind : byte { Entry, Snapshot, Stop }

    private readonly record struct Item(ItemKind Kind, Entry Entry = default, Snapshot? Snapshot = null);

    /// <param name="lastSnapshotIndex">The index of the snapshot the state machine was restored from (0 if none).</param>
    /// <param name="onSnapshot">Called on this thread with (applied index, state machine image) every
    /// <paramref name="snapshotEveryEntries"/> applied entries.</param>
    public Applier(ReplicatedStateMachine stateMachine, int snapshotEveryEntries, ulong lastSnapshotIndex,
        Action<ulong, byte[]> onSnapshot, ILogger log)
    {
        _stateMachine = stateMachine;
        _snapshotEveryEntries = snapshotEveryEntries;
        _lastSnapshotIndex = lastSnapshotIndex;
        _onSnapshot = onSnapshot;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "FastDb apply" };
    }

    public void Start() => _thread.Start();

    /// <summary>Hands over a committed entry (Raft loop only).</summary>
    public void Post(in Entry entry) => _inbox.Post(new Item(ItemKind.Entry, entry));

    /// <summary>Hands over a snapshot from the leader: the state machine is replaced by it, in order (Raft loop only).</summary>
    public void PostSnapshot(Snapshot snapshot) => _inbox.Post(new Item(ItemKind.Snapshot, Snapshot: snapshot));

    /// <summary>Stops after what was posted before.</summary>
    public Task StopAsync()
    {
        if (_thread.ThreadState.HasFlag(ThreadState.Unstarted)) return Task.CompletedTask;
        _inbox.Post(new Item(ItemKind.Stop));
        return _exited.Task;
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                while (_inbox.TryTake(out var item))
                {
                    switch (item.Kind)
                    {
                        case ItemKind.Stop:
                            return;
                        case ItemKind.Entry:
                            Apply(item.Entry);
                            MaybeSnapshot();
                            break;
                        case ItemKind.Snapshot when item.Snapshot is { } snapshot:
                            _stateMachine.ReadSnapshot(snapshot.Data);
                            _lastSnapshotIndex = snapshot.Index;
                            break;
                    }
                }
                _inbox.Wait(Timeout.Infinite);
            }
        }
        catch (Exception e)
        {
            _log.LogCritical(e, "applying a committed entry failed; the node cannot continue");
            Environment.FailFast("FastDb apply thread failed: " + e);
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    private void Apply(in Entry entry)
    {
        if (entry.Index <= _stateMachine.AppliedIndex) return; // already in the snapshot we restored or installed
        if (entry.Type == EntryType.Normal) _stateMachine.Apply(entry.Index, entry.Data.Span);
        else _stateMachine.ApplyNoop(entry.Index); // config changes take effect in Raft; the host's addresses on the loop
    }

    private void MaybeSnapshot()
    {
        var applied = _stateMachine.AppliedIndex;
        if (applied - _lastSnapshotIndex < (ulong)_snapshotEveryEntries) return;
        using var stream = new MemoryStream();
        _stateMachine.WriteSnapshot(stream);
        _lastSnapshotIndex = applied;
        _onSnapshot(applied, stream.ToArray());
    }
}
