// One randomized run: a client proposing steadily through random nodes while faults rain down (partitions,
// an isolated node, asymmetric cuts, freezes up to 2 s, crashes with restart, crashes in the middle of a write
// (torn final write), wiped data directories, drops and duplicates), then
// everything heals and the cluster must elect a leader and commit new requests within a bounded time.
namespace FastDb.Raft.Tests.Simulation;

internal static class ChaosRun
{
    public const double ChaosMs = 4000, LivenessDeadlineMs = 10000;

    public static string Describe(SimOptions o) =>
        $"acks={o.BroadcastAcks} commitQuorum={o.CommitQuorum} origins={o.EntryOrigins} inflight={o.MaxInflight} maxEntries={o.MaxEntriesPerAppend} compactEvery={o.CompactEvery}";

    private static bool AllMembers(Cluster c) => c.Nodes.All(n => n.Raft!.Members.Count == c.Nodes.Length);

    /// <param name="attach">Called with the cluster before the run starts (extra clients and checks, e.g. ReadIndexReaders).</param>
    public static Cluster Run(int seed, int nodes, Action<Cluster>? attach = null)
    {
        var pick = new Random(seed * 7919 + nodes); // per-seed settings, derived from the seed alone
        var o = new SimOptions
        {
            Nodes = nodes,
            BroadcastAcks = pick.NextDouble() < 0.8,
        };
        // Flow-control shapes: pipelined big batches, a small window of small batches, stop-and-wait big
        // batches, and pipelined single entries (maximum reordering).
        (o.MaxInflight, o.MaxEntriesPerAppend) = pick.Next(4) switch { 0 => (64, 256), 1 => (4, 4), 2 => (1, 256), _ => (64, 1) };
        o = new SimOptions
        {
            Nodes = nodes,
            BroadcastAcks = o.BroadcastAcks,
            EntryOrigins = seed % 2 == 0, // outside `pick`, so every seed keeps the rest of its settings
            CommitQuorum = seed / 2 % 2 == 1 ? 2 : 0, // flexible quorums in half the seeds (with 3 nodes a pair is a majority)
            MaxInflight = o.MaxInflight,
            MaxEntriesPerAppend = o.MaxEntriesPerAppend,
            CompactEvery = pick.Next(3) switch { 0 => 0, 1 => 10, _ => 40 },
            DropRate = pick.NextDouble() * 0.05,
            DupRate = pick.NextDouble() * 0.03,
        };
        var c = new Cluster(o, seed);
        // Every third seed may wipe a node's data directory, and then keeps its membership fixed (as octopus's
        // layout does): a wiped node votes for nobody until a leader caught it up, and a removal that leaves a
        // configuration whose every majority needs it would wait for a leader that cannot be elected.
        bool wipes = seed % 3 == 0;
        var r = c.Rng;
        double Exp(double mean) => -mean * Math.Log(1 - r.NextDouble());

        attach?.Invoke(c);
        c.StartClientThreads(16);

        void Fault()
        {
            if (c.NowMs >= ChaosMs) return;
            int a = r.Next(nodes);
            double d = r.NextDouble();
            switch (r.Next(9))
            {
                case 0: // random partition, both directions
                {
                    var side = Enumerable.Range(0, nodes).Select(_ => r.Next(2) == 0).ToArray();
                    var links = new List<(int, int)>();
                    for (int x = 0; x < nodes; x++) for (int y = 0; y < nodes; y++) if (side[x] != side[y]) links.Add((x, y));
                    foreach (var (x, y) in links) c.Cut(x, y);
                    c.At(c.NowMs + d * 1000, () => { foreach (var (x, y) in links) c.HealLink(x, y); });
                    break;
                }
                case 1: // one node cut off from all
                    c.Isolate(a);
                    c.At(c.NowMs + d * 1000, () => { for (int y = 0; y < nodes; y++) { c.HealLink(a, y); c.HealLink(y, a); } });
                    break;
                case 2: // asymmetric: a hears b, b does not hear a
                {
                    int b = r.Next(nodes);
                    c.Cut(a, b);
                    c.At(c.NowMs + d * 1000, () => c.HealLink(a, b));
                    break;
                }
                case 3:
                    c.Freeze(a);
                    c.At(c.NowMs + d * 2000, () => c.Thaw(a));
                    break;
                case 4: // a crash in the middle of a write (torn), a crash that loses the data directory (two fifths each), or a crash
                    switch (r.Next(5))
                    {
                        case 0 or 3 when !c.Nodes[a].Crashed:
                            c.TearNextWrite(a, d * 1000);
                            break;
                        case 1 or 4 when wipes && c.MayWipe(a):
                            c.Wipe(a);
                            c.At(c.NowMs + d * 1000, () => c.Restart(a));
                            break;
                        default:
                            c.Crash(a);
                            c.At(c.NowMs + d * 1000, () => c.Restart(a));
                            break;
                    }
                    break;
                case 5:
                    c.O.DropRate = r.NextDouble() * 0.1;
                    c.O.DupRate = r.NextDouble() * 0.05;
                    break;
                case 6 when !wipes: // membership: remove a member, or add back one that was removed
                {
                    int ml = c.Leader();
                    if (ml < 0) break;
                    var members = c.Nodes[ml].Raft!.Members;
                    var missing = c.Nodes.Where(n => !members.ContainsKey(n.Id)).ToList();
                    // A removal while a node catches up (it counts in the majority but votes for nobody yet) can
                    // leave no majority of voters: elections then wait for it to catch up, which needs a leader.
                    if (missing.Count == 0 && c.Nodes.Any(n => n.Index != a && n.CatchUpMarker is not null)) break;
                    var cc = missing.Count > 0
                        ? new ConfigChange(ConfigChangeType.AddNode, missing[0].Id, Cluster.Address(missing[0].Index))
                        : new ConfigChange(ConfigChangeType.RemoveNode, (ulong)a + 1, ReadOnlyMemory<byte>.Empty);
                    c.ProposeConfigAt(ml, cc);
                    break;
                }
                case 6 when c.MayWipe(a): // the seeds without membership changes wipe a node instead
                    c.Wipe(a);
                    c.At(c.NowMs + d * 1000, () => c.Restart(a));
                    break;
                case 8: // a failure detector's suspicion, right (the leader is cut off) or wrong: every follower or one
                    for (int y = 0; y < nodes; y++) if (y == a || d < 0.5) c.SuspectLeader(y);
                    break;
                default:
                    // leader freeze, the failover case octopus punishes most
                    int l = c.Leader();
                    if (l >= 0) { c.Freeze(l); c.At(c.NowMs + d * 2000, () => c.Thaw(l)); }
                    break;
            }
            c.At(c.NowMs + Exp(250), Fault);
        }
        c.At(Exp(100), Fault);

        c.RunFor(ChaosMs);

        // Heal everything; from here the network is calm and nothing fails.
        c.HealAll();
        c.O.DropRate = 0;
        c.O.DupRate = 0;
        c.O.MaxDelayMs = 50;
        double healedAt = c.NowMs;
        // Add back every node a membership fault removed.
        for (int i = 0; i < 100 && !AllMembers(c); i++)
        {
            int l = c.Leader();
            if (l >= 0)
                foreach (var n in c.Nodes)
                    if (!c.Nodes[l].Raft!.Members.ContainsKey(n.Id))
                        c.ProposeConfigAt(l, new ConfigChange(ConfigChangeType.AddNode, n.Id, Cluster.Address(n.Index)));
            c.RunUntil(() => AllMembers(c), 100);
        }
        if (!AllMembers(c))
            throw new InvariantViolation($"seed {seed} ({Describe(o)}): could not restore full membership after healing; nodes:\n" +
                string.Join("\n", c.Nodes.Select(n => n.Raft!.Describe() + " members " + string.Join(",", n.Raft!.Members.Keys))));
        ulong marker = c.Submit(r.Next(nodes));
        // The client retries (same id, another node) while unanswered: nobody but the client re-sends a request here.
        if (!RunRetrying(c, () => c.Acked.ContainsKey(marker), LivenessDeadlineMs))
        {
            // Flexible quorums (a pair commits) need every member but one to elect. Two members catching up (a
            // wipe, or the first boot's evidence of commits a node lacks) vote for nobody until a leader caught them
            // up, so none can be elected: the documented price (RaftOptions.CommitQuorum), not a bug, as long as
            // nothing acknowledged was lost meanwhile.
            if (o.CommitQuorum == 2 && nodes >= 4 && c.Leader() < 0 && c.Nodes.Count(n => n.Raft!.CatchUpPending) >= 2)
            {
                c.CheckAcknowledged();
                c.BeyondFlexibleTolerance = true;
                return c;
            }
            throw new InvariantViolation($"seed {seed} ({Describe(o)}): no commit of a new request within {LivenessDeadlineMs} ms after healing " +
                $"nodes:\n{string.Join("\n", c.Nodes.Select(n => n.Raft!.Describe()))}" + (c.Events is null ? "" : "\n" + string.Join("\n", c.Events.TakeLast(120))));
        }
        // Every node catches up to the same applied sequence.
        int target = c.Nodes.Max(n => n.Sm.Ids.Count);
        if (!c.RunUntil(() => c.Nodes.All(n => n.Sm.Ids.Count >= target), LivenessDeadlineMs - (c.NowMs - healedAt)))
            throw new InvariantViolation($"seed {seed}: nodes did not catch up after healing " +
                $"({string.Join(", ", c.Nodes.Select(n => $"{n.Id}: {n.Sm.Ids.Count}/{target}"))})");
        c.CheckAcknowledged();
        return c;
    }

    /// <summary>Runs until <paramref name="done"/>, the client re-sending what is unanswered meanwhile (see Cluster.RetryUnacked).</summary>
    internal static bool RunRetrying(Cluster c, Func<bool> done, double ms)
    {
        double end = c.NowMs + ms;
        while (c.NowMs < end)
        {
            if (c.RunUntil(done, Math.Min(100, end - c.NowMs))) return true;
            c.RetryUnacked();
        }
        return done();
    }
}
