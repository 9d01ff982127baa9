using FastDb.Raft;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// The Raft host, single-threaded and without I/O of its own: it recovers the node from its store, drives the pure
/// <see cref="RaftNode"/> with the inputs and clock ticks it is given, and carries out what Raft says through its
/// seams: the <see cref="ILogStore"/>, the <see cref="IPeerTransport"/> and the <see cref="IApplyQueue"/>. Its parts,
/// each named for its step of design.md's "one request, end to end": <see cref="RequestRouter"/> (pending, held,
/// forwarded, re-sent), <see cref="ReadyProcessor"/> (persist, send, apply, snapshot), <see cref="Membership"/>
/// (bootstrap, join, addresses) and <see cref="StatusBuilder"/>.
///
/// In production <see cref="NodeLoop"/> gives it a thread, an inbox and a clock (see <see cref="ClusterReplicator"/>);
/// the host simulator (tests/HostSimulation.Tests) gives it simulated ones, so what runs there is this code.
///
/// Contract: every method but <see cref="Status"/> and <see cref="ReadFrame"/> is called from one thread at a time
/// (the loop). After a batch of <see cref="Handle"/> and <see cref="Tick"/> calls the loop calls
/// <see cref="ProcessOutput"/>, which persists before it sends.
/// </summary>
public sealed class RaftHost
{
    private readonly ClusterOptions _options;
    private readonly ulong _id;
    private readonly RaftNode _raft;
    private readonly RelayingTransport _transport;
    private readonly TurnTracker _turn;
    private readonly ILogStore _store;
    private readonly Membership _membership;
    private readonly RequestRouter _router;
    private readonly ReadRouter _reads;
    private readonly LatencyProbe _latency;
    private long _leaderContactTick = long.MinValue;
    private ulong _leaderContactFrom;                      // the leader _leaderContactTick was heard from

    /// <summary>
    /// Silence from the same leader this long means the link to it was down or its frames were held (a killed link
    /// loses what was in flight: octopus's link, netsplit and unneighborly monkeys, the SPOF monkey's cut). What this
    /// node forwarded meanwhile is likely lost, so it goes again the moment the leader is heard, instead of after the
    /// router's re-send timer (250-320 ms). 80 ms: under load the leader sends every few ms and at least every
    /// heartbeat (30 ms), and the relaying transport reads 8 ticks of silence the same way.
    /// Host simulator (LinkCutRecoveryTests, heal to the follower's next answer): see the README's score section.
    /// </summary>
    public const int LeaderSilenceTicks = RelayingTransport.SilentTicks;

    /// <summary>
    /// The failure detector (ClusterOptions.SuspectLeaderOnLinkClose): a follower whose connection to its leader closed
    /// since it last heard from it, and that has heard nothing for this long, tells Raft the leader seems gone
    /// (RaftNode.SuspectLeader: no lease, an early election timer) instead of waiting out its lease and election timer.
    /// A closed connection is what octopus's link kills do (the SPOF monkey's cut, netsplit, unneighborly, link) and lag
    /// spikes never do, so lagsplit cannot trigger it. 40 ms: more than a heartbeat (30 ms), so a connection that
    /// closed and came back while the leader kept talking is not taken for a dead leader.
    /// Host simulator (SpofRecoveryMeasurements, leader frozen and cut): a new leader after median 201 ms instead of 268
    /// (24 seeds, 2026-12-05). Under octopus (12 alternating pairs, 2026-12-06) it lost 1.1% and the checker waited on
    /// a missing sequence number 23.6% of the time instead of 21.5%: most link kills last 50-900 ms, and one the lease
    /// would have ridden out now costs an election. Hence off by default.
    /// </summary>
    public const int SuspectLeaderTicks = 4;
    private long _leaderClosesAtContact;                   // the transport's closes of the leader's link when last heard
    private long _suspectedContact = long.MinValue;        // the contact tick the detector last fired after (once per silence)
    private readonly ReadyProcessor _ready;
    private readonly StatusBuilder _statusBuilder;
    private readonly ILogger _log;
    private long _ticks;
    private volatile ReplicatorStatus _status;

