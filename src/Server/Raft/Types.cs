// The data the Raft core shares with its host (storage, transport): entries, hard state, snapshots,
// configuration changes, options and the results the core hands back.
using System;
using System.Collections.Generic;

namespace FastDb.Raft;

/// <summary>What a log entry carries. Normal entries hold the state machine's command bytes.</summary>
public enum EntryType : byte
{
    Normal = 0,
    ConfigChange = 1,
    /// <summary>The empty entry a new leader appends to commit its term.</summary>
    Noop = 2,
}

/// <summary>
/// Bounds on the terms and indexes in Raft messages and storage, far beyond anything an honest cluster reaches, so
/// arithmetic on them (a term + 1, an index + an entry count) can never wrap and a forged number cannot wedge the
/// cluster. A message past them is dropped as malformed (the host rejects it at the edge before that: the
/// connection is closed); a stored hard state past them stops the node at start-up.
///
/// Why two term bounds and not one fixed cap: a term only grows by one per election. With a fixed cap alone (say
/// 2^48), one forged heartbeat at cap − 1 moves every node to it, and two elections later the honest nodes' own
/// messages are over the cap and refused everywhere: the cluster is wedged. So a message may also not be more than
/// <see cref="MaxTermAhead"/> ahead of the receiver's term, and the absolute cap is so high that pushing the cluster
/// to it takes 2^42 forged messages (44 TB of traffic), while the cluster's own elections from there have 2^63
/// terms of room before <see cref="MaxStoredTerm"/> and 3·2^62 before a wrap.
/// </summary>
public static class RaftLimits
{
    /// <summary>
    /// 2^62: the largest term a message may carry. Each election adds one; at one election per microsecond reaching
    /// it would take 146,000 years (FastDb holds at most one per 100 ms).
    /// </summary>
    public const ulong MaxTerm = 1UL << 62;

    /// <summary>
    /// 2^20: how far a message's term may be ahead of the receiver's. Pre-vote keeps partitioned nodes from raising
    /// terms, so a peer is only ahead by the elections this node missed; a million of them at one per 100 ms is
    /// 29 hours of nothing but elections.
    /// </summary>
    public const ulong MaxTermAhead = 1UL << 20;

    /// <summary>
    /// 2^63: a stored term above it cannot have come from this build (messages stop at 2^62, and 2^62 elections more
    /// cannot happen): only a forged message accepted by an older build, or a damaged file. The node refuses to start.
    /// </summary>
    public const ulong MaxStoredTerm = 1UL << 63;

    /// <summary>
    /// 2^62. One index per log entry: at a million entries per second that is 146,000 years. Below 2^64 by enough
    /// that an index plus any entry count a frame can carry cannot overflow.
    /// </summary>
    public const ulong MaxIndex = 1UL << 62;

    /// <summary>Whether a message term is plausible for a receiver at <paramref name="receiverTerm"/>.</summary>
    public static bool IsPlausibleTerm(ulong term, ulong receiverTerm) =>
        term <= MaxTerm && term <= receiverTerm + MaxTermAhead;
}

/// <summary>One log entry. Node ids are ulong; 0 means "none".</summary>
public readonly record struct Entry(ulong Term, ulong Index, EntryType Type, ReadOnlyMemory<byte> Data);

/// <summary>What must be persisted before messages that depend on it are sent.</summary>
public readonly record struct HardState(ulong Term, ulong VotedFor, ulong Commit);

public enum RaftRole : byte { Follower, PreCandidate, Candidate, Leader }

/// <summary>Volatile state the host may show or use to route requests (not persisted).</summary>
public readonly record struct SoftState(RaftRole Role, ulong LeaderId, ulong Term);

public enum ConfigChangeType : byte { AddNode = 0, RemoveNode = 1 }

/// <summary>A single-server membership change. Context is opaque to Raft (the host stores the node's address).</summary>
public readonly record struct ConfigChange(ConfigChangeType Type, ulong NodeId, ReadOnlyMemory<byte> Context);

/// <summary>
/// A compacted prefix of the log: everything up to Index (whose term is Term) is folded into Data, the host's
/// state machine image. Members is the configuration as of Index (id → context/address).
/// </summary>
public sealed record Snapshot(ulong Index, ulong Term, IReadOnlyDictionary<ulong, ReadOnlyMemory<byte>> Members, ReadOnlyMemory<byte> Data);

public enum ProposeOutcome : byte
{
    Accepted,
    /// <summary>This node is not the leader; LeaderHint is the leader it knows of (0 = none known).</summary>
    NotLeader,
    /// <summary>The leader cannot take it now (transfer in progress, a config change pending, bad input); retry later.</summary>
    Dropped,
}

public readonly record struct ProposeResult(ProposeOutcome Outcome, ulong Index, ulong Term, ulong LeaderHint)
{
    public static ProposeResult Accepted(ulong index, ulong term) => new(ProposeOutcome.Accepted, index, term, 0);
    public static ProposeResult NotLeader(ulong leaderHint) => new(ProposeOutcome.NotLeader, 0, 0, leaderHint);
    public static readonly ProposeResult Dropped = new(ProposeOutcome.Dropped, 0, 0, 0);
}

