// The leader's view of one follower (after etcd-io/raft tracker/progress.go): how far its log matches,
// what to send next, and whether to probe (one append at a time), replicate (pipelined, bounded window)
// or wait for a snapshot.
using System;
using System.Collections.Generic;

namespace FastDb.Raft;

internal enum ProgressState : byte { Probe, Replicate, Snapshot }

internal sealed class Progress(ulong next)
{
    public ulong Match;
    /// <summary>
    /// Match as acks that count show it: not those of a node catching up after it may have lost its storage (they
    /// carry a rejoin nonce; see RaftNode.CatchUpBeforeVoting). Commits count this; replication follows Match.
    /// </summary>
    public ulong CountedMatch;
    /// <summary>The rejoin nonce this follower last answered with, and the index of the notice appended for it (0: none yet).</summary>
    public ulong RejoinNonce, RejoinIndex;
    public ulong Next = next;
    public ProgressState State = ProgressState.Probe;
    /// <summary>Probe state: an append is out and we wait for its answer before sending another.</summary>
    public bool ProbeSent;
    /// <summary>The last index the outstanding probe carries (its previous index when it carries none).</summary>
    public ulong ProbeLast;
    public ulong PendingSnapshot;
    /// <summary>Last index of each append in flight (replicate state), oldest first.</summary>
    public readonly Queue<ulong> Inflights = new();
    /// <summary>Heard from since the last check-quorum round.</summary>
    public bool RecentActive = true;
    /// <summary>Ticks since this follower last made progress; drives retransmission of lost appends.</summary>
    public int TicksSinceProgress;
    /// <summary>Ticks since any answer from this follower (an ack, a rejection, a heartbeat response).</summary>
    public int TicksSinceHeard;
    /// <summary>
    /// A retransmission fell due while the follower was silent (frozen, or cut off with our appends lost): it waits
    /// for the follower's next answer instead of resending every entry since Match into the silence again.
    /// </summary>
    public bool RetransmitOnAnswer;
    /// <summary>Highest commit index already told to this follower (avoids redundant commit notices).</summary>
    public ulong CommitSent;
    /// <summary>An append carrying entries went to this follower since the last heartbeat round (it stood in for one).</summary>
    public bool AppendedSinceHeartbeat;

    /// <summary>
    /// Replicate state entered from a rejection whose hint we could verify (see <see cref="ResumeAfter"/>): the index
    /// streaming resumed after, so later rejections carrying the same news (answers to appends sent before) are stale.
    /// </summary>
    public ulong ResumedAfter;

