using FastDb.Raft;
using FastDb.Server.StateMachine;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// Applies committed entries to the <see cref="ReplicatedStateMachine"/> on a thread of its own, in log order, so a
/// slow statement (seconds over a large table) delays answers but never the Raft loop's ticks, heartbeats, votes or
/// appends: etcd applies apart from its Raft loop for the same reason. The Raft loop hands over committed entries and
/// installed snapshots in the order Ready gives them; <see cref="ApplyRules"/> says what applying them means,
/// including the periodic snapshot of the state machine, whose image goes back to the Raft loop.
///
/// Contract: one producer (the Raft loop). Items are applied in the order posted. A failure here is a bug in
/// FastDb (entries were validated before they reached the log; the engine turns bad scripts into error answers), and
/// a node that cannot apply cannot serve: it fails loudly rather than answering from a stale state.
/// </summary>
public sealed class Applier : IApplyQueue
{
    private readonly ApplyRules _rules;
    private readonly ILogger _log;
    private readonly LoopInbox<Item> _inbox = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum ItemKind : byte { Entry, Snapshot, Stop }

    private readonly record struct Item(ItemKind Kind, Entry Entry = default, Snapshot? Snapshot = null);

    public Applier(ApplyRules rules, ILogger log)
    {
        _rules = rules;
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
                            _rules.Apply(item.Entry);
                            break;
                        case ItemKind.Snapshot when item.Snapshot is { } snapshot:
                            _rules.Restore(snapshot);
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
}