/// <summary>Every timing parameter is in ticks; the host decides how long a tick is (10 ms suggested).</summary>
public sealed class RaftOptions
{
    public ulong Id { get; init; }
    // Defaults tuned in the simulator for 10 ms ticks on octopus-like links (20 ± 10 ms, spikes of 100-300 ms):
    // a frozen leader is replaced and the new one commits in ~300 ms median, with no spurious elections
    // under lag spikes (see MeasurementTests).
    /// <summary>A leader sends heartbeats (carrying the commit index) every this many ticks.</summary>
    public int HeartbeatIntervalTicks { get; init; } = 3;
    /// <summary>
    /// A follower that got an append with entries since the last heartbeat round gets no heartbeat in this one
    /// (unless a ReadIndex round is in flight): the append did a heartbeat's work.
    /// </summary>
    public bool HeartbeatOnlyWhenIdle { get; init; } = true;
    /// <summary>A follower's election timeout is drawn uniformly from [Min, Max] ticks at each reset.</summary>
    public int ElectionTimeoutMinTicks { get; init; } = 10;
    public int ElectionTimeoutMaxTicks { get; init; } = 20;
    public int MaxEntriesPerAppend { get; init; } = 256;
    public int MaxBytesPerAppend { get; init; } = 64 * 1024;
    /// <summary>Appends in flight to one follower in replicate state before the leader waits for acks.</summary>
    public int MaxInflightAppends { get; init; } = 64;
    public bool PreVote { get; init; } = true;
    public bool CheckQuorum { get; init; } = true;
    /// <summary>
    /// Followers send their append acks to every member, so each can learn commits one hop earlier. Only where the
    /// commit quorum is over two: with two, the leader and the member that stores the append are a commit quorum.
    /// </summary>
    public bool BroadcastAcks { get; init; } = true;

    /// <summary>
    /// Flexible quorums (Howard, Malkhi and Spiegelman, "Flexible Paxos", 2016): 0 commits on a majority, as Raft
    /// does; k >= 2 commits an entry once min(k, majority) members hold it, and then an election needs
    /// max(members - that + 1, majority) votes, so every election quorum meets every commit quorum (safety) and every
    /// other election quorum (one leader per term). With 5 members and k = 2 an entry commits on the leader and one
    /// follower, and a follower that stores the leader's append has committed it: a request that lands on a follower
    /// is answered after two link delays instead of three (bench/Harness/analysis/latency_floor.py: a 65.6 ms floor
    /// under octopus's links becomes 47.0). The price: an election needs 4 of the 5, so with two members down no
    /// leader can be elected (one down, as octopus's SPOF monkey does, still elects), and a committed entry survives
    /// the loss of one member's storage, not two. While a configuration change is uncommitted, commits count a
    /// majority again: a pair of the new configuration need not meet a quorum of the old one, a majority does.
    /// </summary>
    public int CommitQuorum { get; init; }

    /// <summary>Members that commit an entry among <paramref name="members"/> under <paramref name="commitQuorum"/> (see CommitQuorum).</summary>
    public static int CommitQuorumOf(int commitQuorum, int members)
    {
        int majority = members / 2 + 1;
        return commitQuorum > 0 ? Math.Min(commitQuorum, majority) : majority;
    }

    /// <summary>
    /// With BroadcastAcks: the member that waits on a normal entry (the node whose client proposed it), read from
    /// the entry's data; acks then go to the leader and to those members only, not to every member. Only the origin
    /// of an entry gains from learning its commit early, and every ack received costs a wake-up: in a 5-node
    /// cluster that is 7 acks received per entry instead of 16. 0 or null: every member.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, ulong>? EntryOrigin { get; init; }

    internal void Validate()
    {
        if (Id == 0) throw new ArgumentException("RaftOptions.Id must be non-zero (0 means none)");
        if (HeartbeatIntervalTicks < 1) throw new ArgumentException("HeartbeatIntervalTicks must be >= 1");
        if (ElectionTimeoutMinTicks <= HeartbeatIntervalTicks)
            throw new ArgumentException("ElectionTimeoutMinTicks must exceed HeartbeatIntervalTicks");
        if (ElectionTimeoutMaxTicks < ElectionTimeoutMinTicks)
            throw new ArgumentException("ElectionTimeoutMaxTicks must be >= ElectionTimeoutMinTicks");
        if (MaxEntriesPerAppend < 1 || MaxBytesPerAppend < 1 || MaxInflightAppends < 1)
            throw new ArgumentException("append limits must be >= 1");
        if (CommitQuorum is < 0 or 1)
            throw new ArgumentException("CommitQuorum must be 0 (a majority) or >= 2: a leader alone can never be replaced");
    }
}

/// <summary>
/// One batch of work for the host. Contract, in this order: persist Snapshot (if any: it replaces the whole stored
/// log, and the state machine is restored from its Data), EntriesToPersist (they replace any stored entries from
/// EntriesToPersist[0].Index on) and HardState (if any); only then send Messages (the fast-commit rule relies on
/// a sender having persisted what its messages claim); apply CommittedEntries (persisted by now); finally call
/// Advance(ready) before the next Step/Tick/Propose. Compact only after Advance.
/// </summary>
public sealed class Ready
{
    public HardState? HardState { get; init; }
    public Snapshot? Snapshot { get; init; }
    public IReadOnlyList<Entry> EntriesToPersist { get; init; } = [];
    public IReadOnlyList<Message> Messages { get; init; } = [];
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];
    public SoftState SoftState { get; init; }
    /// <summary>Reads this leader confirmed (ReadIndex): each may be served once the state machine applied its Index.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];
}

/// <summary>
/// A confirmed ReadIndex request (Raft dissertation §6.4): the host's <see cref="Context"/> and the commit index the
/// leader recorded when the read arrived. Reading the state machine once it has applied Index is linearizable.
/// </summary>
public readonly record struct ReadState(ulong Context, ulong Index);