    public bool IsPaused(int maxInflight) => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.Count >= maxInflight,
        _ => true,
    };

    public void BecomeProbe()
    {
        Next = State == ProgressState.Snapshot ? Math.Max(Match + 1, PendingSnapshot + 1) : Match + 1;
        State = ProgressState.Probe;
        ProbeSent = false;
        ResumedAfter = 0;
        PendingSnapshot = 0;
        Inflights.Clear();
        CheckInvariant();
    }

    public void BecomeReplicate()
    {
        State = ProgressState.Replicate;
        Next = Match + 1;
        ProbeSent = false;
        ResumedAfter = 0;
        PendingSnapshot = 0;
        Inflights.Clear();
        CheckInvariant();
    }

    public void BecomeSnapshot(ulong snapshotIndex)
    {
        State = ProgressState.Snapshot;
        PendingSnapshot = snapshotIndex;
        ProbeSent = false;
        ResumedAfter = 0;
        Inflights.Clear();
        CheckInvariant();
    }

    /// <summary>
    /// The follower's log is known to match ours through <paramref name="index"/> (a rejection's hint naming an entry
    /// we hold with the same term: Log Matching), so stream from there, pipelined, instead of probing one append at a
    /// time. Match stays (only acks move it: the follower may not have persisted those entries yet).
    /// </summary>
    public void ResumeAfter(ulong index)
    {
        State = ProgressState.Replicate;
        Next = Math.Max(index, Match) + 1;
        ProbeSent = false;
        PendingSnapshot = 0;
        Inflights.Clear();
        ResumedAfter = index;
        CheckInvariant();
    }

    /// <summary>An ack for index n arrived. True if Match moved.</summary>
    public bool MaybeUpdate(ulong n)
    {
        bool updated = false;
        if (Match < n)
        {
            Match = n;
            updated = true;
            ProbeSent = false;
            TicksSinceProgress = 0;
            RetransmitOnAnswer = false; // its pipeline is moving: nothing was lost after all
        }
        Next = Math.Max(Next, n + 1);
        while (Inflights.Count > 0 && Inflights.Peek() <= n) Inflights.Dequeue();
        CheckInvariant();
        return updated;
    }

    /// <summary>The follower rejected an append after index `rejected`; matchHint is where it suggests to probe.
    /// False when the rejection is stale (answers an append we already moved past).</summary>
    public bool MaybeDecrTo(ulong rejected, ulong matchHint)
    {
        if (rejected <= Match)
        {
            // It lacks an entry at or below what it acknowledged. Either the answer is stale (reordered behind later
            // acks), or the follower lost entries it held: a wiped data directory or a shortened log restarts it
            // with a prefix of the log it had. etcd drops every such rejection, which left a follower whose log
            // ends below Match hanging for good (each append starts after entries it lacks). If the hint says its
            // log ends below Match, believe it: its log up to the hint is a prefix of what matched ours (lost data
            // is a lost suffix; a stale answer came from a log that later matched ours up to Match), so lowering
            // Match there never overstates it, and probing from there catches it up (or sends a snapshot).
            if (matchHint >= Match) return false;
            Match = matchHint;
            CountedMatch = Math.Min(CountedMatch, Match);
            Next = matchHint + 1;
            ProbeSent = false;
            CheckInvariant(inflightsBelowNext: false); // the caller leaves Replicate, which drops them
            return true;
        }
        if (State == ProgressState.Replicate)
        {
            Next = Match + 1;
            CheckInvariant(inflightsBelowNext: false); // the caller leaves Replicate, which drops them
            return true;
        }
        if (Next - 1 != rejected) return false;
        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        ProbeSent = false;
        CheckInvariant();
        return true;
    }

    /// <summary>
    /// Throws if the tracker is in a state no sequence of inputs can lead to: the follower matches below what we send
    /// it next (Match &lt; Next), a snapshot is pending only in Snapshot state, and appends are in flight, in order,
    /// only in Replicate state. Every method that moves Next or Match ends here (RaftNode's SendAppend too), so a bug
    /// that breaks one of them fails the step that did it, in the simulator as in a node, instead of quietly sending
    /// the wrong entries. A rejection moves Next below appends still in flight, just before the caller leaves
    /// Replicate (<paramref name="inflightsBelowNext"/> false there).
    /// </summary>
    public void CheckInvariant(bool inflightsBelowNext = true)
    {
        if (Match >= Next)
            throw new InvalidOperationException($"Raft progress invariant broken: Match {Match} >= Next {Next} ({State})");
        if ((State == ProgressState.Snapshot) != (PendingSnapshot > 0))
            throw new InvalidOperationException($"Raft progress invariant broken: pending snapshot {PendingSnapshot} in {State} state");
        if (State != ProgressState.Replicate && Inflights.Count > 0)
            throw new InvalidOperationException($"Raft progress invariant broken: {Inflights.Count} appends in flight in {State} state");
        ulong previous = Match;
        foreach (var last in Inflights)
        {
            if (last <= previous || (inflightsBelowNext && last >= Next))
                throw new InvalidOperationException($"Raft progress invariant broken: in-flight append up to {last} outside ({Match}, {Next}) or out of order");
            previous = last;
        }
    }
}