    /// <param name="applyQueueFor">Makes the apply queue, given the index of the snapshot recovery restored (0: none).</param>
    /// <param name="random">Raft's randomness (election timeouts): seeded per node in production, from the seed in the simulator.</param>
    /// <exception cref="CorruptStorageException">The store is damaged: the node must not start.</exception>
    /// <param name="time">Round trips to peers are timed with it (the simulator's clock there); ticks stay the loop's.</param>
    public RaftHost(ClusterOptions options, ReplicatedStateMachine stateMachine, ILogStore store, IPeerTransport transport,
        Func<ulong, IApplyQueue> applyQueueFor, Random random, ILogger log, TimeProvider? time = null)
    {
        _options = options;
        _store = store;
        _turn = new TurnTracker(transport);
        _transport = new RelayingTransport(_turn, options.RelayAroundSilentPeers && options.PeerTls is null);
        _log = log;
        _id = NodeAddress.IdOf(options.SelfAddress);
        if (options.Raft.Id != _id) throw new ArgumentException("RaftOptions.Id must be NodeAddress.IdOf(SelfAddress)", nameof(options));
        _membership = new Membership(options, log);

        var (loaded, bootstrapAlone) = Membership.PrepareStore(store, store.Load(), options, log);
        Snapshot? snapshot = null;
        ulong snapshotIndex = 0;
        if (loaded.Snapshot is { } stored)
        {
            var meta = SnapshotCodec.Read(stored.Metadata.Span);
            snapshot = meta with { Data = stored.Data };
            stateMachine.ReadSnapshot(stored.Data);
            snapshotIndex = stored.Index;
        }
        // The image is taken where entries are applied; compacting Raft's log and persisting belong to the loop.
        var applyQueue = applyQueueFor(snapshotIndex);
        _raft = new RaftNode(options.Raft, random, loaded.HardState, snapshot, loaded.Entries);
        if (bootstrapAlone)
        {
            _log.LogInformation("{Self}: new cluster, bootstrapping as its first member", options.SelfAddress);
            _raft.Bootstrap(NodeAddress.ToContext(options.SelfAddress));
        }
        if (store.CatchUpMarker is { } firstBootIndex)
        {
            _raft.CatchUpBeforeVoting(firstBootIndex, rejoinNonce: (ulong)random.NextInt64(1, long.MaxValue));
            _log.LogInformation("{Self}: started with an empty data directory; catching up from the leader before voting", options.SelfAddress);
        }
        _membership.Attach(_raft);
        _router = new RequestRouter(_id, _raft, _membership, _transport, options.BatchWindowMs, time);
        _ready = new ReadyProcessor(_raft, store, _transport, applyQueue, _membership, _router, snapshotIndex, log);
        _reads = new ReadRouter(_id, _raft, _membership, _transport);
        _latency = new LatencyProbe(_id, _raft, _membership, _transport, time ?? TimeProvider.System, options.PlaceLeaderByLatency, _turn.HasQueued, options.Raft.CommitQuorum);
        // What went to a leader whose link just died may be lost: send our waiting requests again (now relayed too)
        // instead of waiting out the router's re-send timer.
        _transport.TurnedSilent += address =>
        {
            if (_membership.TryGetLeaderAddress(out var leader) && leader == address) _router.SendWaiting();
        };
        _ready.ReadsConfirmed = _reads.Confirmed;
        _ready.LeaderChanged += _reads.OnLeaderChanged;
        _statusBuilder = new StatusBuilder(options, _id, _raft, stateMachine, _membership);
        _ready.LeaderChanged += RefreshStatus;
        _membership.Removed += RefreshStatus;
        if (_raft.Members.Count == 1 && _raft.Members.ContainsKey(_id) && _raft.Role != RaftRole.Leader)
        {
            // A restarted lone node has nobody to wait for: run its election clock out now, not an election timeout
            // after start (it wins its own vote at once).
            for (var i = 0; i < options.Raft.ElectionTimeoutMaxTicks && _raft.Role != RaftRole.Leader; i++) _raft.Tick();
        }
        _status = _statusBuilder.Build(_ticks, _ready.LastSnapshotIndex);
    }

    public ulong Id => _id;

