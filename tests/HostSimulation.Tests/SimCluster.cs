// A deterministic simulation of a FastDb cluster running the production Raft host (RaftHost and its parts) with the
// real state machine and engine, over simulated I/O: a network of octopus-like links (delays, jitter, lag spikes,
// cuts, lost and duplicated frames), process faults (crash and restart, SIGSTOP/SIGCONT), disk faults on the real
// LogStore (torn writes, flipped bits, wiped directories), and clients that behave as octopus's do. Everything
// random comes from one seeded Random and events are ordered by (time, sequence): a seed replays bit for bit.
// The invariants (see Invariants.cs) are checked after every event.
using FastDb.Raft;
using FastDb.Server.Cluster;
using FastDb.Server.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.HostSimulation.Tests;

internal sealed class InvariantViolation(string message) : Exception(message);

internal sealed partial class SimCluster : IDisposable
{
    public readonly SimOptions O;
    public readonly int Seed;
    public readonly Random Rng;
    public readonly SimNode[] Nodes;
    public double NowMs;
    private readonly string _root;
    private readonly PriorityQueue<Action, (double, long)> _queue = new();
    private long _seq;
    private readonly Dictionary<string, int> _byAddress = new(StringComparer.Ordinal);
    private readonly bool[,] _cut;
    private readonly long[,] _closes; // per direction: connections closed by a cut or a peer's death (ClosesOf)
    private readonly double[,] _linkBase, _linkJitter, _linkLastDelivery, _linkSpike;

    // Counters for the report.
    /// <summary>What every process of every node sent, by kind (the production counter, one per process), and what of
    /// it entered a link (not cut), which is what octopus's proxies charge.</summary>
    public readonly List<PeerTrafficCounter> Sent = new();
    public readonly PeerTrafficCounter OnTheWire = new();
    /// <summary>Sees every frame that enters a link (from, to, frame type, payload), for measurements.</summary>
    public Action<int, int, byte, byte[]>? WireTap;
    public int Crashes, Freezes, TornWrites, FlippedBits, Refusals, Wipes, Partitions, Events;
    /// <summary>Peer writes (one per peer per flush), pings sent, and writes that carried nothing but a ping.</summary>
    public long Writes, Pings, LonePingWrites;

