using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using FastDb.Forwarder;
using FastDb.Raft;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using Microsoft.Extensions.Logging;

namespace FastDb.Server.Cluster;

/// <summary>
/// The Raft host: drives the pure <see cref="RaftNode"/> from one loop (ticks from a timer, messages from the
/// Forwarder, proposals from HTTP), persists what each Ready says to the <see cref="LogStore"/>, sends its messages
/// over <see cref="PeerLink"/>s, and hands committed entries to the <see cref="Applier"/>, which applies them to the
/// <see cref="ReplicatedStateMachine"/> on its own thread (a slow statement never holds up heartbeats or votes).
///
/// A request that lands on a follower is forwarded (as the same ClientRequest bytes that become the log entry) to
/// the leader it knows; it stays in <see cref="_pending"/> until this node applies it, and is re-sent with the same
/// request id on every leader change and after <see cref="RetryTicks"/> without progress. Duplicates in the log are
/// harmless: the state machine answers a request id it has applied with the original answer. The HTTP answer comes
/// from this node's own state machine, so nothing has to travel back.
/// </summary>
public sealed class ClusterReplicator : IReplicator, IFrameHandler
{
    // Frame types on the peer wire (the Forwarder does not interpret them).
    private const byte RaftFrame = 1;
    private const byte ForwardFrame = 2;
    private const byte JoinFrame = 3;

    /// <summary>Ticks without this node applying a pending request before it is sent to the leader again.</summary>
    private const int RetryTicks = 25;

    /// <summary>Ticks between join requests while this node is not yet a member.</summary>
    private const int JoinRetryTicks = 10;

    /// <summary>Forwarded requests held while no leader is known (the origins re-send anyway; this only saves time).</summary>
    private const int MaxHeldRequests = 1024;

    /// <summary>How long held requests wait for a leader before they are dropped (their origins re-send them).</summary>
    private const int HeldTicks = 50;

    /// <summary>Request ids a leader remembers having proposed in its current term (a bound, not a correctness need).</summary>
    private const int MaxProposedIds = 4096;

    private readonly ClusterOptions _options;
    private readonly ReplicatedStateMachine _stateMachine;
    private readonly PendingRequests _requests;
    private readonly LogStore _store;
    private readonly ILogger _log;
    private readonly ILoggerFactory _logging;
    private readonly RaftNode _raft;
    private readonly ulong _id;
    private readonly LoopInbox<Input> _inputs = new();
    private readonly ConcurrentDictionary<ulong, string> _addresses = new();
    private readonly Dictionary<string, PeerLink> _links = new(StringComparer.Ordinal);
    private readonly HashSet<PeerLink> _unflushed = new();
    private readonly Dictionary<RequestId, PendingRequest> _pending = new();
    private readonly Dictionary<ulong, long> _lastHeardTick = new(); // loop thread only: when each peer last spoke
    private readonly List<byte[]> _held = new();                  // forwarded to us while no leader was known
    private long _heldSinceTick;
    private readonly HashSet<RequestId> _proposedIds = new();     // proposed by us as leader in _proposedTerm
    private readonly Queue<RequestId> _proposedOrder = new();
    private ulong _proposedTerm;
    private readonly ConcurrentDictionary<string, (string Name, string Endpoint)> _labels = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _encodeBuffer = new(1024);
    private Thread? _loop;
    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _lastSnapshotIndex;
    private ulong _lastLeader;
    private long _ticks;
    private volatile ReplicatorStatus _status;

    private sealed class PendingRequest(ClientRequest request, byte[] bytes, Task<Answer> answer)
    {
        public ClientRequest Request { get; } = request;
        public byte[] Bytes { get; } = bytes;
        public Task<Answer> Answer { get; } = answer;
        public long SentAtTick = long.MinValue;
    }

    private enum InputKind : byte { Tick, Message, Propose, Join, Transfer, CountReplicas, SnapshotTaken, Stop }

    private readonly record struct Input(InputKind Kind, Message Message = default, PendingRequest? Request = null,
        byte[]? Forwarded = null, string? JoinAddress = null, ulong TransferTo = 0, ulong Index = 0,
        TaskCompletionSource<int>? Reply = null, byte[]? Image = null);

    private readonly Applier _applier;