    /// <summary>Raised on the loop once this node learns it was removed from the cluster (see Membership.SelfRemoved).</summary>
    public event Action? Removed
    {
        add => _membership.Removed += value;
        remove => _membership.Removed -= value;
    }

    /// <summary>The latest published view of this node (any thread).</summary>
    public ReplicatorStatus Status => _status;

    /// <summary>The pure Raft node this host drives (for the simulator's invariants; only the loop may touch it).</summary>
    public RaftNode Raft => _raft;

    /// <summary>Round trips to peers and leader hand-overs (for the simulator's tests; loop only).</summary>
    public LatencyProbe Latency => _latency;

    /// <summary>
    /// The input a frame from a peer makes, validated (throws <see cref="PeerInputException"/> on a bad one), or null
    /// when it is not for this node. Any thread.
    /// </summary>
    public HostInput? ReadFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload)
    {
        var status = _status;
        // Any frame proves the direct link from a member works (relayed ones included: they came over the relay's).
        if (_transport.Enabled && status.Members.Contains(PeerInput.SenderId(peerName))) _transport.Heard(peerName, Volatile.Read(ref _ticks));
        return PeerFrames.Read(peerName, frameType, payload, _id, status, _membership);
    }

    /// <summary>
    /// Ticks since this node last heard from its leader, rounded up (0 while it leads; long.MaxValue if it never has): rqlite's
    /// freshness for reads at level none. Any thread.
    /// </summary>
    public long TicksSinceLeaderContact
    {
        get
        {
            if (_status.Role == "leader") return 0;
            var contact = Volatile.Read(ref _leaderContactTick);
            // +1: heard "this tick" may have been up to a tick ago, and a freshness bound must err on the stale side.
            return contact == long.MinValue ? long.MaxValue : Math.Max(0, Volatile.Read(ref _ticks) - contact) + 1;
        }
    }

    /// <summary>One clock tick.</summary>
    public void Tick()
    {
        Volatile.Write(ref _ticks, _ticks + 1);
        if (_membership.SelfRemoved)
        {
            if (_ticks % 10 == 0) RefreshStatus();
            return; // no election clock: a removed node never campaigns
        }
        _raft.Tick();
        if (_options.SuspectLeaderOnLinkClose) DetectLeaderFailure();
        _transport.Tick(_ticks);
        _latency.OnTick(_ticks);
        _router.OnTick(_ticks);
        _reads.OnTick(_ticks);
        _membership.OnTick(_ticks, _transport);
        if (_store.CatchUpMarker is not null && !_raft.CatchUpPending)
        {
            _store.ClearCatchUpMarker();
            _log.LogInformation("caught up from the leader at index {Index}; voting again", _raft.LastIndex);
        }
        // /status is refreshed every 10 ticks and on leader changes, not per loop iteration (it allocates).
        if (_ticks % 10 == 0) RefreshStatus();
    }

    /// <summary>Ticks that can pass before the host or Raft has clock work to do (at least 1).</summary>
    public int TicksUntilNextEvent()
    {
        var host = Math.Min(10 - (int)(_ticks % 10), _router.TicksUntilNextEvent(_ticks));
        if (_reads.HasWaiting) host = Math.Min(host, 10 - (int)(_ticks % 10));
        return Math.Min(_raft.TicksUntilNextEvent(), Math.Max(1, host));
    }

    /// <summary>Milliseconds until the leader's batch window closes and ProcessOutput proposes it (int.MaxValue: none open).</summary>
    public int MsUntilBatchDue() => _router.MsUntilBatchDue();

    private void DetectLeaderFailure()
    {
        if (_raft.Role != RaftRole.Follower || _leaderContactFrom != _raft.LeaderId || _suspectedContact == _leaderContactTick
            || _ticks - _leaderContactTick < SuspectLeaderTicks) return;
        if (!_membership.TryGetLeaderAddress(out var leader) || _transport.ClosesOf(leader) <= _leaderClosesAtContact) return;
        _suspectedContact = _leaderContactTick;
        _log.LogDebug("the link to leader {Leader} closed and it has been silent for {Ticks} ticks: electing early", leader, _ticks - _leaderContactTick);
        _raft.SuspectLeader();
    }

    private void HeardFromLeader(ulong leader)
    {
        if (_options.SuspectLeaderOnLinkClose && _membership.TryGetLeaderAddress(out var address))
            _leaderClosesAtContact = _transport.ClosesOf(address);
        var previous = _leaderContactTick;
        var sameLeader = leader == _leaderContactFrom;
        _leaderContactFrom = leader;
        Volatile.Write(ref _leaderContactTick, _ticks);
        // A new leader gets what waits here already (ReadyProcessor's leader change); only a silence from the same one
        // needs this.
        if (sameLeader && previous != long.MinValue && _ticks - previous >= LeaderSilenceTicks && _raft.Role != RaftRole.Leader)
            _resendAfterSilence = true;
    }

    private bool _resendAfterSilence; // see LeaderSilenceTicks: due at the next ProcessOutput

    public void Handle(in HostInput input)
    {
        switch (input.Kind)
        {
            case HostInputKind.Message when _membership.SelfRemoved:
                break; // a removed node no longer takes part: no votes, no acks
            case HostInputKind.Message:
                _membership.OnMessageFrom(input.Message.From, _transport);
                _statusBuilder.Heard(input.Message.From, _ticks);
                _raft.Step(input.Message);
                if (input.Message.From == _raft.LeaderId) HeardFromLeader(input.Message.From);
                // Just elected: propose what waits here before the first Ready, so it travels in the same append
                // as the election's noop instead of one round trip behind it.
                if (_raft.Role == RaftRole.Leader && _ready.LastLeader != _id)
                {
                    _router.SendWaiting();
                    _router.ProposeBatch(force: true);
                }
                break;
            case HostInputKind.Propose when input.Request is { } local:
                _router.Add(local);
                break;
            case HostInputKind.Forwarded when input.Forwarded is { } forwarded:
                _router.Forwarded(forwarded);
                break;
            case HostInputKind.Join when input.JoinAddress is { } address:
                _membership.HandleJoin(address, _transport);
                break;
            case HostInputKind.Remove:
                var outcome = _membership.SelfRemoved ? RemoveOutcome.NoLeader : _membership.HandleRemove(input.Node, _transport);
                input.RemoveReply?.TrySetResult(outcome);
                break;
            case HostInputKind.ToldRemoved when input.JoinAddress is { } by:
                _membership.OnToldRemoved(by);
                break;
            case HostInputKind.Transfer:
                _raft.TransferLeadership(input.Node);
                break;
            case HostInputKind.CountReplicas:
                input.Reply?.TrySetResult(_raft.ReplicaCount(input.Index));
                break;
            case HostInputKind.ReadIndex when input.ReadReply is { } readReply:
                _reads.Ask(input.Read, readReply);
                break;
            case HostInputKind.ReadAsked:
                _reads.Asked(input.Node, input.Index, input.Read);
                break;
            case HostInputKind.ReadAnswered:
                _reads.Answered(input.Node, input.Index);
                break;
            case HostInputKind.RelayOut when input.Forwarded is { } relayed:
                if (_membership.TryGetAddress(input.Node, out var destination)) _transport.SendDirect(destination, PeerFrames.Relayed, relayed);
                break;
            case HostInputKind.Pinged:
                _latency.Pinged(input.Node, input.Index, input.Rank);
                break;
            case HostInputKind.Ponged:
                _latency.Ponged(input.Node, input.Index, input.Report);
                break;
            case HostInputKind.SnapshotTaken when input.Image is { } image:
                _ready.OnSnapshotTaken(input.Index, image);
                break;
        }
    }

    /// <summary>Carries out what Raft decided since the last call (persist, send, apply), then sends it all at once.</summary>
    public void ProcessOutput()
    {
        _router.ProposeBatch();
        _ready.Process();
        // After Raft's output, so this node's answer to the leader's first append (a rejection that starts the catch-up)
        // leaves ahead of the re-sent requests wherever they share a connection.
        if (_resendAfterSilence)
        {
            _resendAfterSilence = false;
            if (_raft.Role != RaftRole.Leader) _router.SendWaiting();
        }
        _latency.BeforeFlush();
        _transport.Flush();
    }

    private void RefreshStatus() => _status = _statusBuilder.Build(_ticks, _ready.LastSnapshotIndex);
}