    public SimCluster(SimOptions options, int seed)
    {
        O = options;
        Seed = seed;
        Rng = new Random(seed);
        _root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"fastdb-sim-{Environment.ProcessId}-{seed}-{Guid.NewGuid():N}");
        Nodes = new SimNode[options.Nodes];
        _cut = new bool[options.Nodes, options.Nodes];
        _closes = new long[options.Nodes, options.Nodes];
        _linkBase = new double[options.Nodes, options.Nodes];
        _linkJitter = new double[options.Nodes, options.Nodes];
        _linkLastDelivery = new double[options.Nodes, options.Nodes];
        _linkSpike = new double[options.Nodes, options.Nodes];
        for (var a = 0; a < options.Nodes; a++)
            for (var b = 0; b < options.Nodes; b++)
            {
                // Octopus's links: per link a base delay of max(1, 20 + 10·N(0,1)) ms plus exponential jitter.
                _linkBase[a, b] = Math.Max(1, 20 + 10 * Gaussian());
                _linkJitter[a, b] = Rng.NextDouble() * 19;
            }
        for (var i = 0; i < options.Nodes; i++)
        {
            var address = $"./node{i}.sock";
            _byAddress[address] = i;
            Nodes[i] = new SimNode(i, address, new SimStore(Path.Combine(_root, $"node{i}"), new Random(Rng.Next())));
        }
        foreach (var node in Nodes)
        {
            Start(node);
            var phase = Rng.NextDouble() * O.TickMs;
            At(phase, () => Tick(node));
        }
    }

    /// <summary>Simulated time for what the host times in milliseconds (round trips to peers).</summary>
    private sealed class SimClock(SimCluster cluster) : TimeProvider
    {
        public override long TimestampFrequency => 1_000_000;
        public override long GetTimestamp() => (long)(cluster.NowMs * 1000);
    }

    private SimClock? _clock;
    private TimeProvider Clock => _clock ??= new SimClock(this);

    /// <summary>Sets the base one-way delay of the link between a and b (both directions).</summary>
    public void SetLinkDelay(int a, int b, double ms) { _linkBase[a, b] = ms; _linkBase[b, a] = ms; }

    /// <summary>Sets the mean exponential jitter of the link between a and b (both directions).</summary>
    public void SetLinkJitter(int a, int b, double ms) { _linkJitter[a, b] = ms; _linkJitter[b, a] = ms; }

    public void Dispose()
    {
        foreach (var node in Nodes) node.Store.Delete();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - Rng.NextDouble())) * Math.Cos(2 * Math.PI * Rng.NextDouble());

    private ClusterOptions OptionsFor(SimNode node)
    {
        var peers = O.JoinFlow ? [] : Nodes.Where(n => n != node).Select(n => n.Address).ToArray();
        return new ClusterOptions
        {
            SelfAddress = node.Address,
            // A wiped node of a joined cluster is started again as a joiner (of another member, for node 0, which
            // bootstrapped the cluster: started alone without --join it would bootstrap a new one, as documented).
            Join = !O.JoinFlow ? null : node.Index != 0 ? Nodes[0].Address : node.Rejoin ? Nodes[1].Address : null,
            InitialPeers = peers,
            WorkingDirectory = "/",
            TickMs = O.TickMs,
            ElectionTimeoutMaxMs = O.ElectionMaxTicks * O.TickMs,
            SnapshotEveryEntries = O.SnapshotEveryEntries,
            RelayAroundSilentPeers = O.Relay,
            PlaceLeaderByLatency = O.PlaceLeader,
            SuspectLeaderOnLinkClose = O.SuspectLeader,
            BatchWindowMs = O.BatchWindowMs,
            Raft = new RaftOptions
            {
                Id = node.Id,
                HeartbeatIntervalTicks = O.HeartbeatTicks,
                ElectionTimeoutMinTicks = O.ElectionMinTicks,
                ElectionTimeoutMaxTicks = O.ElectionMaxTicks,
                BroadcastAcks = true,
                CommitQuorum = O.CommitQuorum,
                HeartbeatOnlyWhenIdle = O.IdleHeartbeats,
                // As ReplicatorFactory sets it: acks go to the node that proposed the request.
                EntryOrigin = data => ClientRequest.TryReadId(data.Span, out var id) ? id.Origin : 0,
            },
        };
    }

    // ------------------------------------------------------------------ processes

    /// <summary>Starts a process on the node's directory, through the production recovery.</summary>
    private void Start(SimNode node)
    {
        node.Incarnation++;
        var incarnation = node.Incarnation;
        node.Store.Reopen();
        var stateMachine = new ReplicatedStateMachine(DedupWindow.DefaultMaxCount, DedupWindow.DefaultMaxAgeMs);
        var requests = new PendingRequests(stateMachine);
        var transport = new SimTransport(this, node.Index);
        var counted = new CountingTransport(transport);
        Sent.Add(counted.Counter);
        var applyQueue = new SimApplyQueue(this, node, incarnation);
        RaftHost host;
        try
        {
            host = new RaftHost(OptionsFor(node), stateMachine, node.Store, counted,
                snapshotIndex =>
                {
                    applyQueue.Rules = new ApplyRules(stateMachine, O.SnapshotEveryEntries, snapshotIndex,
                        (index, image) => AtNode(node, incarnation, 0, () => node.Host!.Handle(new HostInput(HostInputKind.SnapshotTaken, Index: index, Image: image)), loop: true));
                    return applyQueue;
                },
                new Random(Rng.Next()), NullLogger.Instance, Clock);
        }
        catch (FastDb.Server.Storage.CorruptStorageException)
        {
            node.Up = false;
            node.RefusedToStart = true;
            Refusals++;
            return;
        }
        node.RefusedToStart = false;
        node.Host = host;
        node.StateMachine = stateMachine;
        node.Requests = requests;
        node.Transport = transport;
        node.ApplyQueue = applyQueue;
        node.Up = true;
        node.Frozen = false;
        // ScriptSubmitter's counter follows the clock (ClientRequest.NextCounter): ids never repeat across restarts.
        node.Counter = ClientRequest.NextCounter(node.Counter, (long)NowMs);
        Note($"node {node.Index} starts (incarnation {incarnation}, applied {stateMachine.AppliedIndex})");
        OnStarted(node);
        RunOnLoop(node, () => { });
    }

    public void Crash(SimNode node)
    {
        if (!node.Up) return;
        Crashes++;
        Note($"node {node.Index} crashes");
        Kill(node);
    }

    private void Kill(SimNode node)
    {
        node.Incarnation++;
        for (var other = 0; other < Nodes.Length; other++) _closes[other, node.Index]++; // its peers' connections to it close
        node.Up = false;
        node.Frozen = false;
        node.FrozenInbox.Clear();
        node.Transport?.Drop();
        node.Host = null;
        node.StateMachine = null;
        node.Requests = null;
        node.Transport = null;
        node.ApplyQueue = null;
        OnCrashed(node);
    }

    public void Restart(SimNode node)
    {
        if (node.Up) return;
        Start(node);
    }

    public void Freeze(SimNode node)
    {
        if (!node.Up || node.Frozen) return;
        Freezes++;
        node.Frozen = true;
    }

    public void Thaw(SimNode node)
    {
        if (!node.Up || !node.Frozen) return;
        node.Frozen = false;
        var inbox = node.FrozenInbox.ToArray();
        node.FrozenInbox.Clear();
        foreach (var action in inbox)
        {
            action();
            if (!node.Up || node.Frozen) break;
        }
    }

    // ------------------------------------------------------------------ events

    public void At(double delayMs, Action action) => _queue.Enqueue(action, (NowMs + delayMs, _seq++));

    /// <summary>
    /// An event inside one incarnation of a node's process: dropped if that process died, held while it is stopped.
    /// A loop event is one iteration of the host's loop: the input, then the host's output (persist, send, apply).
    /// </summary>
    public void AtNode(SimNode node, int incarnation, double delayMs, Action action, bool loop = false)
    {
        At(delayMs, () =>
        {
            if (node.Incarnation != incarnation || !node.Up) return;
            void Run()
            {
                if (node.Incarnation != incarnation || !node.Up) return;
                if (loop) RunOnLoop(node, action);
                else action();
            }
            if (node.Frozen) node.FrozenInbox.Add(Run);
            else Run();
        });
    }

    /// <summary>One loop iteration of a running node. A write the simulator tears ends the process inside it.</summary>
    private void RunOnLoop(SimNode node, Action input)
    {
        try
        {
            input();
            node.Host!.ProcessOutput();
            // As NodeLoop wakes when the leader's batch window closes.
            var due = node.Host.MsUntilBatchDue();
            if (due != int.MaxValue && node.BatchWakeAt <= NowMs)
            {
                node.BatchWakeAt = NowMs + Math.Max(1, due);
                AtNode(node, node.Incarnation, Math.Max(1, due), () => { }, loop: true);
            }
        }
        catch (SimulatedCrash)
        {
            Note($"node {node.Index} dies in a torn write");
            TornWrites++;
            Kill(node);
            var delay = 50 + Rng.NextDouble() * 500;
            At(delay, () => Restart(node));
        }
    }

    private void Tick(SimNode node)
    {
        At(O.TickMs, () => Tick(node));
        if (!node.Up || node.Frozen) return; // a stopped process does not tick; it resumes with stale timers
        RunOnLoop(node, () => node.Host!.Tick());
    }

    /// <summary>Runs events until <paramref name="done"/> holds or <paramref name="ms"/> of simulated time pass.</summary>
    public bool RunUntil(Func<bool> done, double ms)
    {
        var end = NowMs + ms;
        while (!done())
        {
            if (!_queue.TryPeek(out _, out var key) || key.Item1 > end) { NowMs = Math.Max(NowMs, end); return done(); }
            var action = _queue.Dequeue();
            NowMs = Math.Max(NowMs, key.Item1);
            action();
            Events++;
            CheckAfterEvent();
        }
        return true;
    }

    public void RunFor(double ms) => RunUntil(() => false, ms);

    // ------------------------------------------------------------------ the network

    /// <summary>A frame one node's transport flushed: delivered to the process listening at the address, in order per link.</summary>
    public void SendFrame(int from, string address, byte type, byte[] payload)
    {
        if (type == PeerFrames.Forward) Note($"node {from} forwards to {address}");
        if (!_byAddress.TryGetValue(address, out var to)) return;  // nobody listens there: the dial fails
        if (_cut[from, to]) return;
        OnTheWire.Record(type, payload);
        WireTap?.Invoke(from, to, type, payload);
        if (O.DropRate > 0 && Rng.NextDouble() < O.DropRate) return;
        var target = Nodes[to];
        var incarnation = target.Incarnation;                      // a restart breaks the connection
        var fromAddress = Nodes[from].Address;
        var connection = _closes[from, to];                        // killing the link loses what is in flight
        void Deliver() { if (_closes[from, to] == connection) Arrive(); }
        void Arrive() => AtNode(target, incarnation, 0, () =>
        {
            HostInput? input;
            try
            {
                input = target.Host!.ReadFrame(fromAddress, type, payload);
            }
            catch (PeerInputException e)
            {
                var detail = type == PeerFrames.Raft ? FastDb.Raft.MessageCodec.Read(payload, Nodes[from].Id, target.Id).ToString() : $"frame type {type}";
                throw Fail($"node {to} refused a frame from node {from}, a correct peer: {e.Message} ({detail})");
            }
            if (input is { } i)
            {
                var lastBefore = target.Host!.Raft.LastIndex;
                target.Host.Handle(i);
                if (type == PeerFrames.Forward) Note($"node {to} gets a forward from node {from} as {target.Host.Raft.Role}: last index {lastBefore} -> {target.Host.Raft.LastIndex}");
            }
        }, loop: true);
        At(DelayOf(from, to), Deliver);
        if (O.DupRate > 0 && Rng.NextDouble() < O.DupRate) At(DelayOf(from, to), Deliver);
    }

    private double DelayOf(int from, int to)
    {
        var delay = _linkBase[from, to] + _linkSpike[from, to] - _linkJitter[from, to] * Math.Log(1 - Rng.NextDouble());
        // In order per link, like one TCP stream through octopus's proxy.
        var at = Math.Max(NowMs + delay, _linkLastDelivery[from, to]);
        _linkLastDelivery[from, to] = at;
        return at - NowMs;
    }

    public void CutBoth(int a, int b)
    {
        // Killing a link closes its connections, at once on both sides (the proxies are local to each node).
        if (!_cut[a, b]) _closes[a, b]++;
        if (!_cut[b, a]) _closes[b, a]++;
        _cut[a, b] = true;
        _cut[b, a] = true;
    }

    /// <summary>What IPeerTransport.ClosesOf reports on node <paramref name="from"/> for its connection to <paramref name="address"/>.</summary>
    public long ClosesOf(int from, string address) => _byAddress.TryGetValue(address, out var to) ? _closes[from, to] : 0;

    public void HealBoth(int a, int b) { _cut[a, b] = false; _cut[b, a] = false; }

    public void Isolate(int a) { for (var b = 0; b < Nodes.Length; b++) if (b != a) CutBoth(a, b); }

    public void HealNetwork()
    {
        for (var a = 0; a < Nodes.Length; a++)
            for (var b = 0; b < Nodes.Length; b++) { _cut[a, b] = false; _linkSpike[a, b] = 0; }
    }

    public void Spike(int a, int b, double ms) { _linkSpike[a, b] = ms; _linkSpike[b, a] = ms; }

    // ------------------------------------------------------------------ faults

    /// <summary>
    /// Whether node i may lose its directory under the fault model the design covers (see RaftNode.CatchUpBeforeVoting):
    /// one node recovering from a wipe at a time, every other node running, caught up, a member, and past the
    /// bootstrap (a wiped node plus nodes holding nothing since their own first boot look exactly like a first boot:
    /// the documented residual risk).
    /// </summary>
    public bool MayWipe(SimNode node) => Nodes.All(n => n == node ||
        (n.Up && !n.CatchingUp && n.Host!.Raft.Members.Count == Nodes.Length
         && n.Host.Raft.LastIndex > (ulong)Nodes.Length + 1));

    /// <summary>Every node up, a member of a configuration holding all of them, and voting.</summary>
    private bool Formed() => Nodes.All(n => n.Up && !n.CatchingUp && n.Host!.Raft.Members.Count == Nodes.Length);

    public void Wipe(SimNode node)
    {
        Wipes++;
        Kill(node);
        node.Store.Wipe();
        node.Rejoin = true;
        OnWiped(node);
    }

    /// <summary>The chaos schedule: one fault at a time, each healed before the next, for the workload's duration.</summary>
    public void ScheduleFaults()
    {
        if (!O.Faults) return;
        // A joined cluster is left to form first: faults while members are still joining can leave a configuration
        // whose every majority needs a joiner that may not vote before a leader has caught it up (FastDb has no
        // learner stage yet; the README's limits say so). This simulator found that; it is left for the membership work.
        if (O.JoinFlow && !Formed()) { At(100, ScheduleFaults); return; }
        double t = NowMs + 300;
        while (t < O.WorkloadMs)
        {
            var start = t;
            var length = 100 + Rng.NextDouble() * 900;
            var victim = Nodes[Rng.Next(Nodes.Length)];
            var kind = O.CrashFaults ? Rng.Next(O.DiskFaults ? 9 : 6) : 1 + Rng.Next(4); // without crashes: freeze, netsplit, link, lagsplit
            At(start - NowMs, () => Inject(kind, victim, length));
            t += length + 100 + Rng.NextDouble() * 400;
        }
    }

    private void Inject(int kind, SimNode victim, double length)
    {
        Note($"fault {kind} at node {victim.Index} for {length:F0} ms");
        switch (kind)
        {
            case 0: // kill -9, restarted after a while
                Crash(victim);
                At(length, () => Restart(victim));
                break;
            case 1: // SIGSTOP, then SIGCONT
                Freeze(victim);
                At(length, () => Thaw(victim));
                break;
            case 2: // netsplit: one node cut off from all others
                Partitions++;
                Isolate(victim.Index);
                At(length, HealNetwork);
                break;
            case 3: // a single link down
                Partitions++;
                var other = (victim.Index + 1 + Rng.Next(Nodes.Length - 1)) % Nodes.Length;
                CutBoth(victim.Index, other);
                At(length, HealNetwork);
                break;
            case 4: // lagsplit: links around one node get slow
                for (var b = 0; b < Nodes.Length; b++) if (b != victim.Index) Spike(victim.Index, b, 50 + Rng.NextDouble() * 300);
                At(length, HealNetwork);
                break;
            case 5: // the leader is killed (octopus's murder monkey aims at it too)
                var leader = Nodes.FirstOrDefault(n => n.Up && n.Host!.Raft.Role == RaftRole.Leader) ?? victim;
                Crash(leader);
                At(length, () => Restart(leader));
                break;
            case 6: // a torn write: the process dies inside its next write
                if (victim.Up) victim.Store.TearNextWrite = true;
                break;
            case 7: // a flipped bit at rest: the node must refuse to start; the operator then wipes its directory
                // (losing a directory is the one disk fault at a time the design covers, like a wipe: see MayWipe)
                if (!victim.Up || !MayWipe(victim)) break;
                Crash(victim);
                if (victim.Store.FlipByte()) { FlippedBits++; victim.Damaged = true; }
                At(50, () => Restart(victim));
                At(length, () => RepairRefused(victim));
                break;
            case 8: // the directory is lost, and the node restarts empty
                if (!MayWipe(victim)) break;
                Wipe(victim);
                At(length, () => Restart(victim));
                break;
        }
    }

    /// <summary>An operator finds a node that refused to start and wipes its directory (when that is safe).</summary>
    private void RepairRefused(SimNode node)
    {
        if (!node.RefusedToStart) return;
        if (!MayWipe(node)) { At(500, () => RepairRefused(node)); return; }
        Wipe(node);
        Restart(node);
    }

    /// <summary>Ends every fault: links healed, processes continued and restarted (refused ones repaired when safe).</summary>
    public void HealAll()
    {
        HealNetwork();
        foreach (var node in Nodes)
        {
            node.Store.TearNextWrite = false;
            Thaw(node);
            if (node.RefusedToStart) RepairRefused(node);
            else Restart(node);
        }
    }

    private InvariantViolation Fail(string what) => new($"seed {Seed} at {NowMs:F1} ms: {what}" + (Trace is null ? "" : "\n" + string.Join("\n", Trace.TakeLast(200))));

    /// <summary>Every node's state and every unanswered client, for a failure message.</summary>
    public string Describe()
    {
        var lines = Nodes.Select(n => !n.Up ? $"node {n.Index}: down{(n.RefusedToStart ? " (refused to start)" : "")}"
            : $"node {n.Index}: {n.Host!.Raft.Role} term {n.Host.Raft.Term} leader {n.Host.Raft.LeaderId} commit {n.Host.Raft.CommitIndex} last {n.Host.Raft.LastIndex} applied {n.StateMachine!.AppliedIndex}"
              + $" members {n.Host.Raft.Members.Count}{(n.CatchingUp ? " catching up" : "")}{(n.Frozen ? " frozen" : "")} pending {n.Requests!.Count}");
        return string.Join("\n", lines.Concat(DescribeClients()).Concat(Trace?.TakeLast(300) ?? []));
    }

    /// <summary>What happened, when FASTDB_SIM_TRACE is set (shown with a failure).</summary>
    public readonly List<string>? Trace = Environment.GetEnvironmentVariable("FASTDB_SIM_TRACE") is null ? null : new();

    public void Note(string what) => Trace?.Add($"{NowMs,9:F1} {what}");
}
