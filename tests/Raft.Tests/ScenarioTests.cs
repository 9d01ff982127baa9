// The classic traps, each scripted on the simulated cluster (invariants are checked after every step there too).
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class ScenarioTests
{
    private static SimOptions Calm(int nodes) => new() { Nodes = nodes, MinDelayMs = 5, MaxDelayMs = 30 };

    private static void StartClients(Cluster c, int threads)
    {
        c.ClientRetryMs = 300;
        c.StartClientThreads(threads);
    }

    private static bool AllCaughtUp(Cluster c)
    {
        int max = c.Nodes.Max(n => n.Sm.Ids.Count);
        return c.Nodes.All(n => !n.Crashed && n.Sm.Ids.Count == max);
    }

    [Fact]
    public void Partitioned_old_leader_accepts_proposals_that_never_commit()
    {
        var c = new Cluster(Calm(5), seed: 11);
        Assert.True(c.RunUntil(() => c.Leader() >= 0, 5000));
        c.RunFor(300);
        int old = c.Leader();
        ulong oldTerm = c.Nodes[old].Raft!.Term;
        c.Isolate(old);
        var stale = new List<ulong>();
        for (int i = 0; i < 10; i++)
        {
            ulong id = c.ProposalIdForScenario();
            Assert.Equal(ProposeOutcome.Accepted, c.ProposeAt(old, id).Outcome); // it still believes it leads
            stale.Add(id);
        }
        // The majority elects a new leader and commits new requests meanwhile.
        Assert.True(c.RunUntil(() => c.Leader() is var l && l >= 0 && l != old && c.Nodes[l].Raft!.Term > oldTerm, 3000));
        int other = (old + 1) % 5;
        ulong fresh = c.Submit(other);
        Assert.True(c.RunUntil(() => c.Acked.ContainsKey(fresh), 3000), string.Join("\n", c.Nodes.Select(n => n.Raft!.Describe())));
        // Check-quorum: the cut-off leader gives up on its own.
        Assert.True(c.RunUntil(() => c.Nodes[old].Raft!.Role != RaftRole.Leader, 2000));
        c.HealNetwork();
        Assert.True(c.RunUntil(() => AllCaughtUp(c) && c.Nodes[old].Raft!.CommitIndex == c.Nodes[other].Raft!.CommitIndex, 5000));
        foreach (var n in c.Nodes)
            Assert.DoesNotContain(n.Sm.Ids, id => stale.Contains(id));
        Assert.Contains(fresh, c.Nodes[old].Sm.Ids);
        c.CheckAcknowledged();
    }

    [Fact]
    public void Frozen_leader_resumes_with_stale_timers_and_steps_down()
    {
        var c = new Cluster(new SimOptions { Nodes = 5, OctopusLinks = true }, seed: 12);
        Assert.True(c.RunUntil(() => c.Leader() >= 0, 5000));
        StartClients(c, 20);
        c.RunFor(500);
        int old = c.Leader();
        ulong oldTerm = c.Nodes[old].Raft!.Term;
        c.Freeze(old);
        int ackedAtFreeze = c.Acked.Count;
        c.RunFor(2000);
        int leader = c.Leader();
        Assert.True(leader >= 0 && leader != old && c.Nodes[leader].Raft!.Term > oldTerm, "no new leader during the freeze");
        Assert.True(c.Acked.Count > ackedAtFreeze + 100, $"only {c.Acked.Count - ackedAtFreeze} answers during the freeze");
        c.Thaw(old); // still believes it leads term oldTerm; its heartbeats meet higher terms
        Assert.True(c.RunUntil(() => c.Nodes[old].Raft!.Role == RaftRole.Follower && c.Nodes[old].Raft!.Term >= c.Nodes[leader].Raft!.Term, 1000));
        int ackedAtThaw = c.Acked.Count;
        c.RunFor(1000);
        Assert.True(c.Acked.Count > ackedAtThaw + 100);
        c.StopClients();
        Assert.True(c.RunUntil(() => AllCaughtUp(c), 5000));
        c.CheckAcknowledged();
    }

    [Fact]
    public void Node_that_missed_many_entries_rejoins_through_a_snapshot()
    {
        var c = new Cluster(Calm(3) with { }, seed: 13);
        c.O.CompactEvery = 20;
        Assert.True(c.RunUntil(() => c.Leader() >= 0, 5000));
        int leader = c.Leader(), lagger = (leader + 1) % 3;
        c.Crash(lagger);
        c.OnAcked = _ => c.Submit(c.Rng.Next(2) == 0 ? leader : (leader + 2) % 3);
        for (int i = 0; i < 5; i++) c.Submit(leader);
        Assert.True(c.RunUntil(() => c.Acked.Count >= 200, 20_000));
        c.OnAcked = null;
        int snapshotsBefore = c.SnapshotsInstalled;
        c.Restart(lagger);
        Assert.True(c.RunUntil(() => AllCaughtUp(c), 5000));
        Assert.True(c.SnapshotsInstalled > snapshotsBefore, "the lagging node should have been sent a snapshot");
        Assert.True(c.Nodes[lagger].Snap!.Index > 100);
        c.CheckAcknowledged();
    }

    /// <summary>Proposes cc at the current leader every 100 ms until done() holds (Dropped while another change
    /// or the leader's noop is uncommitted; lost if the leader changes), for at most 5 s.</summary>
    private static bool ChangeConfig(Cluster c, ConfigChange cc, Func<bool> done)
    {
        for (int i = 0; i < 50 && !done(); i++)
        {
            int l = c.Leader();
            if (l >= 0) c.ProposeConfigAt(l, cc);
            c.RunUntil(done, 100);
        }
        return done();
    }

    [Fact]
    public void Nodes_join_through_config_changes_and_one_is_removed()
    {
        var c = Cluster.WithJoiners(Calm(3), seed: 14);
        Assert.True(c.RunUntil(() => c.Nodes[0].Raft!.Role == RaftRole.Leader, 1000));
        for (int j = 1; j < 3; j++)
        {
            var cc = new ConfigChange(ConfigChangeType.AddNode, (ulong)j + 1, Cluster.Address(j));
            Assert.True(ChangeConfig(c, cc, () => c.Nodes[0].Raft!.Members.Count == j + 1));
            Assert.Equal(ProposeOutcome.Dropped, c.ProposeConfigAt(0, cc with { NodeId = 9 }).Outcome); // one at a time
            int joiner = j;
            Assert.True(c.RunUntil(() => c.Nodes[joiner].Raft!.Members.Count == j + 1, 3000), $"node {j + 1} never joined");
        }
        Assert.True(c.RunUntil(() => c.Nodes.All(n => n.Raft!.Members.Count == 3), 3000));
        Assert.Equal("./node2.sock", System.Text.Encoding.ASCII.GetString(c.Nodes[0].Raft!.Members[3].Span));
        StartClients(c, 4);
        c.RunFor(1000);
        Assert.True(c.Acked.Count > 20);
        // The cluster survives its founder's crash now that it has three members.
        c.Crash(0);
        int ackedAtCrash = c.Acked.Count;
        c.RunFor(3000);
        Assert.True(c.Acked.Count > ackedAtCrash + 10, "no progress after the founder crashed");
        c.Restart(0);
        // Remove node 3 through whichever node leads (retrying if a leader change loses the entry).
        var remove = new ConfigChange(ConfigChangeType.RemoveNode, 3, ReadOnlyMemory<byte>.Empty);
        Assert.True(ChangeConfig(c, remove, () => c.Nodes[0].Raft!.Members.Count == 2 && c.Nodes[1].Raft!.Members.Count == 2),
            string.Join("\n", c.Nodes.Select(n => n.Raft!.Describe() + " members " + string.Join(",", n.Raft!.Members.Keys))));
        int ackedAtRemove = c.Acked.Count;
        c.RunFor(1000);
        Assert.True(c.Acked.Count > ackedAtRemove);
        c.StopClients();
        c.RunFor(1000);
        c.CheckAcknowledged();
    }

    [Fact]
    public void A_member_whose_data_directory_was_wiped_rejoins_and_catches_up_in_both_layouts()
    {
        foreach (bool joinLayout in new[] { true, false })
        {
            var c = joinLayout ? Cluster.WithJoiners(Calm(3), seed: 16) : new Cluster(Calm(3), seed: 16);
            c.O.CompactEvery = 20;
            if (joinLayout)
            {
                Assert.True(c.RunUntil(() => c.Nodes[0].Raft!.Role == RaftRole.Leader, 1000));
                for (int j = 1; j < 3; j++)
                {
                    var cc = new ConfigChange(ConfigChangeType.AddNode, (ulong)j + 1, Cluster.Address(j));
                    int added = j;
                    Assert.True(ChangeConfig(c, cc, () => c.Nodes.Take(added + 1).All(n => n.Raft!.Members.Count == added + 1)));
                }
            }
            Assert.True(c.RunUntil(() => c.Leader() >= 0 && c.Nodes.All(n => n.CatchUpMarker is null), 5000));
            StartClients(c, 4);
            c.RunFor(1500);
            int wiped = (c.Leader() + 1) % 3;
            c.Wipe(wiped);
            c.RunFor(300);
            c.Restart(wiped);
            Assert.NotNull(c.Nodes[wiped].CatchUpMarker);
            c.RunFor(1500);
            c.StopClients();
            Assert.True(c.RunUntil(() => AllCaughtUp(c) && c.Nodes[wiped].CatchUpMarker is null, 5000),
                $"join layout {joinLayout}: the wiped node did not catch up: {c.Nodes[wiped].Raft!.Describe()}");
            Assert.True(c.Nodes[wiped].Snap is not null, "it should have caught up from a snapshot");
            c.CheckAcknowledged();
        }
    }

    [Fact]
    public void Leadership_transfer_hands_over_quickly()
    {
        var c = new Cluster(Calm(3), seed: 15);
        Assert.True(c.RunUntil(() => c.Leader() >= 0, 5000));
        StartClients(c, 4);
        c.RunFor(500);
        int old = c.Leader(), target = (old + 1) % 3;
        double t0 = c.NowMs;
        c.TransferLeadership(old, target);
        Assert.True(c.RunUntil(() => c.Leader() == target, 500), "transfer did not complete within 500 ms");
        Assert.True(c.NowMs - t0 < 200, $"transfer took {c.NowMs - t0} ms");
        c.StopClients();
        Assert.True(c.RunUntil(() => AllCaughtUp(c), 5000));
        c.CheckAcknowledged();
    }
}
