// The Raft consensus algorithm as a pure, deterministic state machine (after etcd-io/raft: raft.go, rawnode.go).
//
// API (the host drives it from one thread; nothing here touches sockets, clocks, threads or files):
//   new RaftNode(options, seededRandom, hardState, snapshotOrNull, entriesAfterSnapshot)   restore from storage
//   Bootstrap(selfContext)            brand-new first node: a one-member config holding itself, then it leads.
//                                     A brand-new joiner does NOT call it: its config is empty, it never
//                                     campaigns, and learns the log from the leader once added.
//   CatchUpBeforeVoting(firstBoot)    storage may have lost what this node acknowledged (empty where a member's
//                                     may have been wiped): no votes, no campaign until it caught up from a leader
//   Tick()                            one tick of the host's clock (the host picks the length, e.g. 10 ms)
//   Step(message)                     any message from the wire; stale, misaddressed or malformed ones are ignored
//   Propose(data)                     Accepted(index, term) | NotLeader(leaderHint) | Dropped
//   ProposeConfigChange(cc)           single-server AddNode/RemoveNode (context = the node's address)
//   TransferLeadership(to)            leader hands over (TimeoutNow) once `to` is up to date
//   SetSuccessorRank(rank)            0: the leader's chosen successor (its election timer fires first), 1: others
//   SuspectLeader()                   the host's failure detector: the leader seems gone (link closed, silent since)
//   HasReady / GetReady() / Advance(ready)   the output hand-off; see Ready for the persist → send → apply order
//   Compact(appliedIndex, smImage)    host snapshot: the log up to appliedIndex is dropped; returns the Snapshot
//   Id, Term, LeaderId, CommitIndex, AppliedIndex, LastIndex, Role, Members, Snapshot
//
// Restart: the host restores its state machine from the snapshot; the first Ready then holds every committed
// entry after the snapshot as CommittedEntries (the state machine is in memory, so they are applied again).
using System;
using System.Collections.Generic;
using System.Linq;

namespace FastDb.Raft;

public sealed class RaftNode
{
    private readonly RaftOptions _o;
    private readonly Random _rng;

    // Persistent state (HardState) and the log: entries _snapIndex+1 .. LastIndex are held in _log.
    private ulong _vote;
    private ulong _snapIndex, _snapTerm;
    private Snapshot? _snapshot;
    private Dictionary<ulong, ReadOnlyMemory<byte>> _snapMembers = new();
    private readonly List<Entry> _log = new();

    // Hand-off pointers. Entries <= _stable are persisted (Advance said so); entries >= _unstableFrom have not
    // been handed to the host yet; entries <= _applied were handed out for applying.
    private ulong _stable, _unstableFrom, _applied;
    private Snapshot? _pendingSnapshot;
    private List<Message> _msgs = new();
    private HardState _prevHard;
    private SoftState _prevSoft;

    // Configuration: takes effect as soon as its entry is in the log (committed or not).
    private Dictionary<ulong, ReadOnlyMemory<byte>> _members = new();
    private ulong _lastConfigIndex;

    // Elections.
    private int _electionElapsed, _heartbeatElapsed, _randomizedElectionTimeout;
    private int _successorRank = -1;                       // see SetSuccessorRank
    private bool _leaderSuspected;                         // see SuspectLeader: no lease, and the short election timer
    private readonly HashSet<ulong> _granted = new(), _rejected = new();
    private readonly Dictionary<ulong, (ulong Index, ulong Term)> _voterLast = new(); // this election's voters' last entry

    // Leader state.
    private readonly Dictionary<ulong, Progress> _progress = new();
    private ulong _termStartIndex, _leadTransferee;
    private int _transferElapsed;
    private bool _needBroadcast, _commitAdvanced;
    private ulong _noticedCommit;                          // leader: commit index the last commit notices covered
    private readonly HashSet<ulong> _noticeOrigins = new();

    // Whether this node may vote and campaign (see CatchUpBeforeVoting).
    private enum Voting : byte { Voter, FirstBoot, CatchingUp }
    private Voting _voting;
    private ulong _firstBootIndex;
    private ulong _rejoinNonce; // this life's nonce while catching up (see CatchUpBeforeVoting)
    private (ulong Id, ulong Term) _firstBootGrant; // not yet caught up: whom it last voted for, and in which term (see MayGrantVote)

    // Fast commit from broadcast acks (follower side), all for the current term only.
    private readonly Dictionary<ulong, ulong> _acks = new();
    private ulong _leaderSentIndex, _acceptedFromLeader;

    // ReadIndex (dissertation §6.4). A read waits in _readsAwaitingTermCommit until this leader has committed an entry
    // of its own term; then it records its read index and the next heartbeat round, and is confirmed once a majority
    // acknowledged a heartbeat of that round or later: nobody had deposed this leader when the read arrived.
    // Heartbeats carry the round in Index (0 until the first read). The read index is this leader's last index, not
    // its commit index as in the dissertation: with BroadcastAcks a follower learns of a commit (and answers its
    // client) before the leader does, so the leader's commit index can lag a write already acknowledged; every
    // committed entry is in a confirmed leader's log, so waiting to apply its last index sees them all (the
    // simulator's ReadIndexReaders found the lag: seed 29, 3 nodes).
    private readonly List<ulong> _readsAwaitingTermCommit = new();
    private readonly List<(ulong Context, ulong Index, ulong Round)> _readsInFlight = new();
    private readonly Dictionary<ulong, ulong> _readRoundAcked = new();
    private List<ReadState> _readStates = new();
    private ulong _readRound;
    private bool _readRoundDue;

    public ulong Id => _o.Id;
    public ulong Term { get; private set; }
    public ulong LeaderId { get; private set; }
    public ulong CommitIndex { get; private set; }
    public ulong AppliedIndex => _applied;
    public RaftRole Role { get; private set; }
    public ulong LastIndex => _snapIndex + (ulong)_log.Count;
    public IReadOnlyDictionary<ulong, ReadOnlyMemory<byte>> Members => _members;
    /// <summary>The latest snapshot this node holds (restored, compacted or installed), or null.</summary>
    public Snapshot? Snapshot => _snapshot;
    /// <summary>True while this node neither votes nor campaigns, until it has caught up from a leader.</summary>
    public bool IsCatchingUp => _voting == Voting.CatchingUp;
    /// <summary>True until it has caught up since CatchUpBeforeVoting (also while it votes as at a first boot): the host keeps its marker until then.</summary>
    public bool CatchUpPending => _voting != Voting.Voter;

    public RaftNode(RaftOptions o, Random rng, HardState hs, Snapshot? snapshot, IReadOnlyList<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(entries);
        o.Validate();
        _o = o;
        _rng = rng;
        if (snapshot is not null)
        {
            _snapshot = snapshot;
            _snapIndex = snapshot.Index;
            _snapTerm = snapshot.Term;
            _snapMembers = new Dictionary<ulong, ReadOnlyMemory<byte>>(snapshot.Members);
        }
        foreach (var e in entries)
        {
            if (e.Index <= _snapIndex) continue; // already folded into the snapshot
            if (e.Index != LastIndex + 1)
                throw new ArgumentException($"restored entries are not contiguous: expected index {LastIndex + 1}, got {e.Index}");
            if (e.Term < LastTerm) throw new ArgumentException($"restored entry {e.Index} has a term below its predecessor");
            _log.Add(e);
        }
        if (hs.Commit > LastIndex)
            throw new ArgumentException($"hard state commit {hs.Commit} is beyond the last restored entry {LastIndex}: the log lost committed entries");
        // A term past the bound can only have been stored by a build that accepted a forged message; one more
        // election would wrap it to 0. Refuse to start rather than run with it.
        if (Math.Max(hs.Term, LastTerm) > RaftLimits.MaxStoredTerm)
            throw new ArgumentException($"hard state term {Math.Max(hs.Term, LastTerm)} is beyond the bound {RaftLimits.MaxStoredTerm} (2^63): it came from a forged message an older build accepted, or a damaged file; this data directory cannot be used");
        // Entries of a later term than the hard state's: the host persists a Ready's entries before its hard state
        // and crashed in between. This node was in that term, but never voted in it (a vote leaves only after its
        // hard state is stored), so it resumes in that term with no vote.
        Term = Math.Max(hs.Term, LastTerm);
        _vote = Term == hs.Term ? hs.VotedFor : 0;
        CommitIndex = Math.Max(hs.Commit, _snapIndex);
        _stable = LastIndex;
        _unstableFrom = LastIndex + 1;
        _applied = _snapIndex;
        _prevHard = new HardState(Term, _vote, CommitIndex);
        RecomputeConfig();
        Role = RaftRole.Follower;
        ResetRandomizedElectionTimeout();
        _prevSoft = new SoftState(Role, LeaderId, Term);
    }

    /// <summary>Makes a brand-new node the sole member of a new cluster; it elects itself at once.</summary>
    public void Bootstrap(ReadOnlyMemory<byte> selfContext)
    {
        if (LastIndex != 0 || Term != 0 || _snapshot is not null)
            throw new InvalidOperationException("Bootstrap is only for a brand-new node with empty storage");
        var cc = new ConfigChange(ConfigChangeType.AddNode, Id, selfContext.ToArray());
        Term = 1;
        AppendToLog(new Entry(1, 1, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(cc)));
        CommitIndex = 1;
        Campaign(transfer: false);
    }

