// A hand-driven network of RaftNodes for scripted scenarios (figure 8 and friends): the test decides which
// queued message is delivered, dropped or held. Storage survives crashes exactly as the Readies persisted it,
// and every applied entry is checked against what other nodes applied at the same index.
namespace FastDb.Raft.Tests.Simulation;

internal sealed class ManualNet
{
    private sealed class Disk
    {
        public HardState Hard;
        public Snapshot? Snap;
        public readonly List<Entry> Entries = new();
    }

    public readonly Dictionary<ulong, RaftNode?> Nodes = new();
    private readonly Dictionary<ulong, Disk> _disks = new();
    private readonly Func<ulong, RaftOptions> _options;
    public readonly List<Message> Queue = new();
    public readonly Dictionary<ulong, Entry> Committed = new();
    public readonly Dictionary<ulong, List<Entry>> Applied = new();
    private int _rngSeed = 1;
    private readonly List<Entry> _boot = new();

    public ManualNet(int n, Func<ulong, RaftOptions> options)
    {
        _options = options;
        var boot = _boot;
        for (ulong i = 1; i <= (ulong)n; i++)
            boot.Add(new Entry(1, i, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, i, Cluster.Address((int)i - 1)))));
        for (ulong id = 1; id <= (ulong)n; id++)
        {
            var d = new Disk { Hard = new HardState(1, 0, (ulong)n) };
            d.Entries.AddRange(boot);
            _disks[id] = d;
            Applied[id] = new List<Entry>();
            Start(id);
        }
    }

    public RaftNode this[ulong id] => Nodes[id] ?? throw new InvalidOperationException($"node {id} is down");

    private void Start(ulong id)
    {
        var d = _disks[id];
        Nodes[id] = new RaftNode(_options(id), new Random(_rngSeed++), d.Hard, d.Snap, d.Entries.ToList());
        Applied[id].Clear();
        Process(id);
    }

    public void Crash(ulong id)
    {
        Nodes[id] = null;
        Queue.RemoveAll(m => m.To == id);
    }

    public void Restart(ulong id) => Start(id);

    /// <summary>
    /// Restarts `id` as the host does after its data directory was wiped: with the static bootstrap re-created
    /// (octopus layout) or with nothing (join layout), told to catch up before it votes.
    /// </summary>
    public void RestartWiped(ulong id, bool staticBootstrap)
    {
        Crash(id);
        var d = _disks[id] = new Disk();
        if (staticBootstrap)
        {
            d.Hard = new HardState(1, 0, (ulong)_boot.Count);
            d.Entries.AddRange(_boot);
        }
        Nodes[id] = new RaftNode(_options(id), new Random(_rngSeed++), d.Hard, d.Snap, d.Entries.ToList());
        Nodes[id]!.CatchUpBeforeVoting(staticBootstrap ? (ulong)_boot.Count : 0, rejoinNonce: (ulong)_rngSeed++ * 7919 + 1);
        Applied[id].Clear();
        Process(id);
    }

    /// <summary>
    /// Restarts `id` from its disk while its catch-up marker is still there (octopus layout): the process died after
    /// persisting entries and before the host removed the marker.
    /// </summary>
    public void RestartBeforeMarkerCleared(ulong id)
    {
        Crash(id);
        Start(id);
        Nodes[id]!.CatchUpBeforeVoting((ulong)_boot.Count, rejoinNonce: (ulong)_rngSeed++ * 7919 + 1);
        Process(id);
    }

    /// <summary>Restarts `id` with its log cut back to `lastIndex`, still consistent (the commit index with it), as a shortened log.bin loads.</summary>
    public void RestartShortened(ulong id, ulong lastIndex)
    {
        Crash(id);
        var d = _disks[id];
        d.Entries.RemoveAll(e => e.Index > lastIndex);
        d.Hard = d.Hard with { Commit = Math.Min(d.Hard.Commit, lastIndex) };
        Start(id);
    }

    public void Process(ulong id)
    {
        var node = Nodes[id]!;
        var d = _disks[id];
        for (int guard = 0; node.HasReady; guard++)
        {
            if (guard > 100) throw new InvalidOperationException("HasReady never settles");
            var r = node.GetReady();
            if (r.Snapshot is not null) { d.Snap = r.Snapshot; d.Entries.Clear(); }
            if (r.EntriesToPersist.Count > 0)
            {
                ulong first = r.EntriesToPersist[0].Index;
                d.Entries.RemoveAll(e => e.Index >= first);
                d.Entries.AddRange(r.EntriesToPersist);
            }
            if (r.HardState is { } hs) d.Hard = hs;
            // Through the codec, as on the wire.
            foreach (var m in r.Messages) Queue.Add(MessageCodec.Read(MessageCodec.ToBytes(m), m.From, m.To));
            foreach (var e in r.CommittedEntries)
            {
                if (Committed.TryGetValue(e.Index, out var c) && (c.Term != e.Term || !c.Data.Span.SequenceEqual(e.Data.Span)))
                    throw new InvariantViolation($"node {id} applied ({e.Index},{e.Term}) but ({c.Index},{c.Term}) was committed");
                Committed[e.Index] = e;
                Applied[id].Add(e);
            }
            node.Advance(r);
        }
    }

    /// <summary>Delivers queued messages matching pred (including ones they cause) until none match; others stay queued.</summary>
    public int Deliver(Func<Message, bool>? pred = null, int maxMessages = 10_000) => Deliver(pred, null, maxMessages);

    /// <summary>As Deliver, but each delivered message first passes through map (e.g. to cut an append's batch short).</summary>
    public int Deliver(Func<Message, bool>? pred, Func<Message, Message>? map, int maxMessages = 10_000)
    {
        int delivered = 0;
        while (delivered < maxMessages)
        {
            int i = Queue.FindIndex(m => pred is null || pred(m));
            if (i < 0) break;
            var m = map is null ? Queue[i] : map(Queue[i]);
            Queue.RemoveAt(i);
            if (Nodes.GetValueOrDefault(m.To) is not { } to) continue;
            to.Step(m);
            Process(m.To);
            delivered++;
        }
        return delivered;
    }

    public void Drop(Func<Message, bool> pred) => Queue.RemoveAll(m => pred(m));

    public void Tick(ulong id, int times = 1)
    {
        for (int i = 0; i < times; i++) { this[id].Tick(); Process(id); }
    }

    /// <summary>Asks `id` to campaign now (as a leadership transfer does: no pre-vote, leases ignored).</summary>
    public void Campaign(ulong id)
    {
        var n = this[id];
        n.Step(new Message(MessageType.TimeoutNow, From: ulong.MaxValue, To: id, Term: Math.Max(1, n.Term)));
        Process(id);
    }

    public ProposeResult Propose(ulong id, byte[] data)
    {
        var r = this[id].Propose(data);
        Process(id);
        return r;
    }
}