    public ClusterReplicator(ClusterOptions options, ReplicatedStateMachine stateMachine, LogStore store, ILoggerFactory logging)
    {
        _options = options;
        _stateMachine = stateMachine;
        _requests = new PendingRequests(stateMachine);
        _store = store;
        _logging = logging;
        _log = logging.CreateLogger<ClusterReplicator>();
        _id = NodeAddress.IdOf(options.SelfAddress);
        _addresses[_id] = options.SelfAddress;

        var loaded = store.Load();
        var brandNew = loaded.HardState.Term == 0 && loaded.Entries.Count == 0 && loaded.Snapshot is null;
        if (brandNew && (options.Join is not null || options.InitialPeers.Count > 0))
        {
            // An empty data directory: a new node, or a member whose directory was wiped (they look alike). It must
            // not vote with a log that may lack what it acknowledged before: it catches up from a leader first, and
            // the marker, written before anything else, keeps it so across restarts until then (an octopus layout
            // votes as at a first boot meanwhile, for candidates holding only the bootstrap: see RaftNode).
            var bootstrapEntries = options.InitialPeers.Count > 0 ? options.InitialPeers.Append(options.SelfAddress).Distinct(StringComparer.Ordinal).Count() : 0;
            store.SetCatchUpMarker((ulong)bootstrapEntries);
        }
        if (brandNew && options.InitialPeers.Count > 0)
        {
            loaded = BootstrapStaticConfiguration(store, options.SelfAddress, options.InitialPeers);
            brandNew = false;
            _log.LogInformation("{Self}: new cluster of {Count} discovered members", options.SelfAddress, options.InitialPeers.Count + 1);
        }
        Snapshot? snapshot = null;
        if (loaded.Snapshot is { } stored)
        {
            var meta = SnapshotCodec.Read(stored.Metadata.Span);
            snapshot = meta with { Data = stored.Data };
            stateMachine.ReadSnapshot(stored.Data);
            _lastSnapshotIndex = stored.Index;
        }
        if (options.Raft.Id != _id) throw new ArgumentException("RaftOptions.Id must be NodeAddress.IdOf(SelfAddress)", nameof(options));
        // The image is taken on the apply thread; compacting Raft's log and persisting belong to the loop.
        _applier = new Applier(stateMachine, options.SnapshotEveryEntries, _lastSnapshotIndex,
            (index, image) => Post(new Input(InputKind.SnapshotTaken, Index: index, Image: image)), _log);
        _raft = new RaftNode(options.Raft, new Random(unchecked((int)(_id ^ (ulong)Environment.TickCount64))),
            loaded.HardState, snapshot, loaded.Entries);
        if (options.Join is null && brandNew)
        {
            _log.LogInformation("{Self}: new cluster, bootstrapping as its first member", options.SelfAddress);
            _raft.Bootstrap(NodeAddress.ToContext(options.SelfAddress));
        }
        if (store.CatchUpMarker is { } firstBootIndex)
        {
            _raft.CatchUpBeforeVoting(firstBootIndex);
            _log.LogInformation("{Self}: started with an empty data directory; catching up from the leader before voting", options.SelfAddress);
        }
        RememberMembers(_raft.Members);
        if (_raft.Members.Count == 1 && _raft.Members.ContainsKey(_id) && _raft.Role != RaftRole.Leader)
        {
            // A restarted lone node has nobody to wait for: run its election clock out now, not an election timeout
            // after start (it wins its own vote at once).
            for (var i = 0; i < options.Raft.ElectionTimeoutMaxTicks && _raft.Role != RaftRole.Leader; i++) _raft.Tick();
        }
        _status = BuildStatus();
    }

    /// <summary>
    /// Writes the same first entries every member writes: one AddNode per member, sorted by id, all in term 1 and
    /// committed (etcd's bootstrap from an initial-cluster list). Identical entries on every node satisfy log
    /// matching, so no leader has to replicate them, and the first election can happen an election timeout after
    /// start with no node being special.
    /// </summary>
    private static LoadedLog BootstrapStaticConfiguration(LogStore store, string self, IReadOnlyList<string> peers)
    {
        var members = peers.Append(self).Distinct(StringComparer.Ordinal)
            .Select(address => (Id: NodeAddress.IdOf(address), Address: address))
            .OrderBy(m => m.Id).ToList();
        var entries = new List<Entry>(members.Count);
        foreach (var (id, address) in members)
        {
            var change = new ConfigChange(ConfigChangeType.AddNode, id, NodeAddress.ToContext(address));
            entries.Add(new Entry(1, (ulong)entries.Count + 1, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(change)));
        }
        store.Append(entries);
        var hardState = new HardState(1, 0, (ulong)entries.Count);
        store.SaveHardState(hardState);
        return new LoadedLog(hardState, null, entries);
    }