    /// <summary>
    /// The host says this node's storage may lack entries it acknowledged: its data directory is empty (a brand-new
    /// node and a wiped one look alike) or it lost part of its log. A node that voted or led with such a log could
    /// elect a leader missing committed entries (its lost acks were part of their majority) or vote twice in a term
    /// (its vote is gone too). Its previous life's promises also outlive it: a vote grant still in flight to a
    /// frozen candidate, a term a deposed leader has not heard of. So until it has caught up it grants no vote,
    /// never campaigns, and its answers carry <paramref name="rejoinNonce"/> (unique to this life), which makes
    /// leaders and followers leave its acks out of every commit and read count; it is a member that is down, as far
    /// as quorums go. A leader that hears such an answer appends a RejoinNotice (a noop naming the node and the
    /// nonce) and commits it with the others' acks alone. The node has caught up once it holds that notice
    /// committed: it then holds every entry committed before the notice, and the notice, committed by a majority
    /// without it, is missing from any candidate that could win with a grant from its previous life (such a
    /// candidate's log predates the notice, and every majority holds a voter that refuses it). This is etcd's
    /// remove-and-add-back as one entry: both configurations' majorities, neither counting this node, agree on it.
    ///
    /// Only in the octopus layout (firstBootIndex > 0), where membership is fixed. In the join layout a node with an
    /// empty directory is usually a new member being added, often to a cluster that needs its acks for a majority
    /// (adding a second member to a first): there its acks count, and it votes once it holds an entry of the current
    /// leader's term and everything that leader had committed. A wiped member there should be removed and added back.
    ///
    /// firstBootIndex > 0: the host re-created the static bootstrap (entries 1..firstBootIndex, as every member of an
    /// octopus layout writes at first boot), where a first boot and a wipe look alike and a first boot must vote.
    /// The node then votes as at a first boot, but only for candidates whose log is the bootstrap too: a candidate
    /// with more shows the cluster went past its first boot, and may lack what this node acknowledged before a
    /// wipe (voting for such candidates anyway let the simulator elect leaders missing committed entries). Once a
    /// message shows that something beyond the bootstrap was committed (a leader's commit index beyond it, a
    /// snapshot; in a running cluster, the leader's first heartbeat) it votes for nobody until it caught up. The
    /// price, at a genuine first boot: if the first leader's first entry reached only a minority and that leader
    /// stays down, the nodes without it wait for it (or for an election among nodes that all still hold just the
    /// bootstrap); once back, it is elected again by those that elected it (MayGrantVote). The residual risk: a wiped node plus nodes that have held nothing beyond the bootstrap since
    /// their own first boot can form a majority while every node holding the real log is unreachable; that
    /// majority looks exactly like a first boot and may elect a leader without the log (nothing local can tell).
    /// </summary>
    /// <param name="firstBootIndex">The static bootstrap's last index, 0 for none.</param>
    /// <param name="rejoinNonce">Non-zero, never reused by this node (the host draws it at random at every start).</param>
    public void CatchUpBeforeVoting(ulong firstBootIndex, ulong rejoinNonce)
    {
        if (Role == RaftRole.Leader) throw new InvalidOperationException("call CatchUpBeforeVoting right after restoring, before any input");
        ArgumentOutOfRangeException.ThrowIfZero(rejoinNonce);
        _firstBootIndex = firstBootIndex;
        _rejoinNonce = firstBootIndex > 0 ? rejoinNonce : 0; // see the join layout above
        _voting = firstBootIndex > 0 && LastIndex == firstBootIndex && _snapshot is null ? Voting.FirstBoot : Voting.CatchingUp;
        // Octopus layout: the vote in its hard state was cast in this life of its directory (a wipe resets it).
        _firstBootGrant = firstBootIndex > 0 && _vote != 0 && _vote != Id ? (_vote, Term) : default;
    }

    /// <summary>A FirstBoot node that learns of a commit beyond the bootstrap must catch up before voting.</summary>
    private void NoteEvidence(in Message m)
    {
        bool past = m.Type switch
        {
            MessageType.Append or MessageType.Heartbeat or MessageType.CommitNotice => m.Commit > _firstBootIndex,
            MessageType.InstallSnapshot => true,
            _ => false,
        };
        if (!past) return;
        // It took part in the first boot: it accepted, as a first-boot voter, this leader's entries up to the commit
        // it now announces (the first leader's noop commits with first-boot acks). Anything else may be a wipe.
        if (m.Type != MessageType.InstallSnapshot && m.Commit <= LastIndex && TryTerm(m.Commit, out var t) && t == m.Term && t == Term)
            _voting = Voting.Voter;
        else
        {
            _voting = Voting.CatchingUp;
            _firstBootGrant = default; // likely a wiped node in a running cluster: it grants nobody until caught up
        }
    }

    /// <summary>
    /// A FirstBoot node grants candidates holding just the bootstrap. It and a node that restarted catching up
    /// (octopus layout) also grant the candidate they last voted for in this life of their directory, if that
    /// candidate's log ends in the term of that vote or earlier: the first leader, who has written its noop since.
    /// Without this, a first boot wedged for good when that noop reached the leader and a node that then restarted
    /// before dropping its marker (so it is catching up), while the third node missed it: the leader needs one of
    /// them, and nobody else can win (Raft soak seeds 3914, 17025, 23787, 14080, and 32409 for the restarted node).
    /// The grant outlives later terms (the leader's repeated campaigns raise everyone's term: seed 17025); a node
    /// that turns catching up on evidence of a running cluster drops it. It adds no risk beyond the first residual
    /// one of CatchUpBeforeVoting: the earlier grant was a first-boot one (the candidate then held just the
    /// bootstrap) or a voter's (catching-up nodes grant no one else), the node's own entries since are this life's
    /// (so Raft's up-to-date check covers them), and the candidate's entries since are of that term or older, so if
    /// the node was wiped, the candidate could already win with that grant while lacking the same committed entries.
    /// </summary>
    private bool MayGrantVote(in Message m) => _voting switch
    {
        Voting.Voter => true,
        Voting.FirstBoot => m.Index <= _firstBootIndex || IsVouchedFor(m),
        _ => IsVouchedFor(m),
    };

    private bool IsVouchedFor(in Message m) => _firstBootGrant.Id != 0 && m.From == _firstBootGrant.Id && m.LogTerm <= _firstBootGrant.Term;

    /// <summary>
    /// A first-boot node (or, in the join layout, a catching-up one) that accepted a leader's append up to lastNew,
    /// whose commit was leaderCommit, votes fully.
    /// </summary>
    private void MaybeCaughtUp(ulong lastNew, ulong leaderCommit)
    {
        if ((_voting == Voting.FirstBoot || _rejoinNonce == 0) && _voting != Voting.Voter && lastNew >= leaderCommit && TryTerm(lastNew, out var t) && t == Term)
            _voting = Voting.Voter;
    }

    /// <summary>
    /// How far a heartbeat or commit notice may move our commit index. They carry min(commit, the match the leader
    /// believes we have), which holds for a log that only leaders changed; a node that lost its storage may hold other
    /// entries at those indexes (taken from a stale leader since), so until it has caught up it trusts only what it
    /// accepted from this leader (simulator seed 7368: a wiped node applied a term-3 entry where term 5's was committed).
    /// </summary>
    private ulong CommitBound => _voting == Voting.Voter ? LastIndex : Math.Min(LastIndex, _acceptedFromLeader);

    /// <summary>A catching-up node whose commit index moves past the RejoinNotice of its nonce has caught up.</summary>
    private void MaybeRejoined(ulong fromExclusive, ulong toInclusive)
    {
        for (ulong i = Math.Max(fromExclusive, _snapIndex) + 1; i <= toInclusive && _voting == Voting.CatchingUp; i++)
        {
            var e = At(i);
            if (e.Type == EntryType.Noop && IsRejoinNoticeFor(e, Id, _rejoinNonce)) _voting = Voting.Voter;
        }
    }

    private static bool IsRejoinNoticeFor(in Entry e, ulong node, ulong nonce)
    {
        try
        {
            return RejoinNotice.TryRead(e.Data.Span, out var n, out var k) && n == node && k == nonce;
        }
        catch (FormatException)
        {
            return false; // the host refuses malformed entries before they reach the log; never ours anyway
        }
    }

    /// <summary>
    /// Leader, on every answer: an ack without a rejoin nonce counts (an ack from before the sender lost its storage
    /// is true of that life: like an entry it acked and then lost, which the notice below recovers from); an
    /// answer with one makes the leader append that nonce's RejoinNotice, once (again only if compaction swallowed
    /// it: a snapshot hides it from the node).
    /// </summary>
    private void NoteRejoin(in Message m, Progress pr)
    {
        if (m.Rejoin == 0)
        {
            if (m.Type == MessageType.AppendResponse && !m.Reject)
                pr.CountedMatch = Math.Max(pr.CountedMatch, Math.Min(m.Index, LastIndex));
            return;
        }
        if (m.Rejoin != pr.RejoinNonce)
        {
            pr.RejoinNonce = m.Rejoin;
            pr.RejoinIndex = 0;
        }
        if ((pr.RejoinIndex == 0 || pr.RejoinIndex <= _snapIndex) && _leadTransferee == 0 && IsMember(m.From))
        {
            AppendToLog(new Entry(Term, LastIndex + 1, EntryType.Noop, RejoinNotice.ToBytes(m.From, m.Rejoin)));
            pr.RejoinIndex = LastIndex;
            _needBroadcast = true;
        }
    }

