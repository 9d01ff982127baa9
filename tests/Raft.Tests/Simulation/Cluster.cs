// A deterministic simulation of a Raft cluster: simulated clock, network (delays, drops, duplicates, reordering,
// cuts), freezes, crashes with restart from exactly what the Ready said to persist, disk faults (a torn final
// write, a wiped data directory restarted as the host would), and a client that proposes
// at the leader (a follower's NotLeader hint redirects it; unanswered, it retries the same proposal id elsewhere).
// This is the pure core's simulator: it has no host rules of its own (forwarding, held requests, re-sends); the
// production host runs under tests/HostSimulation.Tests.
// Everything random comes from one seeded Random, and events are ordered by (time, sequence): a seed replays
// bit for bit.
using System.Buffers.Binary;

namespace FastDb.Raft.Tests.Simulation;

internal sealed record SimOptions
{
    public int Nodes = 3;
    public int TickMs = 10;
    public int HeartbeatTicks = 3, ElectionMinTicks = 10, ElectionMaxTicks = 20;
    public bool BroadcastAcks = true, PreVote = true, CheckQuorum = true;
    /// <summary>RaftOptions.CommitQuorum (0: a majority; 2: flexible quorums).</summary>
    public int CommitQuorum;
    /// <summary>Acks and commit notices go to a per-entry "origin" (derived from the proposal id) instead of everyone.</summary>
    public bool EntryOrigins;
    public int MaxInflight = 64;
    public int MaxEntriesPerAppend = 256;
    /// <summary>Per-message delay bounds (chaos links), in ms.</summary>
    public double MinDelayMs = 1, MaxDelayMs = 150;
    public double DropRate, DupRate;
    /// <summary>Octopus-like links: per link base max(1, 20 + 10·N(0,1)) ms plus exponential jitter (mean 0..19 ms), in order.</summary>
    public bool OctopusLinks;
    /// <summary>Compact the log after this many applied entries (0 = never).</summary>
    public int CompactEvery = 40;
}

internal sealed class InvariantViolation(string message) : Exception(message);

internal sealed class SimNode(int index)
{
    public readonly int Index = index;
    public ulong Id => (ulong)Index + 1;
    public RaftNode? Raft;
    public bool Frozen, Crashed;
    public int Life;                                          // bumped by every crash: what was sent to an earlier life is lost
    public readonly List<SimEvent> Inbox = new();            // what arrived while frozen
    public readonly HashSet<ulong> Pending = new(); // client requests this node proposed as leader, acked when it applies them
    public StateMachine Sm = new();
    // Storage: only what Readies told the host to persist.
    public HardState Hard;
    public Snapshot? Snap;
    public readonly List<Entry> Disk = new();
    /// <summary>The host's catch-up marker file (see ClusterReplicator): present from an empty start until Raft says it caught up.</summary>
    public ulong? CatchUpMarker;
    /// <summary>Disk fault: the next write is torn (a prefix of it reaches the disk) and the process dies in it.</summary>
    public bool TearNextWrite;
    public double RestartAfterTearMs;
    public double TickPhaseMs;

    public ulong DiskLastIndex => Disk.Count > 0 ? Disk[^1].Index : Snap?.Index ?? 0;

    public bool TryDiskTerm(ulong index, out ulong term)
    {
        ulong snapIndex = Snap?.Index ?? 0;
        if (index == snapIndex) { term = Snap?.Term ?? 0; return true; }
        if (index < snapIndex || index > DiskLastIndex) { term = 0; return false; }
        term = Disk[(int)(index - snapIndex - 1)].Term;
        return true;
    }

    public Entry DiskAt(ulong index) => Disk[(int)(index - (Snap?.Index ?? 0) - 1)];
}

internal enum EventKind : byte { Tick, Deliver, ClientRequest, Action }

internal sealed class SimEvent
{
    public EventKind Kind;
    public int Node;          // destination node index
    public int From;
    public byte[]? Bytes;     // a Raft message on the wire
    public ulong ProposalId;  // ClientRequest
    public int Life;          // Deliver: the receiver's life when it was sent
    public Action? Action;
}

internal sealed class Cluster
{
    public readonly SimOptions O;
    public readonly int Seed;
    public readonly Random Rng;
    public readonly SimNode[] Nodes;
    public double NowMs;
    private readonly PriorityQueue<SimEvent, (double, long)> _queue = new();
    private long _seq;
    private ulong _lives; // rejoin nonces: one per node life that catches up
    private readonly bool[,] _cut;
    private readonly double[,] _linkBase, _linkJitter, _linkLastDelivery;
    /// <summary>Extra delay per link (octopus's lagsplit spikes), ms.</summary>
    public readonly double[,] LinkSpikeMs;

