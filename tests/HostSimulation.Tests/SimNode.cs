using FastDb.Server.Cluster;
using FastDb.Server.StateMachine;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// One simulated sqlcluster process and its data directory. The directory (<see cref="Store"/>) outlives the
/// process; everything else is one incarnation's memory, rebuilt by the production recovery on each start.
/// </summary>
internal sealed class SimNode(int index, string address, SimStore store)
{
    public readonly int Index = index;
    public readonly string Address = address;
    public readonly ulong Id = NodeAddress.IdOf(address);
    public readonly SimStore Store = store;

    /// <summary>Bumped on every start and crash: events meant for an earlier process are dropped.</summary>
    public int Incarnation;
    /// <summary>When the loop wake for the leader's batch window is due (simulated ms).</summary>
    public double BatchWakeAt;
    public bool Up, Frozen;
    /// <summary>The last start found damaged storage and refused (the node stays down until its directory is wiped).</summary>
    public bool RefusedToStart;
    /// <summary>A bit of its directory was flipped since it last started: the next start must refuse.</summary>
    public bool Damaged;
    /// <summary>Its directory was wiped: in a joined cluster it starts again with --join (see SimCluster.OptionsFor).</summary>
    public bool Rejoin;
    /// <summary>Started with an empty directory and has not caught up yet.</summary>
    public bool CatchingUp => Up && Store.CatchUpMarker is not null;

    public RaftHost? Host;
    public ReplicatedStateMachine? StateMachine;
    public PendingRequests? Requests;
    public SimTransport? Transport;
    public SimApplyQueue? ApplyQueue;

    /// <summary>This process's request counter (ScriptSubmitter seeds it from the clock, so it grows across restarts).</summary>
    public ulong Counter;

    /// <summary>What arrived while the process was stopped (SIGSTOP): runs, in order, when it is continued.</summary>
    public readonly List<Action> FrozenInbox = new();
}