    // ---------------------------------------------------------------- log helpers

    private ulong LastTerm => _log.Count > 0 ? _log[^1].Term : _snapTerm;

    private Entry At(ulong index) => _log[(int)(index - _snapIndex - 1)];

    /// <summary>Term of the entry at index, if this node still knows it (not compacted, not beyond the end).</summary>
    private bool TryTerm(ulong index, out ulong term)
    {
        if (index == _snapIndex) { term = _snapTerm; return true; }
        if (index < _snapIndex || index > LastIndex) { term = 0; return false; }
        term = At(index).Term;
        return true;
    }

    private void AppendToLog(Entry e)
    {
        _log.Add(e);
        if (e.Type == EntryType.ConfigChange) ApplyConfigEntry(e);
    }

    /// <summary>Drops entries from index on (a conflicting suffix); the host rewrites from there.</summary>
    private void TruncateFrom(ulong index)
    {
        int keep = (int)(index - _snapIndex - 1);
        bool hadConfig = false;
        for (int i = keep; i < _log.Count; i++) hadConfig |= _log[i].Type == EntryType.ConfigChange;
        _log.RemoveRange(keep, _log.Count - keep);
        _stable = Math.Min(_stable, index - 1);
        _unstableFrom = Math.Min(_unstableFrom, index);
        if (hadConfig) RecomputeConfig();
    }

    /// <summary>Largest index ≤ index whose term is ≤ term (etcd findConflictByTerm): skips a whole wrong term at once.</summary>
    private (ulong Index, ulong Term) FindConflictByTerm(ulong index, ulong term)
    {
        while (true)
        {
            if (!TryTerm(index, out var t)) return (index, 0);
            if (t <= term || index == 0) return (index, t);
            index--;
        }
    }

    private bool IsUpToDate(ulong lastIndex, ulong lastTerm) =>
        lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>Whether a candidate whose log is at least as up to date as ours comes first: newer log, else smaller id.</summary>
    private bool HasPrecedence(in Message m) =>
        m.LogTerm > LastTerm || (m.LogTerm == LastTerm && (m.Index > LastIndex || (m.Index == LastIndex && m.From < Id)));

    // ---------------------------------------------------------------- configuration

    private void RecomputeConfig()
    {
        _members = new Dictionary<ulong, ReadOnlyMemory<byte>>(_snapMembers);
        _lastConfigIndex = _snapIndex;
        foreach (var e in _log)
            if (e.Type == EntryType.ConfigChange) ApplyConfigEntry(e);
    }

    private static bool TryDecodeConfig(in Entry e, out ConfigChange cc)
    {
        try { cc = ConfigChangeCodec.Read(e.Data.Span); return true; }
        catch (FormatException) { cc = default; return false; }
    }

    private void ApplyConfigEntry(in Entry e)
    {
        _lastConfigIndex = Math.Max(_lastConfigIndex, e.Index);
        if (!TryDecodeConfig(e, out var cc)) return; // a malformed change is a no-op everywhere, deterministically
        if (cc.Type == ConfigChangeType.AddNode)
        {
            _members[cc.NodeId] = cc.Context;
            if (Role == RaftRole.Leader && cc.NodeId != Id && !_progress.ContainsKey(cc.NodeId))
                _progress[cc.NodeId] = new Progress(LastIndex + 1);
        }
        else
        {
            _members.Remove(cc.NodeId);
            _progress.Remove(cc.NodeId);
            _acks.Remove(cc.NodeId);
            if (_leadTransferee == cc.NodeId) _leadTransferee = 0;
        }
    }

    private bool IsMember(ulong id) => _members.ContainsKey(id);
    private int Majority => _members.Count / 2 + 1;

    /// <summary>Members that commit an entry (see RaftOptions.CommitQuorum); never more than a majority.</summary>
    private int FlexibleCommitQuorum => RaftOptions.CommitQuorumOf(_o.CommitQuorum, _members.Count);

    /// <summary>
    /// Members whose holding commits an entry, confirms a read or keeps a leader in office (check-quorum): any such set
    /// meets every election quorum. A majority while this node's log holds an uncommitted configuration change: a
    /// commit quorum of the new configuration must then also meet the old one's election quorums, which a pair
    /// need not (a pair with an added member can miss four of the old five) and a majority does.
    /// </summary>
    private int CommitQuorum => _lastConfigIndex > CommitIndex ? Majority : FlexibleCommitQuorum;

    /// <summary>Votes that elect (or pre-elect) a leader: meets every commit quorum, and every other election quorum.</summary>
    private int ElectionQuorum => Math.Max(_members.Count - FlexibleCommitQuorum + 1, Majority);

    /// <summary>The highest index held by <paramref name="quorum"/> members, given each member's matched index.</summary>
    private ulong QuorumIndex(int quorum, Func<ulong, ulong> matchOf)
    {
        if (_members.Count == 0) return 0;
        Span<ulong> m = _members.Count <= 16 ? stackalloc ulong[_members.Count] : new ulong[_members.Count];
        int i = 0;
        foreach (var id in _members.Keys) m[i++] = matchOf(id);
        m.Sort();
        return m[m.Length - quorum]; // the quorum-th largest
    }

    /// <summary>
    /// How many members this node knows to hold the committed entry at <paramref name="index"/> (a lower bound, for
    /// clients that want to see how widely a write is stored). A leader counts matched progress; a follower counts
    /// itself, the leader and the acknowledgements broadcast to it in this term. A committed entry is on a majority
    /// even when this node has not heard that from every one of them, so the answer is never below the quorum then.
    /// </summary>
    public int ReplicaCount(ulong index)
    {
        if (index == 0 || index > CommitIndex) return 0;
        ulong self = Math.Min(_stable, LastIndex);
        int known = 0;
        foreach (var id in _members.Keys)
        {
            ulong held = id == Id ? self
                : Role == RaftRole.Leader ? (_progress.TryGetValue(id, out var p) ? p.CountedMatch : 0)
                : id == LeaderId ? _leaderSentIndex
                : _acks.GetValueOrDefault(id);
            if (held >= index) known++;
        }
        return Math.Max(known, Math.Min(CommitQuorum, _members.Count));
    }

    // ---------------------------------------------------------------- role changes

