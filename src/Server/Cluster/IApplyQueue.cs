using FastDb.Raft;

namespace FastDb.Server.Cluster;

/// <summary>
/// Where the Raft host hands what Ready says is committed: <see cref="Applier"/> applies it on a thread of its own;
/// the host simulator applies it as a later simulated event. Either applies in the order posted, through
/// <see cref="ApplyRules"/>. Called from the host's loop only.
/// </summary>
public interface IApplyQueue
{
    void Post(in Entry entry);

    /// <summary>A snapshot from the leader: the state machine is replaced by it, in order.</summary>
    void PostSnapshot(Snapshot snapshot);
}