    // Global knowledge for invariants.
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = new();
    private readonly Dictionary<(ulong Index, ulong Term), (ulong Hash, ulong PrevTerm)> _entries = new();
    private readonly Dictionary<ulong, (ulong Term, ulong Hash)> _committed = new();
    // The term of the first node seen applying each index: the term in which it was committed is at most this.
    private readonly Dictionary<ulong, ulong> _committedBy = new();
    private ulong _maxCommitted;
    private readonly List<ulong> _sequence = new();   // the deduplicated applied sequence all nodes must agree on

    // Client bookkeeping.
    private ulong _nextProposalId = 1;
    public readonly Dictionary<ulong, double> Submitted = new();     // id → first submit time
    public readonly Dictionary<ulong, int> Acked = new();            // id → position the client was told
    public readonly Dictionary<ulong, double> AckTime = new();
    private readonly Dictionary<ulong, double> _lastSubmit = new();
    public double ClientRetryMs = 1500;

    // Measurements.
    public int SnapshotsInstalled, Restarts, Freezes, ConfigChangesCommitted, TornWrites, Wipes;
    /// <summary>The run ended wedged by two members catching up under flexible quorums (see ChaosRun).</summary>
    public bool BeyondFlexibleTolerance;
    private bool _joinFlow;
    public int LeaderTerms => _leaderOfTerm.Count;
    public int SequenceLength => _sequence.Count;
    public long RaftMessages, RaftBytes;
    public readonly List<double> CommitLatencyAtLeaderMs = new();
    private readonly Dictionary<(int Node, ulong Id), double> _proposedAt = new();   // leader-side propose time
    public Action<SimNode, Ready>? OnReady;
    public Action<ulong>? OnAcked;