    private void ResetTerm(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            _vote = 0;
            _acks.Clear();
            _voterLast.Clear();
            _leaderSentIndex = 0;
            _acceptedFromLeader = 0;
        }
        LeaderId = 0;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        _leaderSuspected = false;
        ResetRandomizedElectionTimeout();
        _leadTransferee = 0;
        _granted.Clear();
        _rejected.Clear();
        _progress.Clear();
        _needBroadcast = false;
        _commitAdvanced = false;
        // A read not yet confirmed is dropped with the role it was asked of; its host times it out and asks again.
        _readsAwaitingTermCommit.Clear();
        _readsInFlight.Clear();
        _readRoundAcked.Clear();
        _readRoundDue = false;
    }

    private int LeaseTicks => Math.Max(_o.HeartbeatIntervalTicks + 1, _o.ElectionTimeoutMinTicks - _o.HeartbeatIntervalTicks);

    private void ResetRandomizedElectionTimeout()
    {
        int min = _o.ElectionTimeoutMinTicks, max = _o.ElectionTimeoutMaxTicks, hb = _o.HeartbeatIntervalTicks;
        // A named successor draws from the bottom of the range and everyone else from above it (when the range is
        // wide enough to split), so the member the leader would hand over to is the one whose timer fires first.
        if (_successorRank == 0) max = Math.Min(max, min + hb);
        else if (_successorRank > 0 && min + 2 * hb <= max) min += 2 * hb;
        _randomizedElectionTimeout = _rng.Next(min, max + 1);
    }

    /// <summary>
    /// The host's word on where this node stands if the leader goes away: 0 for the member the leader would hand over
    /// to, 1 for the others, -1 for no word (the whole range, as plain Raft). It only moves this node's own election
    /// timer within [min, max] (so safety is untouched); a change takes effect at once.
    /// </summary>
    public void SetSuccessorRank(int rank)
    {
        rank = Math.Clamp(rank, -1, 1);
        if (rank == _successorRank) return;
        _successorRank = rank;
        if (Role != RaftRole.Leader) ResetRandomizedElectionTimeout();
    }

    /// <summary>
    /// The host's failure detector says the leader seems gone: its link to this node closed and it has been silent
    /// since. The follower stops honouring the leader's lease, so it grants pre-votes and votes at once, and its
    /// election timer fires soon: within a tick as the leader's named successor, after two to four heartbeats otherwise
    /// (so the successor usually wins unopposed); hearing from a leader restores both. It keeps the leader itself
    /// (unlike etcd-raft's ForgetLeader): while the link is down it still commits from the other members' acks and
    /// answers what they acknowledged (host simulator, one killed link: dropping the leader there held 13 answered
    /// requests back until the heal). Safety is untouched (votes never depended on the lease); if the leader is in fact
    /// alive (one dead link), the voters still in its lease refuse the pre-votes.
    /// </summary>
    public void SuspectLeader()
    {
        if (Role != RaftRole.Follower || LeaderId == 0 || _leaderSuspected) return;
        _leaderSuspected = true;
        int hb = _o.HeartbeatIntervalTicks;
        int soon = _electionElapsed + (_successorRank == 0 ? 1 : _rng.Next(2 * hb, 4 * hb + 1));
        _randomizedElectionTimeout = Math.Min(_randomizedElectionTimeout, soon);
    }

    private void BecomeFollower(ulong term, ulong leader)
    {
        ResetTerm(term);
        LeaderId = leader;
        Role = RaftRole.Follower;
    }

    private void BecomeLeader()
    {
        ResetTerm(Term);
        Role = RaftRole.Leader;
        LeaderId = Id;
        _voting = Voting.Voter; // only a FirstBoot node can get here; it now writes the cluster's log itself
        // Every voter told us its last entry. If we hold the same entry (same index and term), Log Matching says
        // its log equals ours up to there, and it persisted that before answering: that is a verified match, so
        // we replicate to it at once, pipelined, instead of probing first. Without that, the first requests after
        // an election wait a round trip behind the noop. Anyone else is probed from our end, as usual.
        foreach (var id in _members.Keys)
        {
            if (id == Id) continue;
            var pr = new Progress(LastIndex + 1);
            if (_voterLast.TryGetValue(id, out var last)) TrustVoterLog(pr, last.Index, last.Term);
            _progress[id] = pr;
        }
        _voterLast.Clear();
        // The noop commits everything before it and lets config changes proceed safely (the fix for the
        // single-server-change bug: no config change until an entry of this term has committed).
        AppendToLog(new Entry(Term, LastIndex + 1, EntryType.Noop, ReadOnlyMemory<byte>.Empty));
        _termStartIndex = LastIndex;
        _needBroadcast = true;
        _noticedCommit = CommitIndex;
        MaybeCommit();
    }

    /// <summary>Starts pipelined replication to a voter whose last entry (index, term) is in our log (see BecomeLeader).</summary>
    private bool TrustVoterLog(Progress pr, ulong index, ulong term)
    {
        if (pr.State != ProgressState.Probe || pr.Match >= index || index > LastIndex || !TryTerm(index, out var t) || t != term)
            return false;
        pr.Match = pr.CountedMatch = index; // told by a vote grant, which a catching-up node never sends
        pr.BecomeReplicate();
        return true;
    }

    private void Campaign(bool transfer)
    {
        if (!IsMember(Id) || _voting == Voting.CatchingUp) return; // joiners, removed and catching-up nodes never campaign
        if (_o.PreVote && !transfer)
        {
            // Ask without raising our term: a node that cannot win (stale log, partitioned) disturbs nobody.
            ResetTerm(Term);
            Role = RaftRole.PreCandidate;
            _granted.Add(Id);
            if (_granted.Count >= ElectionQuorum) { StartElection(false); return; }
            foreach (var id in _members.Keys)
                if (id != Id) Send(new Message(MessageType.PreVote, Id, id, Term + 1, LastTerm, LastIndex));
            // Voters still inside their leader lease ignore us; asking again soon (a pre-vote costs no term)
            // turns a lost round into a short delay instead of a whole election timeout.
            _randomizedElectionTimeout = _rng.Next(Math.Max(1, _o.HeartbeatIntervalTicks / 2), _o.HeartbeatIntervalTicks + 1);
            return;
        }
        StartElection(transfer);
    }

    private void StartElection(bool transfer)
    {
        // Never fires: Step drops messages with a term above RaftLimits.MaxTerm (2^62) and the constructor refuses a
        // stored one above 2^63, so Term stays 2^62 elections short of wrapping (see RaftLimits).
        if (Term == ulong.MaxValue) throw new InvalidOperationException("the term would wrap to 0");
        ResetTerm(Term + 1);
        Role = RaftRole.Candidate;
        _vote = Id;
        _granted.Add(Id);
        if (_granted.Count >= ElectionQuorum) { BecomeLeader(); return; }
        foreach (var id in _members.Keys)
            if (id != Id) Send(new Message(MessageType.Vote, Id, id, Term, LastTerm, LastIndex, Transfer: transfer));
    }

    // ---------------------------------------------------------------- inputs

    public void Tick()
    {
        if (Role == RaftRole.Leader) TickLeader();
        else
        {
            _electionElapsed++;
            if (_electionElapsed >= _randomizedElectionTimeout)
            {
                _electionElapsed = 0;
                Campaign(transfer: false);
            }
        }
    }

    /// <summary>
    /// How many ticks can pass before one of them does something (a heartbeat, a check-quorum round, a
    /// retransmission, an election timeout), at least 1. A host may sleep that long and then call Tick that many
    /// times, instead of waking for every tick; anything that arrives meanwhile is stepped after the ticks that
    /// passed before it.
    /// </summary>
    public int TicksUntilNextEvent()
    {
        int next;
        if (Role == RaftRole.Leader)
        {
            next = Math.Min(_o.HeartbeatIntervalTicks - _heartbeatElapsed, _o.ElectionTimeoutMaxTicks - _electionElapsed);
            if (_leadTransferee != 0) next = Math.Min(next, _o.ElectionTimeoutMaxTicks - _transferElapsed);
            foreach (var pr in _progress.Values)
                next = Math.Min(next, RetransmitTicks(pr) - pr.TicksSinceProgress);
        }
        else next = _randomizedElectionTimeout - _electionElapsed;
        return Math.Max(1, next);
    }

    private void TickLeader()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_leadTransferee != 0 && ++_transferElapsed >= _o.ElectionTimeoutMaxTicks) _leadTransferee = 0;

        if (_electionElapsed >= _o.ElectionTimeoutMaxTicks)
        {
            _electionElapsed = 0;
            if (_o.CheckQuorum)
            {
                int active = IsMember(Id) ? 1 : 0;
                foreach (var (id, pr) in _progress)
                {
                    if (pr.RecentActive && IsMember(id)) active++;
                    pr.RecentActive = false;
                }
                if (active < CommitQuorum)
                {
                    BecomeFollower(Term, 0); // lost touch with a commit quorum: stop pretending to lead
                    return;
                }
            }
        }

        // Retransmit when a follower made no progress for a while (appends or snapshots lost on the way), but only
        // to one that answered meanwhile. A silent one is frozen or cut off: what we sent is still queued for it
        // (frozen: resending all of it again every period only doubles what it must read when it wakes) or lost with
        // its link (then its first answer after the link heals retransmits at once, HandleHeartbeatResponse).
        // Heartbeats keep probing it either way. Octopus charges every byte; in the host simulator's faults this
        // halved the append bytes per answered request (tests/HostSimulation.Tests TrafficMeasurements).
        foreach (var (id, pr) in _progress)
        {
            pr.TicksSinceProgress++;
            pr.TicksSinceHeard++;
            bool waiting = pr.State switch
            {
                ProgressState.Probe => pr.ProbeSent,
                ProgressState.Replicate => pr.Inflights.Count > 0,
                _ => true,
            };
            if (waiting && pr.TicksSinceProgress >= RetransmitTicks(pr))
            {
                bool answeredSinceProgress = pr.TicksSinceHeard < pr.TicksSinceProgress;
                pr.TicksSinceProgress = 0;
                if (answeredSinceProgress) Retransmit(id, pr);
                else pr.RetransmitOnAnswer = true;
            }
        }

        if (_heartbeatElapsed >= _o.HeartbeatIntervalTicks)
        {
            _heartbeatElapsed = 0;
            foreach (var (id, pr) in _progress)
            {
                // An append with entries since the last round already reset its election timer and carried the
                // commit index, and a lost one shows as a rejection of the next; so under load a heartbeat (and its
                // answer) would only cost two more frames per follower per round (octopus: about 2 of the 13 frames
                // per answered request). Reads in flight still need the round (their Index confirms leadership).
                bool appended = pr.AppendedSinceHeartbeat;
                pr.AppendedSinceHeartbeat = false;
                if (appended && _o.HeartbeatOnlyWhenIdle && _readsInFlight.Count == 0) continue;
                ulong c = Math.Min(CommitIndex, pr.Match);
                pr.CommitSent = Math.Max(pr.CommitSent, c);
                // RejectHint (unused by heartbeats otherwise): the last entry sent to it before this heartbeat, when not
                // yet acknowledged. Links are FIFO and followers answer in order, so an answer echoing it with that
                // entry still unacknowledged means the append or its ack was lost (HandleHeartbeatResponse).
                // Index: the ReadIndex round this heartbeat confirms leadership for.
                ulong sent = pr.State == ProgressState.Replicate ? (pr.Next - 1 > pr.Match ? pr.Next - 1 : 0)
                    : pr.State == ProgressState.Probe && pr.ProbeSent ? pr.ProbeLast : 0;
                Send(new Message(MessageType.Heartbeat, Id, id, Term, Index: _readRound, Commit: c, RejectHint: sent));
            }
        }
    }

    /// <summary>
    /// Asks for a linearizable read (ReadIndex). False unless this node leads. The answer comes in a later Ready's
    /// <see cref="Ready.ReadStates"/>, with <paramref name="context"/>, or never if leadership is lost first.
    /// </summary>
    public bool ReadIndex(ulong context)
    {
        if (Role != RaftRole.Leader) return false;
        if (!CommittedInTerm) _readsAwaitingTermCommit.Add(context);
        else StartRead(context);
        return true;
    }

    /// <summary>
    /// Whether this leader may serve a read from its own state now (rqlite's "weak"), once it applied its
    /// <see cref="LastIndex"/> (see ReadIndex for why not its commit index): it leads, has committed an entry of its
    /// term, and check-quorum has not deposed it (a leader that loses a majority steps down within an election
    /// timeout). Not linearizable: a deposed leader can serve stale reads until it notices.
    /// </summary>
    public bool MayReadLocally => Role == RaftRole.Leader && CommittedInTerm;

    /// <summary>Whether this leader has committed an entry of its own term (only then do its reads see every commit).</summary>
    private bool CommittedInTerm => TryTerm(CommitIndex, out var t) && t == Term;

    private void StartRead(ulong context)
    {
        if (CommitQuorum <= (IsMember(Id) ? 1 : 0))
        {
            _readStates.Add(new ReadState(context, LastIndex)); // a lone member is its own majority
            return;
        }
        _readsInFlight.Add((context, LastIndex, _readRound + 1));
        _readRoundDue = true;
    }

    private void HandleReadRoundAck(ulong from, ulong round)
    {
        if (round == 0 || !IsMember(from)) return;
        if (_readRoundAcked.TryGetValue(from, out var had) && had >= round) return;
        _readRoundAcked[from] = round;
        int confirmed = 0;
        foreach (var (ctx, index, readRound) in _readsInFlight)
        {
            int acks = IsMember(Id) ? 1 : 0;
            foreach (var (id, acked) in _readRoundAcked)
                if (acked >= readRound && IsMember(id)) acks++;
            if (acks < CommitQuorum) break; // rounds only grow: later reads need as much or more
            _readStates.Add(new ReadState(ctx, index));
            confirmed++;
        }
        if (confirmed > 0) _readsInFlight.RemoveRange(0, confirmed);
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> data)
    {
        if (Role != RaftRole.Leader) return ProposeResult.NotLeader(LeaderId);
        if (_leadTransferee != 0) return ProposeResult.Dropped;
        AppendToLog(new Entry(Term, LastIndex + 1, EntryType.Normal, data));
        _needBroadcast = true; // sent at the next GetReady, so proposals arriving together travel in one append
        return ProposeResult.Accepted(LastIndex, Term);
    }

    public ProposeResult ProposeConfigChange(ConfigChange cc)
    {
        if (Role != RaftRole.Leader) return ProposeResult.NotLeader(LeaderId);
        if (_leadTransferee != 0 || cc.NodeId == 0) return ProposeResult.Dropped;
        // One change at a time, and only once this term's noop has committed.
        if (_lastConfigIndex > CommitIndex || CommitIndex < _termStartIndex) return ProposeResult.Dropped;
        if (cc.Type == ConfigChangeType.AddNode)
        {
            if (_members.TryGetValue(cc.NodeId, out var ctx) && ctx.Span.SequenceEqual(cc.Context.Span)) return ProposeResult.Dropped;
        }
        else if (!IsMember(cc.NodeId) || _members.Count == 1) return ProposeResult.Dropped;
        var copy = cc with { Context = cc.Context.ToArray() };
        AppendToLog(new Entry(Term, LastIndex + 1, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(copy)));
        _needBroadcast = true;
        return ProposeResult.Accepted(LastIndex, Term);
    }

    public void TransferLeadership(ulong to)
    {
        if (Role != RaftRole.Leader || to == Id || !_progress.TryGetValue(to, out var pr)) return;
        if (_leadTransferee == to) return;
        _leadTransferee = to;
        _transferElapsed = 0;
        if (pr.Match == LastIndex) Send(new Message(MessageType.TimeoutNow, Id, to, Term));
        else SendAppend(to, pr, sendIfEmpty: true);
    }

    /// <summary>
    /// Leader: the host has reason to think follower `id` lost its log (it asked to join again, as a node with an
    /// empty data directory does). Probe it from its matched index now; if its log ends below that, its rejection
    /// resets the match (see Progress.MaybeDecrTo) and it is caught up from where it really is, or from a snapshot.
    /// </summary>
    public void ProbeFollower(ulong id)
    {
        if (Role != RaftRole.Leader || !_progress.TryGetValue(id, out var pr) || pr.State == ProgressState.Snapshot) return;
        pr.BecomeProbe();
        SendAppend(id, pr, sendIfEmpty: true);
    }

    public void Step(in Message m)
    {
        if (m.From == 0 || m.From == Id || (m.To != 0 && m.To != Id) || m.Term == 0) return;
        if (!IsWellFormed(m)) return;
        if (_voting == Voting.FirstBoot) NoteEvidence(m);

        if (m.Term > Term)
        {
            if (m.Type is MessageType.Vote or MessageType.PreVote)
            {
                // Check-quorum lease: we heard from a live leader recently, so this candidate is disruptive.
                // The lease is a heartbeat shorter than the election timeout: heartbeats keep a healthy follower
                // well inside it, and once the leader is gone, voters leave it by the time the earliest timer fires
                // even if their last heartbeat arrived a little later than the candidate's.
                bool inLease = _o.CheckQuorum && LeaderId != 0 && !_leaderSuspected && _electionElapsed < LeaseTicks;
                if (inLease && !m.Transfer) return;
            }
            if (m.Type == MessageType.PreVote) { /* a pre-vote never changes our term */ }
            else if (m.Type == MessageType.PreVoteResponse && !m.Reject) { /* granted for the term we would run in */ }
            else
            {
                bool fromLeader = m.Type is MessageType.Append or MessageType.Heartbeat or MessageType.InstallSnapshot or MessageType.CommitNotice;
                BecomeFollower(m.Term, fromLeader ? m.From : 0);
            }
        }
        else if (m.Term < Term)
        {
            if ((_o.CheckQuorum || _o.PreVote) && m.Type is MessageType.Append or MessageType.Heartbeat)
                Send(new Message(MessageType.AppendResponse, Id, m.From, Term)); // tells a stale leader to step down
            else if (m.Type == MessageType.PreVote)
                Send(new Message(MessageType.PreVoteResponse, Id, m.From, Term, Reject: true));
            return;
        }

        switch (m.Type)
        {
            case MessageType.PreVote:
            case MessageType.Vote:
                HandleVoteRequest(m);
                break;
            case MessageType.PreVoteResponse:
            case MessageType.VoteResponse:
                HandleVoteResponse(m);
                break;
            case MessageType.Append:
            case MessageType.Heartbeat:
            case MessageType.InstallSnapshot:
            case MessageType.CommitNotice:
                if (Role == RaftRole.Leader)
                {
                    // Another leader in our own term: impossible among members (each term's leader won a majority of
                    // votes, and a member votes once per term), so Raft's safety is already gone. Fail loudly rather
                    // than carry on beside it; the simulator fails the seed, a node stops. A stranger's claim is only
                    // a forgery (README: no peer input from a stranger ends the process): dropped.
                    if (IsMember(m.From))
                        throw new InvalidOperationException($"two leaders in term {Term}: this node ({Id}) and {m.From} (its {m.Type})");
                    return;
                }
                if (Role != RaftRole.Follower) BecomeFollower(Term, m.From);
                LeaderId = m.From;
                _electionElapsed = 0;
                if (_leaderSuspected) { _leaderSuspected = false; ResetRandomizedElectionTimeout(); }
                if (m.Type == MessageType.Append) HandleAppend(m);
                else if (m.Type == MessageType.Heartbeat)
                {
                    CommitTo(Math.Min(m.Commit, CommitBound));
                    // Both echoed: the read round (Index) and the last entry sent before it (RejectHint): see TickLeader.
                    Send(new Message(MessageType.HeartbeatResponse, Id, m.From, Term, Index: m.Index, RejectHint: m.RejectHint));
                    // The leader believes we hold at least m.Commit entries (it sends min(commit, match)), but our log
                    // ends before: we lost entries we had acknowledged (a wiped or shortened log). Say so, as a
                    // rejection of an append after m.Commit, or an idle leader would never find out.
                    if (m.Commit > LastIndex)
                        Send(new Message(MessageType.AppendResponse, Id, m.From, Term, LogTerm: LastTerm, Index: m.Commit,
                            Reject: true, RejectHint: LastIndex));
                }
                else if (m.Type == MessageType.CommitNotice) CommitTo(Math.Min(m.Commit, CommitBound));
                else HandleSnapshot(m);
                break;
            case MessageType.AppendResponse:
                if (Role == RaftRole.Leader) HandleAppendResponse(m);
                else if (!m.Reject && m.Index > 0 && m.Rejoin == 0) RecordAck(m.From, m.Index);
                break;
            case MessageType.HeartbeatResponse:
                if (Role == RaftRole.Leader) HandleHeartbeatResponse(m);
                break;
            case MessageType.TimeoutNow:
                if (Role != RaftRole.Leader && IsMember(Id)) Campaign(transfer: true);
                break;
        }
    }

    /// <summary>Rejects messages no honest peer sends (so garbage cannot corrupt the log).</summary>
    private bool IsWellFormed(in Message m)
    {
        if (m.Type is < MessageType.PreVote or > MessageType.CommitNotice) return false;
        // Terms and indexes past the bounds could make Term + 1 or Index + count wrap, or wedge the cluster (RaftLimits).
        if (!RaftLimits.IsPlausibleTerm(m.Term, Term) || m.LogTerm > m.Term) return false;
        if (m.Index > RaftLimits.MaxIndex || m.Commit > RaftLimits.MaxIndex || m.RejectHint > RaftLimits.MaxIndex) return false;
        if (m.EntryCount > 0 && (ulong)m.EntryCount > RaftLimits.MaxIndex - m.Index) return false;
        if (m.Snapshot is { } s && (s.Index > RaftLimits.MaxIndex || s.Term > RaftLimits.MaxTerm)) return false;
        if (m.EntryCount > 0)
        {
            if (m.Type != MessageType.Append) return false;
            ulong prevTerm = m.LogTerm;
            for (int i = 0; i < m.Entries!.Count; i++)
            {
                var e = m.Entries[i];
                if (e.Index != m.Index + 1 + (ulong)i || e.Term < prevTerm || e.Term > m.Term) return false;
                prevTerm = e.Term;
            }
        }
        if (m.Type == MessageType.InstallSnapshot && (m.Snapshot is null || m.Snapshot.Term > m.Term || m.Snapshot.Index == 0)) return false;
        if (m.Rejoin != 0 && m.Type is not (MessageType.AppendResponse or MessageType.HeartbeatResponse)) return false;
        return true;
    }

    private void HandleVoteRequest(in Message m)
    {
        bool pre = m.Type == MessageType.PreVote;
        var respType = pre ? MessageType.PreVoteResponse : MessageType.VoteResponse;
        bool canVote = (_vote == m.From || (_vote == 0 && LeaderId == 0) || (pre && m.Term > Term)) && MayGrantVote(m);
        if (canVote && IsUpToDate(m.Index, m.LogTerm))
        {
            // The answer carries the candidate's term so it counts for that election, and our last entry, so a
            // winner can start replicating to us from there instead of probing (a round trip after every election).
            Send(new Message(respType, Id, m.From, m.Term, LogTerm: LastTerm, Index: LastIndex));
            if (!pre)
            {
                _electionElapsed = 0;
                _vote = m.From;
                if (_voting != Voting.Voter) _firstBootGrant = (m.From, m.Term);
            }
            else if (Role == RaftRole.PreCandidate && HasPrecedence(m))
            {
                // Two pre-candidates whose timers fired within a link delay of each other would both win their
                // pre-votes, then split the real vote and start over an election timeout later (measured: the
                // common case with 10 ms ticks and 20 ms links). Exactly one of any such pair steps back: the one
                // with the older log, or with equal logs the larger id. It stays out of the way for an election
                // timeout, so if the other cannot win after all, it runs again.
                BecomeFollower(Term, 0);
            }
            else if (Role == RaftRole.Follower)
            {
                // Someone is already running: give it time to finish (a pre-vote round trip plus the vote) before
                // our own timer fires, or followers whose timers fire together split the vote. Only a bounded
                // delay, so a node that can send but never win cannot hold elections off forever.
                _electionElapsed = Math.Min(_electionElapsed, Math.Max(0, _randomizedElectionTimeout - 2 * _o.HeartbeatIntervalTicks));
            }
        }
        else Send(new Message(respType, Id, m.From, Term, Reject: true));
    }

    private void HandleVoteResponse(in Message m)
    {
        if (m.Type == MessageType.PreVoteResponse)
        {
            if (Role != RaftRole.PreCandidate) return;
            if (!m.Reject && m.Term != Term + 1) return; // answers an older round
        }
        else if (Role == RaftRole.Leader && !m.Reject && m.Term == Term && _progress.TryGetValue(m.From, out var late))
        {
            // A vote that arrived after we had won still tells us where the voter's log ends.
            if (TrustVoterLog(late, m.Index, m.LogTerm)) SendAppends(m.From, late);
            return;
        }
        else if (Role != RaftRole.Candidate) return;
        if (!IsMember(m.From)) return;
        // A grant carries the voter's last entry, which cannot be ahead of ours: it granted a log at least as up to
        // date as its own. One that is ahead answered another request with our id and term: our earlier life's, before
        // a wipe reset our term (its votes sat in a frozen voter's socket buffer; Raft soak seed 28668: the wiped node
        // won term 4 with its old life's grants and without the committed (4,3)). Counting it would break the election
        // restriction; any other grant is one the voter would give us now.
        if (!m.Reject && (m.LogTerm > LastTerm || (m.LogTerm == LastTerm && m.Index > LastIndex))) return;
        if (m.Reject) _rejected.Add(m.From);
        else
        {
            _granted.Add(m.From);
            if (m.Type == MessageType.VoteResponse) _voterLast[m.From] = (m.Index, m.LogTerm);
        }
        if (_granted.Count >= ElectionQuorum)
        {
            if (Role == RaftRole.PreCandidate) StartElection(false);
            else BecomeLeader();
        }
        else if (_rejected.Count > _members.Count - ElectionQuorum) BecomeFollower(Term, 0); // can no longer win
    }

    private void HandleAppend(in Message m)
    {
        if (m.Index < CommitIndex)
        {
            // Our committed prefix is in every leader's log, so we match the leader at least up to it.
            _acceptedFromLeader = Math.Max(_acceptedFromLeader, CommitIndex);
            Send(new Message(MessageType.AppendResponse, Id, m.From, Term, Index: CommitIndex));
            return;
        }
        if (TryTerm(m.Index, out var t) && t == m.LogTerm)
        {
            var es = m.Entries ?? [];
            ulong lastNew = m.Index + (ulong)es.Count;
            for (int i = 0; i < es.Count; i++)
            {
                var e = es[i];
                if (TryTerm(e.Index, out var et) && et == e.Term) continue;
                if (e.Index <= CommitIndex) return; // would rewrite a committed entry: not from an honest leader
                if (e.Index <= LastIndex) TruncateFrom(e.Index);
                for (int j = i; j < es.Count; j++) AppendToLog(es[j]);
                break;
            }
            _leaderSentIndex = Math.Max(_leaderSentIndex, lastNew);
            _acceptedFromLeader = Math.Max(_acceptedFromLeader, lastNew);
            CommitTo(Math.Min(m.Commit, lastNew));
            MaybeCaughtUp(lastNew, m.Commit);
            var ack = new Message(MessageType.AppendResponse, Id, m.From, Term, Index: lastNew);
            Send(ack);
            // With a commit quorum of two the leader and the receiver already are one: an ack would tell it nothing.
            if (_o.BroadcastAcks && es.Count > 0 && CommitQuorum > 2) BroadcastAck(ack, m.From, es);
            TryFastCommit();
        }
        else
        {
            var (hintIndex, hintTerm) = FindConflictByTerm(Math.Min(m.Index, LastIndex), m.LogTerm);
            Send(new Message(MessageType.AppendResponse, Id, m.From, Term, LogTerm: hintTerm, Index: m.Index,
                Reject: true, RejectHint: hintIndex));
        }
    }

    private void HandleSnapshot(in Message m)
    {
        var s = m.Snapshot!;
        if (s.Index <= CommitIndex)
        {
            _acceptedFromLeader = Math.Max(_acceptedFromLeader, CommitIndex);
            Send(new Message(MessageType.AppendResponse, Id, m.From, Term, Index: CommitIndex));
            return;
        }
        if (TryTerm(s.Index, out var t) && t == s.Term)
        {
            // We already have the entries: just learn that they are committed.
            CommitTo(s.Index);
        }
        else
        {
            _log.Clear();
            _snapIndex = s.Index;
            _snapTerm = s.Term;
            _snapshot = s;
            _snapMembers = new Dictionary<ulong, ReadOnlyMemory<byte>>(s.Members);
            RecomputeConfig();
            CommitIndex = s.Index;
            _stable = s.Index;       // persisted with the Ready, before our ack leaves
            _unstableFrom = s.Index + 1;
            _applied = s.Index;      // the host restores its state machine from the snapshot
            _pendingSnapshot = s;
        }
        _leaderSentIndex = Math.Max(_leaderSentIndex, s.Index);
        _acceptedFromLeader = Math.Max(_acceptedFromLeader, s.Index);
        MaybeCaughtUp(s.Index, s.Index);
        Send(new Message(MessageType.AppendResponse, Id, m.From, Term, Index: s.Index));
    }

    private void CommitTo(ulong index)
    {
        if (index <= CommitIndex) return;
        var before = CommitIndex;
        CommitIndex = index;
        if (_voting == Voting.CatchingUp && _rejoinNonce != 0) MaybeRejoined(before, index);
    }

    // ---------------------------------------------------------------- fast commit (BroadcastAcks)

    /// <summary>Sends our ack to the members that learn commits from acks: every one, or the entries' origins.</summary>
    private void BroadcastAck(in Message ack, ulong leader, IReadOnlyList<Entry> entries)
    {
        if (_o.EntryOrigin is { } originOf)
        {
            Span<ulong> sent = stackalloc ulong[8];
            var count = 0;
            foreach (var e in entries)
            {
                if (e.Type != EntryType.Normal) continue;
                var origin = originOf(e.Data);
                if (origin == 0) { count = -1; break; } // unknown origin: tell everyone
                if (origin == Id || origin == leader || !IsMember(origin) || sent[..count].Contains(origin)) continue;
                if (count == sent.Length) { count = -1; break; } // many origins in one batch: tell everyone
                sent[count++] = origin;
                Send(ack with { To = origin });
            }
            if (count >= 0) return;
        }
        foreach (var id in _members.Keys)
            if (id != Id && id != leader) Send(ack with { To = id });
    }

    private void RecordAck(ulong from, ulong index)
    {
        if (!_o.BroadcastAcks || !IsMember(from)) return;
        if (_acks.TryGetValue(from, out var old) && old >= index) return;
        _acks[from] = index;
        TryFastCommit();
    }

    // Why a follower may commit from acks. Every ack counted here (and the leader's own holding, and ours) is
    // for the current term T, and in T there is one leader L, whose log only grows. An ack (T, i) means the
    // sender's log matched L's log up to i when it answered (it accepted L's append and never truncates below
    // that within T); the leader holds everything it sent us (it persisted it before sending); our own log
    // matches L's up to _acceptedFromLeader and is persisted up to _stable. So if a majority of the current
    // config hold L's prefix up to q, entry c = min(q, _acceptedFromLeader) of our log is L's entry c, stored
    // on a majority; if its term is T, it is committed by exactly the rule the leader uses (count replicas of
    // a current-term entry). The config is ours, which can differ from L's only by changes after entries we
    // hold; with single-server changes any two adjacent configs' majorities overlap, and a second change
    // after c can only be appended once the first committed, which already commits c.
    // With a commit quorum of two (RaftOptions.CommitQuorum) the leader and we are one: no ack is needed. Our count
    // of two can only meet L's own config's rule, or be made in the config before a change L appended after c:
    // then every node holding that change holds c, and a candidate without it needs the old config's election
    // quorum, which meets the pair. A change in our own log not yet known committed makes us count a majority.
    private void TryFastCommit()
    {
        if (!_o.BroadcastAcks && CommitQuorum > 2) return;
        if (Role != RaftRole.Follower || LeaderId == 0 || _acceptedFromLeader <= CommitIndex) return;
        if (_voting == Voting.CatchingUp && _rejoinNonce != 0) return; // its own holding does not count yet
        ulong self = Math.Min(_stable, _acceptedFromLeader);
        ulong q = QuorumIndex(CommitQuorum, id => id == Id ? self : id == LeaderId ? _leaderSentIndex : _acks.GetValueOrDefault(id));
        ulong c = Math.Min(q, _acceptedFromLeader);
        if (c > CommitIndex && TryTerm(c, out var t) && t == Term) CommitIndex = c;
    }

    // ---------------------------------------------------------------- leader replication

    private void HandleHeartbeatResponse(in Message m)
    {
        if (!_progress.TryGetValue(m.From, out var pr)) return;
        pr.RecentActive = true;
        pr.TicksSinceHeard = 0;
        NoteRejoin(m, pr);
        if (m.Rejoin == 0) HandleReadRoundAck(m.From, m.Index);
        ulong sentBefore = m.RejectHint;
        if (pr.RetransmitOnAnswer)
        {
            // Its first answer since it fell silent with appends unanswered: they may be lost with a link.
            Retransmit(m.From, pr);
            return;
        }
        if (pr.State == ProgressState.Replicate && sentBefore > pr.Match && sentBefore < pr.Next)
        {
            // It answered a heartbeat sent after entry sentBefore, whose ack would have come first: lost on the way.
            Retransmit(m.From, pr);
            return;
        }
        if (pr.State == ProgressState.Probe)
        {
            // A probe's answer still on its way (the heartbeat left before the probe) must not resend the probe:
            // catching up, a probe carries up to a full batch, and heartbeats come faster than a round trip.
            if (pr.ProbeSent && (sentBefore == 0 || sentBefore != pr.ProbeLast)) return;
            pr.ProbeSent = false;
        }
        if (pr.Match < LastIndex) SendAppend(m.From, pr, sendIfEmpty: pr.State == ProgressState.Probe);
    }

    /// <summary>
    /// How long a follower may make no progress before its appends are sent again. Pipelined appends (Replicate) lost
    /// on a live link are found sooner by the heartbeat echo, so their timer is only the fallback (for peers that do
    /// not echo) and is long enough that a lag spike does not resend everything in flight.
    /// </summary>
    private int RetransmitTicks(Progress pr) =>
        pr.State == ProgressState.Replicate ? 3 * _o.ElectionTimeoutMaxTicks : _o.ElectionTimeoutMaxTicks;

    /// <summary>Starts over from what the follower is known to hold: probe, and send the entries after Match.</summary>
    private void Retransmit(ulong to, Progress pr)
    {
        pr.RetransmitOnAnswer = false;
        pr.TicksSinceProgress = 0;
        pr.BecomeProbe();
        SendAppend(to, pr, sendIfEmpty: true);
    }

    private void HandleAppendResponse(in Message m)
    {
        if (!_progress.TryGetValue(m.From, out var pr)) return;
        pr.RecentActive = true;
        pr.TicksSinceHeard = 0;
        NoteRejoin(m, pr);
        if (m.Reject)
        {
            // A hint naming an entry we hold with the same term proves the follower's log matches ours through it.
            bool verified = m.LogTerm > 0 && m.RejectHint >= pr.Match && m.RejectHint < m.Index
                && TryTerm(m.RejectHint, out var hintTerm) && hintTerm == m.LogTerm;
            // Streaming already resumed from this news: the answer to an append sent before that.
            if (verified && pr.State == ProgressState.Replicate && pr.ResumedAfter > 0 && m.RejectHint <= pr.ResumedAfter) return;
            ulong next = m.RejectHint;
            if (m.LogTerm > 0) next = FindConflictByTerm(m.RejectHint, m.LogTerm).Index;
            if (pr.MaybeDecrTo(m.Index, next))
            {
                pr.TicksSinceProgress = 0;
                pr.RetransmitOnAnswer = false; // this resend is the retransmission
                if (verified && pr.State != ProgressState.Snapshot)
                {
                    // Stream from the proven match at once (pipelined), rather than probe and wait a round trip
                    // before entries proposed meanwhile may follow: a follower back from a cut link catches up in
                    // one round trip instead of two.
                    pr.ResumeAfter(m.RejectHint);
                    SendAppends(m.From, pr);
                    return;
                }
                if (pr.State == ProgressState.Replicate) pr.BecomeProbe();
                SendAppend(m.From, pr, sendIfEmpty: true);
            }
            return;
        }
        bool wasPaused = pr.IsPaused(_o.MaxInflightAppends);
        if (!pr.MaybeUpdate(m.Index))
        {
            if (wasPaused && !pr.IsPaused(_o.MaxInflightAppends)) SendAppends(m.From, pr);
            return;
        }
        if (pr.State == ProgressState.Probe) pr.BecomeReplicate();
        else if (pr.State == ProgressState.Snapshot && pr.Match >= pr.PendingSnapshot) { pr.BecomeProbe(); pr.BecomeReplicate(); }
        MaybeCommit();
        SendAppends(m.From, pr);
        if (m.From == _leadTransferee && pr.Match == LastIndex) Send(new Message(MessageType.TimeoutNow, Id, m.From, Term));
    }

    private void SendAppends(ulong to, Progress pr)
    {
        for (int i = 0; i < _o.MaxInflightAppends + 1 && SendAppend(to, pr, sendIfEmpty: false); i++) { }
    }

    /// <summary>Sends the next batch to `to` (or a snapshot if its next entry was compacted). False if nothing went.</summary>
    private bool SendAppend(ulong to, Progress pr, bool sendIfEmpty)
    {
        if (pr.IsPaused(_o.MaxInflightAppends)) return false;
        ulong prev = pr.Next - 1;
        if (!TryTerm(prev, out var prevTerm))
        {
            if (_snapshot is null || prev > LastIndex) return false;
            pr.BecomeSnapshot(_snapshot.Index);
            pr.TicksSinceProgress = 0;
            Send(new Message(MessageType.InstallSnapshot, Id, to, Term, _snapshot.Term, _snapshot.Index, Snapshot: _snapshot));
            return true;
        }
        List<Entry>? batch = null;
        long bytes = 0;
        for (ulong i = pr.Next; i <= LastIndex && (batch?.Count ?? 0) < _o.MaxEntriesPerAppend; i++)
        {
            var e = At(i);
            if (batch is not null && bytes + e.Data.Length > _o.MaxBytesPerAppend) break;
            (batch ??= new List<Entry>()).Add(e);
            bytes += e.Data.Length;
        }
        if (batch is null && !sendIfEmpty) return false;
        ulong commit = CommitIndex;
        Send(new Message(MessageType.Append, Id, to, Term, prevTerm, prev, batch, commit));
        pr.CommitSent = Math.Max(pr.CommitSent, Math.Min(commit, prev + (ulong)(batch?.Count ?? 0)));
        if (batch is not null) pr.AppendedSinceHeartbeat = true;
        if (batch is not null && pr.State == ProgressState.Replicate)
        {
            pr.Next = batch[^1].Index + 1;
            pr.Inflights.Enqueue(batch[^1].Index);
            pr.CheckInvariant();
        }
        else if (pr.State == ProgressState.Probe)
        {
            pr.ProbeSent = true;
            pr.ProbeLast = batch is null ? prev : batch[^1].Index;
        }
        return true;
    }

    private void MaybeCommit()
    {
        ulong self = Math.Min(_stable, LastIndex);
        ulong q = QuorumIndex(CommitQuorum, id => id == Id ? self : _progress.TryGetValue(id, out var p) ? p.CountedMatch : 0);
        // Only entries of our own term are committed by counting (Raft §5.4.2, the figure-8 trap).
        if (q > CommitIndex && TryTerm(q, out var t) && t == Term)
        {
            CommitIndex = q;
            _commitAdvanced = true;
        }
    }

    /// <summary>Sends what proposals and commit advances since the last Ready call for, batched.</summary>
    private void Flush()
    {
        if (Role != RaftRole.Leader) { _needBroadcast = _commitAdvanced = false; return; }
        if (_readsAwaitingTermCommit.Count > 0 && CommittedInTerm)
        {
            foreach (var context in _readsAwaitingTermCommit) StartRead(context);
            _readsAwaitingTermCommit.Clear();
        }
        if (_readRoundDue)
        {
            // One heartbeat round for every read asked since the last one.
            _readRoundDue = false;
            _readRound++;
            foreach (var (id, pr) in _progress)
            {
                ulong c = Math.Min(CommitIndex, pr.Match);
                pr.CommitSent = Math.Max(pr.CommitSent, c);
                Send(new Message(MessageType.Heartbeat, Id, id, Term, Index: _readRound, Commit: c));
            }
        }
        if (_needBroadcast)
        {
            _needBroadcast = false;
            foreach (var (id, pr) in _progress) SendAppends(id, pr);
        }
        if (_commitAdvanced)
        {
            // Tell followers at once rather than at the next heartbeat; the notice needs no answer. With entry
            // origins known, only the nodes whose clients wait on the newly committed entries are told (the rest
            // learn it from the next append or heartbeat), which saves a wake-up on every other follower.
            _commitAdvanced = false;
            var waiting = CommitOrigins();
            _noticedCommit = CommitIndex;
            foreach (var (id, pr) in _progress)
            {
                if (waiting is not null && !waiting.Contains(id)) continue;
                ulong c = Math.Min(CommitIndex, pr.Match);
                if (c > pr.CommitSent)
                {
                    pr.CommitSent = c;
                    Send(new Message(MessageType.CommitNotice, Id, id, Term, Commit: c));
                }
            }
        }
        // A leader removed from the config hands over once its removal is committed.
        if (!IsMember(Id) && CommitIndex >= _lastConfigIndex) BecomeFollower(Term, 0);
    }

    private void Send(Message m)
    {
        // A catching-up node's answers say so: they must not count toward any quorum (see CatchUpBeforeVoting).
        if (_voting == Voting.CatchingUp && _rejoinNonce != 0 && m.Type is MessageType.AppendResponse or MessageType.HeartbeatResponse)
            m = m with { Rejoin = _rejoinNonce };
        _msgs.Add(m);
    }

    /// <summary>The origins of the entries committed since the last notice; null means tell every follower.</summary>
    private HashSet<ulong>? CommitOrigins()
    {
        if (_o.EntryOrigin is not { } originOf || _noticedCommit < _snapIndex || CommitIndex - _noticedCommit > 64) return null;
        _noticeOrigins.Clear();
        for (var i = _noticedCommit + 1; i <= CommitIndex; i++)
        {
            var e = At(i);
            if (e.Type != EntryType.Normal) continue;
            var origin = originOf(e.Data);
            if (origin == 0) return null;
            _noticeOrigins.Add(origin);
        }
        return _noticeOrigins;
    }

    /// <summary>A one-line view of this node's state for logs and failing tests.</summary>
    public string Describe()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append($"node {Id} {Role} term {Term} leader {LeaderId} commit {CommitIndex} applied {_applied} stable {_stable} last {LastIndex}/{LastTerm} snap {_snapIndex}");
        if (_voting != Voting.Voter) sb.Append(_voting == Voting.FirstBoot ? " first-boot" : " catching-up");
        foreach (var (id, pr) in _progress.OrderBy(p => p.Key))
            sb.Append($" | {id}: {pr.State} match {pr.Match} next {pr.Next} inflight {pr.Inflights.Count} probeSent {pr.ProbeSent} idle {pr.TicksSinceProgress}");
        return sb.ToString();
    }

    // ---------------------------------------------------------------- output hand-off

    private HardState CurrentHard => new(Term, _vote, CommitIndex);
    private SoftState CurrentSoft => new(Role, LeaderId, Term);

    public bool HasReady =>
        _msgs.Count > 0 || _needBroadcast || _commitAdvanced || _pendingSnapshot is not null || _readStates.Count > 0 || _readRoundDue ||
        (_readsAwaitingTermCommit.Count > 0 && Role == RaftRole.Leader && CommittedInTerm) ||
        _unstableFrom <= LastIndex || CommitIndex > _applied || CurrentHard != _prevHard || CurrentSoft != _prevSoft;

    public Ready GetReady()
    {
        Flush();
        var entries = new List<Entry>();
        for (ulong i = Math.Max(_unstableFrom, _snapIndex + 1); i <= LastIndex; i++) entries.Add(At(i));
        _unstableFrom = LastIndex + 1;
        var committed = new List<Entry>();
        for (ulong i = Math.Max(_applied, _snapIndex) + 1; i <= CommitIndex; i++) committed.Add(At(i));
        _applied = Math.Max(_applied, CommitIndex);
        var hard = CurrentHard;
        var r = new Ready
        {
            HardState = hard != _prevHard ? hard : null,
            Snapshot = _pendingSnapshot,
            EntriesToPersist = entries,
            Messages = _msgs,
            CommittedEntries = committed,
            SoftState = CurrentSoft,
            ReadStates = _readStates,
        };
        if (_readStates.Count > 0) _readStates = new List<ReadState>();
        _prevHard = hard;
        _prevSoft = r.SoftState;
        _pendingSnapshot = null;
        _msgs = new List<Message>();
        return r;
    }

    /// <summary>The host persisted, sent and applied what r held. Our own persisted entries now count.</summary>
    public void Advance(Ready r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.EntriesToPersist.Count > 0)
        {
            var last = r.EntriesToPersist[^1];
            // Only if the log still holds that entry (a later truncation makes the host rewrite it anyway).
            if (TryTerm(last.Index, out var t) && t == last.Term && _unstableFrom > last.Index)
                _stable = Math.Max(_stable, last.Index);
        }
        if (Role == RaftRole.Leader) MaybeCommit();
        else TryFastCommit();
    }

    /// <summary>
    /// The host has applied up to appliedIndex and serialized its state machine as stateMachineImage: fold the
    /// log up to there into a snapshot (returned, for the host to persist; it may then drop those entries).
    /// </summary>
    public Snapshot Compact(ulong appliedIndex, ReadOnlyMemory<byte> stateMachineImage)
    {
        if (appliedIndex <= _snapIndex) throw new ArgumentException($"index {appliedIndex} is already compacted (snapshot at {_snapIndex})");
        if (appliedIndex > _applied || appliedIndex > _stable)
            throw new ArgumentException($"index {appliedIndex} is not applied and persisted yet (applied {_applied})");
        var members = new Dictionary<ulong, ReadOnlyMemory<byte>>(_snapMembers);
        for (ulong i = _snapIndex + 1; i <= appliedIndex; i++)
        {
            var e = At(i);
            if (e.Type != EntryType.ConfigChange || !TryDecodeConfig(e, out var cc)) continue;
            if (cc.Type == ConfigChangeType.AddNode) members[cc.NodeId] = cc.Context;
            else members.Remove(cc.NodeId);
        }
        var snap = new Snapshot(appliedIndex, At(appliedIndex).Term, members, stateMachineImage.ToArray());
        _log.RemoveRange(0, (int)(appliedIndex - _snapIndex));
        _snapIndex = snap.Index;
        _snapTerm = snap.Term;
        _snapshot = snap;
        _snapMembers = members;
        return snap;
    }
}
