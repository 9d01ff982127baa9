// Linearizable readers for the simulator: clients that ask whichever node believes it leads for a ReadIndex read,
// serve it once that node has applied the confirmed index (as the host does), and check what they read: every
// proposal acknowledged before the read began must be in the state read. A deposed leader that still believes it
// leads (partitioned, frozen and thawed) is asked too: that is the read ReadIndex must never confirm stale.
namespace FastDb.Raft.Tests.Simulation;

internal sealed class ReadIndexReaders
{
    private sealed record PendingRead(ulong Context, int Node, RaftNode Raft, double StartedMs, int MustSeePosition);

    private readonly Cluster _c;
    private readonly Random _rng;
    private readonly Dictionary<ulong, PendingRead> _asked = new();
    private readonly List<(PendingRead Read, ulong Index)> _confirmed = new();
    private int _maxAckedPosition = -1;
    private ulong _nextContext;
    private bool _running = true;

    public int Asked, Confirmed, Served;

    public ReadIndexReaders(Cluster c, int seed)
    {
        _c = c;
        _rng = new Random(seed ^ 0x5eed);
        var acked = c.OnAcked;
        c.OnAcked = id => { acked?.Invoke(id); _maxAckedPosition = Math.Max(_maxAckedPosition, c.Acked[id]); };
        var ready = c.OnReady;
        c.OnReady = (n, r) =>
        {
            ready?.Invoke(n, r);
            foreach (var state in r.ReadStates)
            {
                if (!_asked.Remove(state.Context, out var read)) throw new InvariantViolation($"seed {c.Seed}: read {state.Context} confirmed twice or never asked");
                if (read.Node != n.Index || read.Raft != n.Raft) throw new InvariantViolation($"seed {c.Seed}: read {state.Context} confirmed by the wrong node");
                Confirmed++;
                _confirmed.Add((read, state.Index));
            }
        };
    }

    public void Start(int every)
    {
        void Read()
        {
            if (!_running) return;
            int i = _rng.Next(_c.Nodes.Length);
            var n = _c.Nodes[i];
            if (n.Raft is { Role: RaftRole.Leader } raft && !n.Crashed && !n.Frozen)
            {
                var read = new PendingRead(++_nextContext, i, raft, _c.NowMs, _maxAckedPosition);
                _asked[read.Context] = read;
                if (_c.ReadIndexAt(i, read.Context)) Asked++;
                else _asked.Remove(read.Context);
            }
            _c.At(_c.NowMs + every, Read);
        }
        void Serve()
        {
            for (int k = _confirmed.Count - 1; k >= 0; k--)
            {
                var (read, index) = _confirmed[k];
                var n = _c.Nodes[read.Node];
                if (n.Crashed || n.Raft != read.Raft) { _confirmed.RemoveAt(k); continue; } // the process died: never answered
                if (n.Frozen || n.Sm.AppliedIndex < index) continue;
                _confirmed.RemoveAt(k);
                Served++;
                // The state read holds the deduplicated sequence's first Sm.Ids.Count proposals (a checked prefix).
                if (n.Sm.Ids.Count <= read.MustSeePosition)
                    throw new InvariantViolation($"seed {_c.Seed} at {_c.NowMs:F1} ms: stale linearizable read on node {n.Id} (asked at {read.StartedMs:F1} ms, index {index}): " +
                        $"it holds {n.Sm.Ids.Count} proposals but one acknowledged before the read is at position {read.MustSeePosition} " +
                        $"(acknowledged at {string.Join(",", _c.Acked.Where(a => a.Value == read.MustSeePosition).Select(a => _c.AckTime[a.Key].ToString("F1")))} ms); " +
                        $"the reader's term {read.Raft.Term}, role {read.Raft.Role}; nodes: {string.Join(" | ", _c.Nodes.Select(x => x.Raft?.Describe() ?? "down"))}");
            }
            if (_running || _confirmed.Count > 0) _c.At(_c.NowMs + 1, Serve);
        }
        _c.At(_c.NowMs + every, Read);
        _c.At(_c.NowMs + 1, Serve);
    }

    public void Stop() => _running = false;
}