    public Cluster(SimOptions o, int seed)
    {
        O = o;
        Seed = seed;
        Rng = new Random(seed);
        Nodes = new SimNode[o.Nodes];
        _cut = new bool[o.Nodes, o.Nodes];
        _linkBase = new double[o.Nodes, o.Nodes];
        _linkJitter = new double[o.Nodes, o.Nodes];
        _linkLastDelivery = new double[o.Nodes, o.Nodes];
        LinkSpikeMs = new double[o.Nodes, o.Nodes];
        for (int a = 0; a < o.Nodes; a++)
            for (int b = 0; b < o.Nodes; b++)
            {
                _linkBase[a, b] = Math.Max(1, 20 + 10 * Gaussian());
                _linkJitter[a, b] = Rng.NextDouble() * 19;
            }
        // Every node starts from the same bootstrapped log: one AddNode entry per member, committed, term 1.
        var boot = new List<Entry>();
        for (int i = 0; i < o.Nodes; i++)
            boot.Add(new Entry(1, (ulong)i + 1, EntryType.ConfigChange,
                ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, (ulong)i + 1, Address(i)))));
        for (int i = 0; i < o.Nodes; i++)
        {
            var n = Nodes[i] = new SimNode(i);
            n.Hard = new HardState(1, 0, (ulong)o.Nodes);
            n.Disk.AddRange(boot);
            n.CatchUpMarker = (ulong)o.Nodes; // as the host writes it with the static bootstrap: first boot or wipe?
            n.TickPhaseMs = Rng.NextDouble() * o.TickMs;
            foreach (var e in boot) RecordEntry(n, e);
            StartNode(n);
            ScheduleTick(n, n.TickPhaseMs);
        }
    }

    /// <summary>For scenario tests that start from Bootstrap + joins: nodes beyond `members` start empty.</summary>
    public static Cluster WithJoiners(SimOptions o, int seed) => new(o, seed, joinFlow: true);

    private Cluster(SimOptions o, int seed, bool joinFlow) : this(o, seed)
    {
        if (!joinFlow) return;
        _joinFlow = true;
        // Wipe the static bootstrap: node 1 bootstraps alone; the others are blank joiners, which (like a wiped
        // member, which they look like) catch up before they vote.
        _entries.Clear(); _committed.Clear(); _maxCommitted = 0;
        foreach (var n in Nodes)
        {
            n.Hard = default; n.Snap = null; n.Disk.Clear(); n.Sm = new StateMachine();
            n.CatchUpMarker = n.Index == 0 ? null : 0;
            StartNode(n);
        }
        Nodes[0].Raft!.Bootstrap(Address(0));
        ProcessReady(Nodes[0]);
    }

    public static byte[] Address(int index) => System.Text.Encoding.ASCII.GetBytes($"./node{index}.sock");

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - Rng.NextDouble())) * Math.Cos(2 * Math.PI * Rng.NextDouble());

    private RaftOptions OptionsFor(SimNode n) => new()
    {
        Id = n.Id,
        HeartbeatIntervalTicks = O.HeartbeatTicks,
        ElectionTimeoutMinTicks = O.ElectionMinTicks,
        ElectionTimeoutMaxTicks = O.ElectionMaxTicks,
        MaxInflightAppends = O.MaxInflight,
        MaxEntriesPerAppend = O.MaxEntriesPerAppend,
        PreVote = O.PreVote,
        CheckQuorum = O.CheckQuorum,
        BroadcastAcks = O.BroadcastAcks,
        CommitQuorum = O.CommitQuorum,
        // Any member may be named: safety must not depend on who hears acks, and liveness falls back on heartbeats.
        EntryOrigin = O.EntryOrigins
            ? data => data.Length >= 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data.Span) % (ulong)O.Nodes + 1 : 0
            : null,
    };

    private void StartNode(SimNode n)
    {
        n.Raft = new RaftNode(OptionsFor(n), new Random(Rng.Next()), n.Hard, n.Snap, n.Disk.ToList());
        if (n.CatchUpMarker is { } firstBoot) n.Raft.CatchUpBeforeVoting(firstBoot, ++_lives); // unique per life, without a draw from Rng (seeds replay as before)
        n.Sm = StateMachine.FromSnapshot(n.Snap);
        CheckSmPrefix(n);
        n.Crashed = false;
        ProcessReady(n);
    }

    // ------------------------------------------------------------------ event loop

    private void Schedule(double atMs, SimEvent e) => _queue.Enqueue(e, (atMs, _seq++));

    private void ScheduleTick(SimNode n, double atMs) => Schedule(atMs, new SimEvent { Kind = EventKind.Tick, Node = n.Index });

    public void At(double atMs, Action a) => Schedule(atMs, new SimEvent { Kind = EventKind.Action, Action = a });

    /// <summary>Asks node i's Raft for a linearizable read (ReadIndex) as a host would, then runs its Ready loop.</summary>
    public bool ReadIndexAt(int i, ulong context)
    {
        var n = Nodes[i];
        if (n.Crashed || n.Frozen || n.Raft is null || !n.Raft.ReadIndex(context)) return false;
        ProcessReady(n);
        return true;
    }

    public void RunFor(double ms) => RunUntil(() => false, ms);

    /// <summary>Runs events until cond holds (checked after each event) or ms of simulated time pass. True if cond held.</summary>
    public bool RunUntil(Func<bool> cond, double ms)
    {
        double end = NowMs + ms;
        if (cond()) return true;
        while (_queue.TryPeek(out _, out var key) && key.Item1 <= end)
        {
            var e = _queue.Dequeue();
            NowMs = Math.Max(NowMs, key.Item1);
            Handle(e);
            if (cond()) return true;
        }
        NowMs = Math.Max(NowMs, end);
        return cond();
    }

    private void Handle(SimEvent e)
    {
        if (e.Kind == EventKind.Action) { e.Action!(); return; }
        var n = Nodes[e.Node];
        if (e.Kind == EventKind.Tick)
        {
            // A frozen or crashed node does not tick; ticking resumes (with stale timers) when it thaws.
            ScheduleTick(n, NowMs + O.TickMs);
            if (n.Frozen || n.Crashed) return;
            n.Raft!.Tick();
            ProcessReady(n);
            return;
        }
        if (n.Crashed) return;                      // connection refused / data lost
        // A message rides one connection to one process: if that process died since, the connection died with it
        // (octopus closes the proxied pair; PeerLink drops what it queued for it). Without this, a delayed append
        // of a stale leader reached a wiped node's next life, which took it for a first boot's (seed 4995).
        if (e.Kind == EventKind.Deliver && e.Life != n.Life) return;
        if (n.Frozen) { n.Inbox.Add(e); return; }  // sits in the socket buffer until SIGCONT
        Receive(n, e);
    }

    private void Receive(SimNode n, SimEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.Deliver:
                var m = MessageCodec.Read(e.Bytes, (ulong)e.From + 1, (ulong)n.Index + 1);
                if (Events is not null && (m.Type is MessageType.Vote or MessageType.VoteResponse or MessageType.InstallSnapshot || Environment.GetEnvironmentVariable("FASTDB_SIM_TRACE") == "all"))
                    Note($"{m.From}->{m.To} {m.Type} t{m.Term} i{m.Index} lt{m.LogTerm} n{m.EntryCount} c{m.Commit}{(m.Reject ? " reject" : "")}; receiver last {n.DiskLastIndex} commit {n.Raft!.CommitIndex} term {n.Raft.Term}");
                n.Raft!.Step(m);
                break;
            case EventKind.ClientRequest:
                
                // A retried request for something this node already applied is answered from the state machine.
                if (n.Sm.Ids.Contains(e.ProposalId)) { Ack(n, e.ProposalId, n.Sm.Ids.IndexOf(e.ProposalId)); break; }
                ProposeOrRedirect(n, e.ProposalId);
                break;
        }
        ProcessReady(n);
    }

    /// <summary>A leader proposes the request; a follower that knows the leader redirects the client there.</summary>
    private void ProposeOrRedirect(SimNode n, ulong id)
    {
        var raft = n.Raft!;
        if (raft.Role == RaftRole.Leader)
        {
            var r = raft.Propose(StateMachine.Command(id));
            if (r.Outcome != ProposeOutcome.Accepted) return; // the client retries
            n.Pending.Add(id);
            _proposedAt.TryAdd((n.Index, id), NowMs);
        }
        else if (raft.LeaderId != 0 && raft.LeaderId != n.Id && (int)raft.LeaderId - 1 < Nodes.Length)
        {
            // NotLeader with a hint: the client goes there next, a direct round trip later.
            Schedule(NowMs + 1, new SimEvent { Kind = EventKind.ClientRequest, Node = (int)raft.LeaderId - 1, ProposalId = id });
        }
    }

    // ------------------------------------------------------------------ the host's Ready loop

    private void ProcessReady(SimNode n)
    {
        var raft = n.Raft!;
        for (int guard = 0; raft.HasReady; guard++)
        {
            if (guard > 1000) throw new InvariantViolation($"node {n.Id}: HasReady never settles");
            var r = raft.GetReady();
            OnReady?.Invoke(n, r);
            if (n.TearNextWrite && (r.Snapshot is not null || r.EntriesToPersist.Count > 0 || r.HardState is not null))
            {
                TearWrite(n, r);
                return;
            }
            // 1. Persist: snapshot replaces the log; entries rewrite the suffix; hard state.
            if (r.Snapshot is not null)
            {
                n.Snap = r.Snapshot;
                n.Disk.Clear();
                SnapshotsInstalled++;
                n.Sm = StateMachine.FromSnapshot(r.Snapshot);
                CheckSmPrefix(n);
            }
            if (r.EntriesToPersist.Count > 0)
            {
                ulong first = r.EntriesToPersist[0].Index;
                if (first > n.DiskLastIndex + 1 || first <= (n.Snap?.Index ?? 0))
                    Fail($"node {n.Id}: entries to persist start at {first} but disk ends at {n.DiskLastIndex}");
                while (n.Disk.Count > 0 && n.Disk[^1].Index >= first) n.Disk.RemoveAt(n.Disk.Count - 1);
                foreach (var e in r.EntriesToPersist)
                {
                    if (e.Index != n.DiskLastIndex + 1) Fail($"node {n.Id}: non-contiguous entries to persist at {e.Index}");
                    n.Disk.Add(e);
                    RecordEntry(n, e);
                }
            }
            if (r.HardState is { } hs)
            {
                if (hs.Term < n.Hard.Term) Fail($"node {n.Id}: persisted term went back from {n.Hard.Term} to {hs.Term}");
                if (hs.Term == n.Hard.Term && n.Hard.VotedFor != 0 && hs.VotedFor != n.Hard.VotedFor)
                    Fail($"node {n.Id}: changed its vote within term {hs.Term}");
                n.Hard = hs;
            }
            if (r.SoftState.Role == RaftRole.Leader) CheckLeader(n, r.SoftState.Term);
            // 2. Send.
            foreach (var m in r.Messages) SendMessage(n, m);
            // 3. Apply.
            foreach (var e in r.CommittedEntries) Apply(n, e);
            raft.Advance(r);
            if (n.CatchUpMarker is not null && !raft.CatchUpPending) n.CatchUpMarker = null;
            // 4. Compact now and then, so lagging nodes need snapshots.
            if (O.CompactEvery > 0 && raft.AppliedIndex >= (n.Snap?.Index ?? 0) + (ulong)O.CompactEvery)
            {
                var s = raft.Compact(raft.AppliedIndex, n.Sm.Image());
                n.Snap = s;
                n.Disk.RemoveAll(e => e.Index <= s.Index);
            }
        }
    }

    /// <summary>
    /// The process dies in the middle of persisting this Ready: a prefix of its writes (snapshot, then entries one
    /// by one, then the hard state) reaches the disk, as LogStore loads a torn final record (cut); nothing of the
    /// Ready was sent or applied, since the host sends only after the writes returned.
    /// </summary>
    private void TearWrite(SimNode n, Ready r)
    {
        int stages = (r.Snapshot is not null ? 1 : 0) + r.EntriesToPersist.Count + (r.HardState is not null ? 1 : 0);
        int written = Rng.Next(stages); // at least the last write is torn
        if (r.Snapshot is not null && written-- > 0)
        {
            n.Snap = r.Snapshot;
            n.Disk.Clear();
        }
        if (r.EntriesToPersist.Count > 0 && written > 0)
        {
            ulong first = r.EntriesToPersist[0].Index;
            while (n.Disk.Count > 0 && n.Disk[^1].Index >= first) n.Disk.RemoveAt(n.Disk.Count - 1);
            foreach (var e in r.EntriesToPersist.Take(written))
            {
                n.Disk.Add(e);
                RecordEntry(n, e);
            }
            written -= Math.Min(written, r.EntriesToPersist.Count);
        }
        if (r.HardState is { } hs && written > 0) n.Hard = hs;
        n.TearNextWrite = false;
        TornWrites++;
        int index = n.Index;
        Crash(index);
        At(NowMs + n.RestartAfterTearMs, () => Restart(index));
    }

    private void SendMessage(SimNode from, in Message m)
    {
        var bytes = MessageCodec.ToBytes(m);
        RaftMessages++;
        RaftBytes += bytes.Length;
        SendRaw(from.Index, (int)m.To - 1, new SimEvent { Kind = EventKind.Deliver, Bytes = bytes, From = from.Index });
    }

    private void SendRaw(int from, int to, SimEvent e)
    {
        if (to < 0 || to >= Nodes.Length) return;
        e.Node = to;
        if (_cut[from, to] || (e.Kind == EventKind.Deliver && Nodes[to].Crashed)) return;
        e.Life = Nodes[to].Life;
        if (O.DropRate > 0 && Rng.NextDouble() < O.DropRate) return;
        Schedule(DeliveryTime(from, to), e);
        if (O.DupRate > 0 && Rng.NextDouble() < O.DupRate)
            Schedule(DeliveryTime(from, to), new SimEvent { Kind = e.Kind, Node = to, From = from, Bytes = e.Bytes, ProposalId = e.ProposalId, Life = e.Life });
    }

    private double DeliveryTime(int from, int to)
    {
        if (!O.OctopusLinks) return NowMs + O.MinDelayMs + Rng.NextDouble() * (O.MaxDelayMs - O.MinDelayMs);
        // In order per link, like one TCP stream through octopus's proxy.
        double d = _linkBase[from, to] + LinkSpikeMs[from, to] - _linkJitter[from, to] * Math.Log(1 - Rng.NextDouble());
        double at = Math.Max(NowMs + d, _linkLastDelivery[from, to]);
        _linkLastDelivery[from, to] = at;
        return at;
    }

    private void Apply(SimNode n, in Entry e)
    {
        if (e.Index != n.Sm.AppliedIndex + 1) Fail($"node {n.Id}: applied index {e.Index} after {n.Sm.AppliedIndex}");
        ulong h = Hash(e);
        if (_committed.TryGetValue(e.Index, out var c))
        {
            if (c.Term != e.Term || c.Hash != h) Fail($"node {n.Id}: applied ({e.Index},{e.Term}) but ({e.Index},{c.Term}) was committed");
        }
        else
        {
            _committed[e.Index] = (e.Term, h);
            _committedBy[e.Index] = n.Raft!.Term;
            if (e.Type == EntryType.ConfigChange && e.Term > 1) ConfigChangesCommitted++;
            _maxCommitted = Math.Max(_maxCommitted, e.Index);
        }
        if (e.Type != EntryType.Normal) { n.Sm.Skip(e.Index); return; }
        ulong id = StateMachine.ProposalIdOf(e.Data.Span);
        int pos = n.Sm.Apply(e.Index, id);
        if (pos == n.Sm.Ids.Count - 1 && n.Sm.Ids[pos] == id) CheckSequence(n, pos, id);
        if (_proposedAt.Remove((n.Index, id), out var t0)) CommitLatencyAtLeaderMs.Add(NowMs - t0);
        if (n.Pending.Remove(id)) Ack(n, id, pos);
    }

    private void Ack(SimNode n, ulong id, int pos)
    {
        n.Pending.Remove(id);
        if (Acked.TryGetValue(id, out var old))
        {
            if (old != pos) Fail($"proposal {id} acknowledged at position {old} and again at {pos}");
            return;
        }
        Acked[id] = pos;
        AckTime[id] = NowMs;
        OnAcked?.Invoke(id);
    }

    // ------------------------------------------------------------------ invariants

    private void Fail(string what) => throw new InvariantViolation($"seed {Seed} at {NowMs:F1} ms: {what}" + (Events is null ? "" : "\n" + string.Join("\n", Events.TakeLast(80))));

    /// <summary>FASTDB_SIM_TRACE=1: crashes, wipes, restarts and leaders, printed with a failure.</summary>
    public readonly List<string>? Events = Environment.GetEnvironmentVariable("FASTDB_SIM_TRACE") is null ? null : new();

    public void Note(string what) => Events?.Add($"{NowMs,9:F1} {what}");

    private static ulong Hash(in Entry e)
    {
        ulong h = 1469598103934665603UL ^ (ulong)e.Type;
        foreach (var b in e.Data.Span) h = (h ^ b) * 1099511628211UL;
        return h;
    }

    /// <summary>Log matching: one (index, term) names one entry with one predecessor term, on every node.</summary>
    private void RecordEntry(SimNode n, in Entry e)
    {
        if (!n.TryDiskTerm(e.Index - 1, out var prevTerm)) Fail($"node {n.Id}: no predecessor for entry {e.Index}");
        if (prevTerm > e.Term) Fail($"node {n.Id}: entry {e.Index} term {e.Term} below its predecessor's {prevTerm}");
        var v = (Hash(e), prevTerm);
        if (_entries.TryGetValue((e.Index, e.Term), out var old))
        {
            if (old != v) Fail($"node {n.Id}: two different entries at ({e.Index},{e.Term})");
        }
        else _entries[(e.Index, e.Term)] = v;
        if (_committed.TryGetValue(e.Index, out var c) && (c.Term != e.Term || c.Hash != v.Item1) && e.Index <= n.Hard.Commit)
            Fail($"node {n.Id}: overwrote committed entry {e.Index}");
    }

    /// <summary>One leader per term, and a leader's log holds every entry known committed (leader completeness).</summary>
    private void CheckLeader(SimNode n, ulong term)
    {
        if (_leaderOfTerm.TryGetValue(term, out var other))
        {
            if (other != n.Id) Fail($"two leaders in term {term}: {other} and {n.Id}");
            return; // completeness is checked when it is first seen leading
        }
        _leaderOfTerm[term] = n.Id;
        Note($"node {n.Id} leads term {term}: last {n.DiskLastIndex}, commit {n.Raft?.CommitIndex}");
        ulong from = (n.Snap?.Index ?? 0) + 1;
        for (ulong i = from; i <= _maxCommitted; i++)
        {
            // Leader completeness binds leaders of terms after the one that committed the entry.
            if (!_committed.TryGetValue(i, out var c) || _committedBy[i] >= term) continue;
            if (i > n.DiskLastIndex) Fail($"leader {n.Id} of term {term} lacks committed entry {i}");
            var e = n.DiskAt(i);
            if (e.Term != c.Term || Hash(e) != c.Hash) Fail($"leader {n.Id} of term {term} has a different entry at committed index {i}");
        }
    }

    private void CheckSequence(SimNode n, int pos, ulong id)
    {
        if (pos < _sequence.Count)
        {
            if (_sequence[pos] != id) Fail($"node {n.Id} applied proposal {id} at position {pos}, others applied {_sequence[pos]}");
        }
        else if (pos == _sequence.Count) _sequence.Add(id);
        else Fail($"node {n.Id} skipped positions before {pos}");
    }

    private void CheckSmPrefix(SimNode n)
    {
        for (int i = 0; i < n.Sm.Ids.Count; i++) CheckSequence(n, i, n.Sm.Ids[i]);
    }

    /// <summary>End-of-run check: every acknowledged proposal sits, once, at the position its client was told, on every node.</summary>
    public void CheckAcknowledged()
    {
        foreach (var (id, pos) in Acked)
        {
            if (pos >= _sequence.Count || _sequence[pos] != id) Fail($"acknowledged proposal {id} is not at position {pos}");
            foreach (var n in Nodes)
                if (n.Sm.Ids.Count > pos && n.Sm.Ids[pos] != id) Fail($"node {n.Id} lost acknowledged proposal {id}");
        }
        if (_sequence.Distinct().Count() != _sequence.Count) Fail("a proposal appears twice in the applied sequence");
    }

    // ------------------------------------------------------------------ client and faults

    /// <summary>The client sends a new request to node `index`; returns its proposal id.</summary>
    public ulong Submit(int index)
    {
        ulong id = _nextProposalId++;
        Submitted[id] = NowMs;
        SubmitTo(index, id);
        return id;
    }

    private bool _clientsRunning;

    /// <summary>
    /// Client threads, each with one request outstanding (like octopus's clients): a request goes to a random
    /// node and is retried, same id, at another random node when unanswered for ClientRetryMs.
    /// </summary>
    public void StartClientThreads(int threads)
    {
        _clientsRunning = true;
        for (int t = 0; t < threads; t++)
        {
            ulong outstanding = 0;
            double sentAt = 0;
            void Thread()
            {
                if (!_clientsRunning) return;
                if (outstanding != 0 && !Acked.ContainsKey(outstanding))
                {
                    if (NowMs - sentAt >= ClientRetryMs) { Resubmit(Rng.Next(Nodes.Length), outstanding); sentAt = NowMs; }
                }
                else if (Rng.NextDouble() < 0.5)
                {
                    outstanding = Submit(Rng.Next(Nodes.Length));
                    sentAt = NowMs;
                }
                At(NowMs + 10, Thread);
            }
            At(NowMs + Rng.NextDouble() * 20, Thread);
        }
    }

    public void StopClients() => _clientsRunning = false;

    /// <summary>The client retries request `id` at node `index`.</summary>
    public void Resubmit(int index, ulong id) => SubmitTo(index, id);

    private void SubmitTo(int index, ulong id)
    {
        _lastSubmit[id] = NowMs;
        // The client talks to the node directly (no proxy): no delay, but a crashed node refuses.
        var e = new SimEvent { Kind = EventKind.ClientRequest, Node = index, ProposalId = id };
        Schedule(NowMs, e);
    }

    /// <summary>Client retry: requests unanswered for ClientRetryMs go, same id, to another random node.</summary>
    public void RetryUnacked()
    {
        foreach (var (id, last) in _lastSubmit.ToList())
        {
            if (Acked.ContainsKey(id)) { _lastSubmit.Remove(id); continue; }
            if (NowMs - last >= ClientRetryMs) SubmitTo(Rng.Next(Nodes.Length), id);
        }
    }

    /// <summary>Direct proposal at a node (scenario tests); returns the result.</summary>
    public ProposeResult ProposeAt(int index, ulong id)
    {
        var n = Nodes[index];
        var r = n.Raft!.Propose(StateMachine.Command(id));
        ProcessReady(n);
        return r;
    }

    public ProposeResult ProposeConfigAt(int index, ConfigChange cc)
    {
        var n = Nodes[index];
        var r = n.Raft!.ProposeConfigChange(cc);
        ProcessReady(n);
        return r;
    }

    public void TransferLeadership(int from, int toIndex)
    {
        var n = Nodes[from];
        n.Raft!.TransferLeadership((ulong)toIndex + 1);
        ProcessReady(n);
    }

    /// <summary>A host's failure detector suspects the leader (rightly or not): RaftNode.SuspectLeader.</summary>
    public void SuspectLeader(int index)
    {
        var n = Nodes[index];
        if (n.Raft is null || n.Crashed || n.Frozen) return;
        n.Raft.SuspectLeader();
        ProcessReady(n);
    }

    public void Cut(int from, int to) => _cut[from, to] = true;
    public void HealLink(int from, int to) => _cut[from, to] = false;
    public void CutBoth(int a, int b) { _cut[a, b] = true; _cut[b, a] = true; }
    public void Isolate(int a) { for (int b = 0; b < Nodes.Length; b++) if (b != a) CutBoth(a, b); }

    public void HealNetwork()
    {
        for (int a = 0; a < Nodes.Length; a++) for (int b = 0; b < Nodes.Length; b++) _cut[a, b] = false;
    }

    public void Freeze(int i) { Nodes[i].Frozen = true; Freezes++; }

    public void Thaw(int i)
    {
        var n = Nodes[i];
        if (!n.Frozen) return;
        n.Frozen = false;
        var inbox = n.Inbox.ToList();
        n.Inbox.Clear();
        foreach (var e in inbox) if (!n.Crashed) Receive(n, e);
    }

    public void Crash(int i)
    {
        var n = Nodes[i];
        Note($"node {n.Id} crashes (disk last {n.DiskLastIndex}, commit {n.Raft?.CommitIndex})");
        n.Crashed = true;
        n.Life++;
        n.Frozen = false;
        n.Inbox.Clear();
        n.Pending.Clear();
        n.Raft = null;
    }

    /// <summary>Disk fault: node i's next write is torn and it dies in it; it restarts restartAfterMs later.</summary>
    public void TearNextWrite(int i, double restartAfterMs)
    {
        Nodes[i].TearNextWrite = true;
        Nodes[i].RestartAfterTearMs = restartAfterMs;
    }

    /// <summary>
    /// Whether node i may be wiped under the fault model the design covers (see RaftNode.CatchUpBeforeVoting): one
    /// node recovering from a wipe at a time, and in the static layout every other node past the bootstrap, on disk
    /// and in its commit index (a wiped node plus nodes holding nothing since their own first boot, or a leader that
    /// has committed nothing beyond it, look exactly like a first boot: the documented residual risk; seed 7368
    /// found the second). And every node a member, so that the others form a majority without it: a wiped node votes
    /// for nobody until a leader caught it up, so a configuration whose every majority needs it (say {it, one
    /// other} after a removal) waits for a leader that cannot be elected.
    /// </summary>
    public bool MayWipe(int i) => Nodes.All(n => n.Index == i ||
        (n.CatchUpMarker is null && (_joinFlow || (n.DiskLastIndex > (ulong)Nodes.Length && n.Raft?.CommitIndex > (ulong)Nodes.Length))
         && n.Raft is not null && n.Raft.Members.Count == Nodes.Length));

    /// <summary>Disk fault: node i crashes and loses its data directory; it restarts empty as the host would
    /// (re-creating the static bootstrap, or as a blank joiner), marked to catch up before it votes.</summary>
    public void Wipe(int i)
    {
        var n = Nodes[i];
        Crash(i);
        Note($"node {n.Id} wiped; others: " + string.Join(", ", Nodes.Where(o => o != n).Select(o => $"{o.Id} last {o.DiskLastIndex} commit {o.Raft?.CommitIndex} frozen {o.Frozen} crashed {o.Crashed} role {o.Raft?.Role} term {o.Raft?.Term}")));
        Wipes++;
        n.Snap = null;
        n.Disk.Clear();
        n.Hard = default;
        n.Sm = new StateMachine();
        if (_joinFlow) n.CatchUpMarker = 0;
        else
        {
            n.CatchUpMarker = (ulong)Nodes.Length;
            n.Hard = new HardState(1, 0, (ulong)Nodes.Length);
            for (int j = 0; j < Nodes.Length; j++)
                n.Disk.Add(new Entry(1, (ulong)j + 1, EntryType.ConfigChange,
                    ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, (ulong)j + 1, Address(j)))));
        }
    }

    public void Restart(int i)
    {
        var n = Nodes[i];
        if (!n.Crashed) return;
        Note($"node {n.Id} restarts (disk last {n.DiskLastIndex})");
        Restarts++;
        StartNode(n);
    }

    public void HealAll()
    {
        HealNetwork();
        for (int i = 0; i < Nodes.Length; i++) { Nodes[i].TearNextWrite = false; Thaw(i); Restart(i); }
    }

    /// <summary>The live leader with the highest term, or -1.</summary>
    public int Leader()
    {
        int best = -1;
        ulong term = 0;
        foreach (var n in Nodes)
            if (!n.Crashed && !n.Frozen && n.Raft!.Role == RaftRole.Leader && n.Raft.Term >= term) { best = n.Index; term = n.Raft.Term; }
        return best;
    }

    public ulong ProposalIdForScenario() => _nextProposalId++;
}