    public ulong LocalNodeId => _id;

    public ReplicatorStatus Status => _status;

    public int RequestsInFlight => _requests.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            _applier.Start();
            _loop = new Thread(RunLoop) { IsBackground = true, Name = "FastDb Raft loop" };
            _loop.Start();
        }
        return Task.CompletedTask;
    }

    public ValueTask<Answer> SubmitAsync(ClientRequest request, CancellationToken cancellationToken) =>
        _requests.SubmitAsync(request, (r, answer) =>
            Post(new Input(InputKind.Propose, Request: new PendingRequest(r, r.ToBytes(), answer))), cancellationToken);

    public ValueTask<int> CountReplicasAsync(ulong index, CancellationToken cancellationToken)
    {
        // Raft's state belongs to the loop thread: ask it (rare: document commands only).
        var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new Input(InputKind.CountReplicas, Index: index, Reply: reply)))
            reply.TrySetException(new ObjectDisposedException(nameof(ClusterReplicator)));
        return new ValueTask<int>(reply.Task.WaitAsync(cancellationToken));
    }

    // ------------------------------------------------------------------ frames from peers (connection threads)

    /// <summary>
    /// Every frame is validated by <see cref="PeerInput"/> before it is posted to the loop; a bad one throws, which
    /// closes that connection with the reason logged (the preamble name was already checked by
    /// <see cref="PeerInput.ValidatePeerName"/>).
    /// </summary>
    public void OnFrame(string peerName, byte frameType, ulong correlationId, ReadOnlySpan<byte> payload)
    {
        switch (frameType)
        {
            case RaftFrame:
                var message = PeerInput.ReadRaftMessage(payload, peerName, _status.Term); // copies what it keeps
                if (message.To != _id) return;           // misaddressed (a node that reused a socket name)
                // Learn a sender's address only if it is a member (or we are still joining and know no members):
                // every address learned gets a PeerLink that redials it forever, so a stranger naming itself a
                // thousand ways must not make a thousand of them. Members' addresses also come from the log.
                var members = _status.Members;
                if (members.Count == 0 || members.Contains(message.From)) _addresses.TryAdd(message.From, peerName);
                Post(new Input(InputKind.Message, Message: message));
                break;
            case ForwardFrame:
                PeerInput.CheckClientRequest(payload, "forwarded request");
                Post(new Input(InputKind.Propose, Forwarded: payload.ToArray()));
                break;
            case JoinFrame:
                Post(new Input(InputKind.Join, JoinAddress: PeerInput.ReadJoinAddress(payload)));
                break;
            default:
                throw new PeerInputException($"unknown frame type {frameType}");
        }
    }

    /// <summary>The receiving side's settings (and its connection caps): peers must name themselves by a valid node address.</summary>
    public PeerProtocolOptions PeerProtocol { get; } = new() { ValidatePeerName = PeerInput.ValidatePeerName };

    // ------------------------------------------------------------------ the loop (one thread owns the RaftNode)

    /// <summary>False once the loop has stopped (the input would never be handled).</summary>
    private bool Post(in Input input)
    {
        if (_loopExited.Task.IsCompleted) return false;
        _inputs.Post(input);
        return true;
    }

    /// <summary>
    /// The one thread that owns the RaftNode: handles everything that arrived, runs the clock, then hands Raft's
    /// output over once (proposals that arrive together become one append, messages to a peer one write), and
    /// sleeps until the next input or tick.
    /// </summary>
    private void RunLoop()
    {
        var clock = Stopwatch.StartNew();
        long lastTickMs = 0;
        var plannedTicks = 1;
        try
        {
            while (true)
            {
                // The clock first: ticks that passed while we slept came before what woke us. Raft says how many
                // ticks can pass quietly, so we sleep that long rather than waking every tick. After a longer gap
                // than planned (the process was frozen or starved) only the planned ticks run, as a periodic timer
                // would not fire a burst either: a thawed follower must read what its peers sent before it decides
                // its leader is gone.
                var elapsed = (clock.ElapsedMilliseconds - lastTickMs) / _options.TickMs;
                if (elapsed > 0)
                {
                    // (+2: a wake-up a little late is timer granularity, not a freeze.)
                    for (var i = 0; i < Math.Min(elapsed, plannedTicks + 2); i++) Handle(new Input(InputKind.Tick));
                    lastTickMs += elapsed * _options.TickMs;
                }
                for (var n = 0; n < 4096 && _inputs.TryTake(out var input); n++)
                {
                    if (input.Kind == InputKind.Stop) return;
                    Handle(input);
                }
                ProcessReady();
                FlushLinks();
                plannedTicks = Math.Min(_raft.TicksUntilNextEvent(), HostTicksUntilNextEvent());
                _inputs.Wait((int)Math.Max(0, lastTickMs + plannedTicks * _options.TickMs - clock.ElapsedMilliseconds));
            }
        }
        catch (Exception e)
        {
            // A bug here would silently stop the node from making progress; fail loudly instead.
            _log.LogCritical(e, "the Raft loop failed; the node cannot continue");
            Environment.FailFast("FastDb Raft loop failed: " + e);
        }
        finally
        {
            _loopExited.TrySetResult();
        }
    }

    /// <summary>The host's own clock work (see OnTick): /status every 10 ticks, retries while anything waits.</summary>
    private int HostTicksUntilNextEvent()
    {
        var next = 10 - (int)(_ticks % 10);
        if (_pending.Count > 0 || _held.Count > 0) next = Math.Min(next, 8 - (int)(_ticks % 8));
        return Math.Max(1, next);
    }

    private void Handle(in Input input)
    {
        switch (input.Kind)
        {
            case InputKind.Tick:
                _ticks++;
                _raft.Tick();
                OnTick();
                break;
            case InputKind.Message:
                if (_raft.Members.ContainsKey(input.Message.From)) _lastHeardTick[input.Message.From] = _ticks; // members only: bounded
                _raft.Step(input.Message);
                // Just elected: propose what waits here before the first Ready, so it travels in the same append
                // as the election's noop instead of one round trip behind it.
                if (_raft.Role == RaftRole.Leader && _lastLeader != _id) SendWaiting();
                break;
            case InputKind.Propose when input.Request is { } local:
                _pending[local.Request.Id] = local;
                Send(local);
                break;
            case InputKind.Propose when input.Forwarded is { } forwarded:
                ProposeForwarded(forwarded);
                break;
            case InputKind.Join when input.JoinAddress is { } address:
                HandleJoin(address);
                break;
            case InputKind.Transfer:
                _raft.TransferLeadership(input.TransferTo);
                break;
            case InputKind.CountReplicas:
                input.Reply?.TrySetResult(_raft.ReplicaCount(input.Index));
                break;
            case InputKind.SnapshotTaken when input.Image is { } image:
                // A leader's snapshot installed meanwhile may already cover this index.
                if (input.Index <= _lastSnapshotIndex) break;
                PersistSnapshot(_raft.Compact(input.Index, image));
                _log.LogInformation("snapshot at index {Index} ({Bytes} bytes); log compacted", input.Index, image.Length);
                break;
        }
    }

    private void OnTick()
    {
        if (_ticks % 8 == 0) DropAnswered();
        if (_held.Count > 0) ReleaseHeld();
        foreach (var pending in _pending.Values)
            if (_ticks - pending.SentAtTick >= RetryTicks && !pending.Answer.IsCompleted) Send(pending);
        if (_options.Join is { } join && !_raft.Members.ContainsKey(_id) && _ticks % JoinRetryTicks == 0)
        {
            var payload = NodeAddress.ToContext(_options.SelfAddress);
            LinkTo(join).TrySend(JoinFrame, 0, payload);
            if (_raft.LeaderId != 0 && _addresses.TryGetValue(_raft.LeaderId, out var leader) && leader != join)
                LinkTo(leader).TrySend(JoinFrame, 0, payload);
        }
        if (_store.CatchUpMarker is not null && !_raft.CatchUpPending)
        {
            _store.ClearCatchUpMarker();
            _log.LogInformation("caught up from the leader at index {Index}; voting again", _raft.LastIndex);
        }
        // /status is refreshed every 10 ticks and on leader changes, not per loop iteration (it allocates).
        if (_ticks % 10 == 0) _status = BuildStatus();
    }

    /// <summary>Proposes a request this node received over HTTP, locally or through the leader it knows.</summary>
    private void Send(PendingRequest pending)
    {
        if (pending.Answer.IsCompleted) return;
        if (_raft.Role == RaftRole.Leader)
        {
            pending.SentAtTick = ProposeOnce(pending.Request.Id, pending.Bytes) ? _ticks : long.MinValue;
            return;
        }
        var leader = _raft.LeaderId;
        if (leader == 0 || leader == _id || !_addresses.TryGetValue(leader, out var address))
        {
            pending.SentAtTick = long.MinValue; // held until a leader is known
            return;
        }
        LinkTo(address).TrySend(ForwardFrame, 0, pending.Bytes);
        pending.SentAtTick = _ticks;
    }

    private void ProposeForwarded(byte[] bytes)
    {
        if (_raft.Role == RaftRole.Leader)
        {
            if (ClientRequest.TryReadId(bytes, out var id)) ProposeOnce(id, bytes);
            return;
        }
        // One more hop to the leader we know; the origin re-sends anyway if this is lost.
        var leader = _raft.LeaderId;
        if (leader != 0 && leader != _id && _addresses.TryGetValue(leader, out var address))
        {
            LinkTo(address).TrySend(ForwardFrame, 0, bytes);
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
        if (_proposedTerm != _raft.Term)
        {
            _proposedTerm = _raft.Term;
            _proposedIds.Clear();
            _proposedOrder.Clear();
        }
        if (_proposedIds.Contains(id)) return true;
        if (_raft.Propose(bytes).Outcome != ProposeOutcome.Accepted) return false;
        _proposedIds.Add(id);
        _proposedOrder.Enqueue(id);
        if (_proposedOrder.Count > MaxProposedIds) _proposedIds.Remove(_proposedOrder.Dequeue());
        return true;
    }

    /// <summary>Everything waiting here (our clients' requests, and those held for want of a leader) to the leader now known.</summary>
    private void SendWaiting()
    {
        foreach (var pending in _pending.Values) Send(pending);
        ReleaseHeld();
    }

    /// <summary>Hands held requests to the leader now known (proposing them if that is us), or drops stale ones.</summary>
    private void ReleaseHeld()
    {
        if (_held.Count == 0) return;
        var leader = _raft.LeaderId;
        if (leader == 0)
        {
            if (_ticks - _heldSinceTick > HeldTicks) _held.Clear();
            return;
        }
        var held = _held.ToArray();
        _held.Clear();
        foreach (var bytes in held) ProposeForwarded(bytes);
    }

    /// <summary>
    /// When this node votes for a candidate it hands the candidate its waiting requests, so a candidate that wins
    /// proposes them with its first entry instead of a round trip later, when each follower has learned of it.
    /// </summary>
    private void OnVoteGranted(ulong candidate)
    {
        if (_pending.Count == 0 || !_addresses.TryGetValue(candidate, out var address)) return;
        var link = LinkTo(address);
        foreach (var pending in _pending.Values)
            if (!pending.Answer.IsCompleted) link.TrySend(ForwardFrame, 0, pending.Bytes);
    }

    private void HandleJoin(string address)
    {
        if (NodeAddress.Validate(address) is not null) return; // checked at the edge already (PeerInput)
        var id = NodeAddress.IdOf(address);
        if (_raft.Members.ContainsKey(id))
        {
            // A member asking to join believes it is not one: its data directory was wiped (or it is still waiting
            // for the entry that added it). Probe it now rather than at the next heartbeat; if its log is shorter
            // than we believed, its answer makes us catch it up from where it is (or from a snapshot).
            if (_raft.Role == RaftRole.Leader && id != _id) _raft.ProbeFollower(id);
            return;
        }
        if (_raft.Role != RaftRole.Leader)
        {
            var leader = _raft.LeaderId;
            if (leader != 0 && leader != _id && _addresses.TryGetValue(leader, out var leaderAddress))
                LinkTo(leaderAddress).TrySend(JoinFrame, 0, NodeAddress.ToContext(address));
            return;
        }
        _addresses[id] = address;
        var result = _raft.ProposeConfigChange(new ConfigChange(ConfigChangeType.AddNode, id, NodeAddress.ToContext(address)));
        if (result.Outcome == ProposeOutcome.Accepted)
            _log.LogInformation("adding {Address} to the cluster at index {Index}", address, result.Index);
    }

    private void ProcessReady()
    {
        while (_raft.HasReady)
        {
            var ready = _raft.GetReady();
            if (ready.Snapshot is { } snapshot) InstallSnapshot(snapshot);
            if (ready.EntriesToPersist.Count > 0) _store.Append(ready.EntriesToPersist);
            if (ready.HardState is { } hardState) _store.SaveHardState(hardState);
            // Only now send: LogStore's one repair (cutting a torn final record) is safe because nothing unsent is acked.
            foreach (var message in ready.Messages) SendMessage(message);
            foreach (var entry in ready.CommittedEntries) HandOver(entry);
            _raft.Advance(ready);
            if (ready.SoftState.LeaderId != _lastLeader)
            {
                _lastLeader = ready.SoftState.LeaderId;
                _status = BuildStatus();
                _log.LogInformation("term {Term}: leader is now {Leader} ({Role})", ready.SoftState.Term,
                    _addresses.GetValueOrDefault(_lastLeader, _lastLeader == 0 ? "none" : _lastLeader.ToString()), ready.SoftState.Role);
                // Re-send everything still waiting to the new leader at once rather than after RetryTicks.
                if (_lastLeader != 0) SendWaiting();
            }
        }
    }

    /// <summary>
    /// Hands a committed entry to the apply thread. A configuration change also updates the addresses here, on the
    /// loop, which sends to them.
    /// </summary>
    private void HandOver(in Entry entry)
    {
        if (entry.Type == EntryType.ConfigChange)
        {
            // A change that does not decode, or names an address no node can have, can only be in the log from an
            // older build that did not validate its peers (this one rejects it at the edge). It is committed, so it
            // is in every node's log and every restart hands it over again: throwing here would crash-loop the whole
            // cluster. Instead it is treated deterministically as the Raft core treats it (a malformed change is a
            // no-op there; a valid AddNode with a bad address adds a member nobody dials, which the reachable
            // majority outvotes), no address is recorded, and it is logged. Refusing to start would not be safer:
            // the entry cannot be removed from a committed log, so the cluster could never start again.
            try
            {
                var change = PeerInput.ReadConfigChange(entry.Data.Span, $"entry {entry.Index}");
                if (change.Type == ConfigChangeType.AddNode) _addresses[change.NodeId] = NodeAddress.FromContext(change.Context);
            }
            catch (FormatException e)
            {
                _log.LogError("committed configuration change at index {Index} is malformed ({Reason}); no address is recorded for it, as on every node", entry.Index, e.Message);
            }
        }
        _applier.Post(entry);
    }

    /// <summary>A leader's snapshot: persisted here (the store is the loop's), applied in order on the apply thread.</summary>
    private void InstallSnapshot(Snapshot snapshot)
    {
        PersistSnapshot(snapshot);
        _applier.PostSnapshot(snapshot);
        RememberMembers(snapshot.Members);
        _log.LogInformation("installing a snapshot at index {Index} from the leader", snapshot.Index);
    }

    /// <summary>
    /// Records members' addresses. One that is not a valid address (only an older build could have let it into the
    /// log or a snapshot) is left out and logged, so it is never dialed: dialing it would throw on the loop.
    /// </summary>
    private void RememberMembers(IReadOnlyDictionary<ulong, ReadOnlyMemory<byte>> members)
    {
        foreach (var (memberId, context) in members)
        {
            if (NodeAddress.TryFromContext(context.Span) is { } address) _addresses[memberId] = address;
            else _log.LogError("member {Id} has an invalid address in the configuration; it is never dialed", memberId);
        }
    }

    /// <summary>
    /// Stores a snapshot as the log store keeps it: Raft's metadata (index, term, members) apart from the state
    /// machine image, which the constructor joins back together on restart.
    /// </summary>
    private void PersistSnapshot(Snapshot snapshot)
    {
        var metadata = SnapshotCodec.ToBytes(snapshot with { Data = ReadOnlyMemory<byte>.Empty });
        _store.SaveSnapshot(snapshot.Index, snapshot.Term, metadata, snapshot.Data);
        _lastSnapshotIndex = snapshot.Index;
    }

    private void SendMessage(in Message message)
    {
        if (!_addresses.TryGetValue(message.To, out var address)) return; // unknown peer: Raft retries
        _encodeBuffer.ResetWrittenCount();
        MessageCodec.Write(message, _encodeBuffer);
        LinkTo(address).TrySend(RaftFrame, 0, _encodeBuffer.WrittenSpan);
        if (message.Type == MessageType.VoteResponse && !message.Reject) OnVoteGranted(message.To);
    }

    /// <summary>The link to a peer, created on first use. Only the loop thread sends, so sends batch until FlushLinks.</summary>
    private PeerLink LinkTo(string address)
    {
        PeerLink? link;
        lock (_links)
        {
            if (!_links.TryGetValue(address, out link))
            {
                // AutoFlush off: everything one loop iteration sends to a peer leaves in one write, on this thread,
                // instead of a thread-pool wake-up per frame (CPU is what octopus's checker competes for).
                link = new PeerLink(_options.SelfAddress, address, _logging.CreateLogger<PeerLink>(), new PeerLinkOptions { AutoFlush = false });
                link.Start();
                _links[address] = link;
            }
        }
        _unflushed.Add(link);
        return link;
    }

    private void FlushLinks()
    {
        if (_unflushed.Count == 0) return;
        foreach (var link in _unflushed) link.Flush();
        _unflushed.Clear();
    }

    private void DropAnswered()
    {
        List<RequestId>? done = null;
        foreach (var (id, pending) in _pending)
            if (pending.Answer.IsCompleted) (done ??= new()).Add(id);
        if (done is null) return;
        foreach (var id in done) _pending.Remove(id);
    }

    private ReplicatorStatus BuildStatus() => new(
        _raft.Role switch
        {
            RaftRole.Leader => "leader",
            RaftRole.Candidate => "candidate",
            RaftRole.PreCandidate => "pre-candidate",
            _ => _raft.Members.ContainsKey(_id) ? "follower" : "joining",
        },
        _raft.Term, _raft.LeaderId, _raft.Members.Keys.Order().ToArray(), _raft.CommitIndex, _stateMachine.AppliedIndex,
        _raft.LastIndex, _lastSnapshotIndex, BuildMemberStatus());

    private MemberStatus[] BuildMemberStatus()
    {
        var members = new MemberStatus[_raft.Members.Count];
        var i = 0;
        var isLeader = _raft.Role == RaftRole.Leader;
        foreach (var id in _raft.Members.Keys.Order())
        {
            var address = _addresses.GetValueOrDefault(id, "");
            var (name, endpoint) = _labels.GetOrAdd(address, a => (NodeAddress.DisplayName(a), NodeAddress.Endpoint(a, _options.WorkingDirectory)));
            long? heardMs = id == _id ? 0 : _lastHeardTick.TryGetValue(id, out var tick) ? (_ticks - tick) * _options.TickMs : null;
            // Heard within an election timeout, as check-quorum counts it. Only a leader hears from everyone.
            bool? reachable = id == _id ? true
                : isLeader || id == _raft.LeaderId ? heardMs is { } ms && ms <= _options.ElectionTimeoutMaxMs
                : null;
            members[i++] = new MemberStatus(id, name, address, endpoint, id == _id, id == _raft.LeaderId, reachable, heardMs);
        }
        return members;
    }

    public async ValueTask DisposeAsync()
    {
        await TransferLeadershipAsync().ConfigureAwait(false);
        _inputs.Post(new Input(InputKind.Stop));
        if (_loop is not null) await _loopExited.Task.ConfigureAwait(false);
        await _applier.StopAsync().ConfigureAwait(false);
        PeerLink[] links;
        lock (_links)
        {
            links = _links.Values.ToArray();
            _links.Clear();
        }
        foreach (var link in links) await link.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
    }

    /// <summary>
    /// On a clean shutdown the leader hands over to a peer first, so the cluster does not sit out an election timeout.
    /// Best effort, bounded: a few election timeouts at most.
    /// </summary>
    private async Task TransferLeadershipAsync()
    {
        if (_loop is null || _status.Role != "leader" || _status.Members.Count < 2) return;
        var target = _status.Members.FirstOrDefault(m => m != _id);
        Post(new Input(InputKind.Transfer, TransferTo: target));
        var deadline = Stopwatch.StartNew();
        while (deadline.ElapsedMilliseconds < _options.ElectionTimeoutMaxMs * 2 && _status.Role == "leader")
            await Task.Delay(_options.TickMs).ConfigureAwait(false);
    }

}
