using FastDb.Raft;
using FastDb.Server.StateMachine;

namespace FastDb.Server.Cluster;

/// <summary>A request a client sent to this node (its origin), waiting here until this node has applied it.</summary>
public sealed class PendingRequest(ClientRequest request, byte[] bytes, Task<Answer> answer)
{
    public ClientRequest Request { get; } = request;
    /// <summary>The ClientRequest bytes: the log entry to be, and what a Forward frame carries.</summary>
    public byte[] Bytes { get; } = bytes;
    public Task<Answer> Answer { get; } = answer;
    /// <summary>When it was last proposed or forwarded (long.MinValue: held, waiting for a leader).</summary>
    public long SentAtTick = long.MinValue;
}

/// <summary>
/// Gets every request into the log through whoever leads: step 3 of design.md's "one request, end to end".
/// A request a client sent here is proposed (if this node leads) or forwarded, as the same ClientRequest bytes, to
/// the leader it knows; it stays pending until this node applies it, and is re-sent with the same request id on
/// every leader change and after <see cref="RetryTicks"/> without progress. Duplicates in the log are harmless: the
/// state machine answers a request id it has applied with the original answer. A request forwarded here by a peer is
/// proposed, passed on one hop, or held while no leader is known. Loop thread only.
///
/// A leader with a batch window (<paramref name="batchWindowMs"/> &gt; 0) holds what it would propose for up to that
/// long after the first such request, then proposes them together: one append (and one acknowledgement) per follower
/// for the lot instead of one per loop turn that happened to see a request. The loop asks <see cref="MsUntilBatchDue"/>
/// when to wake for it and calls <see cref="ProposeBatch"/> before it takes Raft's output.
/// </summary>
public sealed class RequestRouter(ulong self, RaftNode raft, Membership membership, IPeerTransport transport,
    int batchWindowMs = 0, TimeProvider? time = null)
{
    /// <summary>A batch this large is proposed at once, whatever is left of its window.</summary>
    public const int MaxBatch = 64;

    /// <summary>Ticks without this node applying a pending request before it is sent to the leader again.</summary>
    public const int RetryTicks = 25;

    /// <summary>Forwarded requests held while no leader is known (the origins re-send anyway; this only saves time).</summary>
    private const int MaxHeldRequests = 1024;

    /// <summary>How long held requests wait for a leader before they are dropped (their origins re-send them).</summary>
    private const int HeldTicks = 50;

    /// <summary>Request ids a leader remembers having proposed in its current term (a bound, not a correctness need).</summary>
    private const int MaxProposedIds = 4096;

    private readonly Dictionary<RequestId, PendingRequest> _pending = new();
    private readonly List<byte[]> _held = new();                  // forwarded to us while no leader was known
    private long _heldSinceTick;
    private readonly HashSet<RequestId> _proposedIds = new();     // proposed by us as leader in _proposedTerm
    private readonly Queue<RequestId> _proposedOrder = new();
    private ulong _proposedTerm;
    private long _ticks;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly List<byte[]> _batch = new();                 // leader: held for the batch window
    private long _batchOpenedAt;                                  // _time's timestamp of the batch's first request

    /// <summary>Whether anything waits here for the log (the loop then wakes for re-sends).</summary>
    public bool HasWaiting => _pending.Count > 0 || _held.Count > 0;

    /// <summary>A request a client sent to this node.</summary>
    public void Add(PendingRequest pending)
    {
        _pending[pending.Request.Id] = pending;
        Send(pending);
    }

    /// <summary>The clock: drop answered requests, release held ones, re-send what made no progress.</summary>
    public void OnTick(long ticks)
    {
        _ticks = ticks;
        if (ticks % 8 == 0) DropAnswered();
        if (_held.Count > 0) ReleaseHeld();
        // A held request (never sent: no leader, or no address for it, was known) is due at once: a leader change
        // sends it too, but an address learned without one would not.
        foreach (var pending in _pending.Values)
            if ((pending.SentAtTick == long.MinValue || ticks - pending.SentAtTick >= RetryTicks) && !pending.Answer.IsCompleted) Send(pending);
    }

    /// <summary>Ticks until <see cref="OnTick"/> has work (answered requests to drop, re-sends).</summary>
    public int TicksUntilNextEvent(long ticks) => HasWaiting ? 8 - (int)(ticks % 8) : int.MaxValue;

    /// <summary>Proposes a request this node received over HTTP, locally or through the leader it knows.</summary>
    private void Send(PendingRequest pending)
    {
        if (pending.Answer.IsCompleted) return;
        if (raft.Role == RaftRole.Leader)
        {
            pending.SentAtTick = ProposeOnce(pending.Request.Id, pending.Bytes) ? _ticks : long.MinValue;
            return;
        }
        if (!membership.TryGetLeaderAddress(out var address))
        {
            pending.SentAtTick = long.MinValue; // held until a leader is known
            return;
        }
        transport.Send(address, PeerFrames.Forward, pending.Bytes);
        pending.SentAtTick = _ticks;
    }

    /// <summary>A request a peer forwarded: proposed if this node leads, else one more hop, else held.</summary>
    public void Forwarded(byte[] bytes)
    {
        if (raft.Role == RaftRole.Leader)
        {
            if (ClientRequest.TryReadId(bytes, out var id)) ProposeOnce(id, bytes);
            return;
        }
        // One more hop to the leader we know; the origin re-sends anyway if this is lost.
        if (membership.TryGetLeaderAddress(out var address))
        {
            transport.Send(address, PeerFrames.Forward, bytes);
            return;
        }
        // No leader known, typically mid-election (a voter hands its waiting requests to the candidate it votes
        // for): hold them, and propose or pass them on the moment a leader is known.
        if (_held.Count == 0) _heldSinceTick = _ticks;
        if (_held.Count < MaxHeldRequests) _held.Add(bytes);
    }

    /// <summary>
    /// Proposes a request unless this leader already did in its current term: an entry a leader appended in its
    /// own term stays in its log for as long as it leads, so the re-sends that follow a leader change or a slow
    /// commit would only add duplicate entries (harmless to the state machine, but bytes on every link).
    /// </summary>
    private bool ProposeOnce(RequestId id, byte[] bytes)
    {
        if (_proposedTerm != raft.Term)
        {
            _proposedTerm = raft.Term;
            _proposedIds.Clear();
            _proposedOrder.Clear();
        }
        if (_proposedIds.Contains(id)) return true;
        if (batchWindowMs > 0)
        {
            if (_batch.Count == 0) _batchOpenedAt = _time.GetTimestamp();
            _batch.Add(bytes);
            if (_batch.Count >= MaxBatch) ProposeBatch(force: true);
        }
        else if (raft.Propose(bytes).Outcome != ProposeOutcome.Accepted) return false;
        _proposedIds.Add(id);
        _proposedOrder.Enqueue(id);
        if (_proposedOrder.Count > MaxProposedIds) _proposedIds.Remove(_proposedOrder.Dequeue());
        return true;
    }

    /// <summary>Milliseconds until the batch window closes (0: due now), or int.MaxValue with no batch open.</summary>
    public int MsUntilBatchDue()
    {
        if (_batch.Count == 0) return int.MaxValue;
        var left = batchWindowMs - _time.GetElapsedTime(_batchOpenedAt).TotalMilliseconds;
        return left <= 0 ? 0 : (int)Math.Ceiling(left);
    }

    /// <summary>
    /// Proposes the held batch once its window has closed (or at once with <paramref name="force"/>). A leader that
    /// lost its role meanwhile passes the batch on like forwarded requests (a duplicate in the log is harmless).
    /// </summary>
    public void ProposeBatch(bool force = false)
    {
        if (_batch.Count == 0 || (!force && MsUntilBatchDue() > 0)) return;
        var batch = _batch.ToArray();
        _batch.Clear();
        foreach (var bytes in batch)
        {
            var leads = raft.Role == RaftRole.Leader;
            if (leads && raft.Propose(bytes).Outcome == ProposeOutcome.Accepted) continue;
            if (!ClientRequest.TryReadId(bytes, out var id)) continue;
            _proposedIds.Remove(id);
            if (!leads) Forwarded(bytes);
            // Refused by Raft while leading (a leadership transfer): ours is sent again on the next tick, a peer's
            // by its origin.
            else if (_pending.TryGetValue(id, out var ours)) ours.SentAtTick = long.MinValue;
        }
    }

    /// <summary>Everything waiting here (our clients' requests, and those held for want of a leader) to the leader now known.</summary>
    public void SendWaiting()
    {
        foreach (var pending in _pending.Values) Send(pending);
        ReleaseHeld();
    }

    /// <summary>Hands held requests to the leader now known (proposing them if that is us), or drops stale ones.</summary>
    private void ReleaseHeld()
    {
        if (_held.Count == 0) return;
        if (raft.LeaderId == 0)
        {
            if (_ticks - _heldSinceTick > HeldTicks) _held.Clear();
            return;
        }
        var held = _held.ToArray();
        _held.Clear();
        foreach (var bytes in held) Forwarded(bytes);
    }

    /// <summary>
    /// When this node votes for a candidate it hands the candidate its waiting requests, so a candidate that wins
    /// proposes them with its first entry instead of a round trip later, when each follower has learned of it.
    /// </summary>
    public void OnVoteGranted(ulong candidate)
    {
        if (_pending.Count == 0 || candidate == self || !membership.TryGetAddress(candidate, out var address)) return;
        foreach (var pending in _pending.Values)
            if (!pending.Answer.IsCompleted) transport.Send(address, PeerFrames.Forward, pending.Bytes);
    }

    private void DropAnswered()
    {
        List<RequestId>? done = null;
        foreach (var (id, pending) in _pending)
            if (pending.Answer.IsCompleted) (done ??= new()).Add(id);
        if (done is null) return;
        foreach (var id in done) _pending.Remove(id);
    }
}
