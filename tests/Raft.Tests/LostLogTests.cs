// A follower whose log is shorter than the leader believes (a shortened or wiped log) is caught up, not left
// hanging; and a node that may have lost what it acknowledged does not vote until it has caught up from a leader.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class LostLogTests
{
    private static RaftOptions Options(ulong id) => new() { Id = id, BroadcastAcks = false };

    private static ManualNet ClusterWithCommittedEntries(int nodes, int entries, Func<Message, bool>? allowed = null)
    {
        var net = new ManualNet(nodes, Options);
        net.Campaign(1);
        net.Deliver(allowed);
        Assert.Equal(RaftRole.Leader, net[1].Role);
        for (int i = 0; i < entries; i++) net.Propose(1, StateMachine.Command((ulong)i + 100));
        net.Deliver(allowed);
        return net;
    }

    [Fact]
    public void An_idle_leader_catches_up_a_follower_whose_log_became_shorter_than_its_match()
    {
        var net = ClusterWithCommittedEntries(3, 20);
        ulong last = net[1].LastIndex;
        Assert.Equal(last, net[3].LastIndex);
        net.RestartShortened(3, 5);
        Assert.Equal(5UL, net[3].LastIndex);
        // Nothing new is proposed: only heartbeats, which never carry log positions. The follower says its log
        // ends below what the leader believes, and the leader probes it from there.
        for (int round = 0; round < 10 && net[3].LastIndex < last; round++)
        {
            net.Tick(1, 3);
            net.Deliver();
        }
        Assert.Equal(last, net[3].LastIndex);
        Assert.Equal(net[1].CommitIndex, net[3].CommitIndex);
    }

    [Fact]
    public void A_busy_leader_catches_up_a_follower_whose_log_became_shorter_than_its_match()
    {
        var net = ClusterWithCommittedEntries(3, 20);
        net.RestartShortened(2, 4);
        // The next append starts after entries it lacks: etcd drops that rejection in replicate state (at or below
        // Match), which is what left a follower hanging for good.
        net.Propose(1, StateMachine.Command(999));
        net.Deliver();
        net.Tick(1, 6); // the first idle heartbeat round (the one right after the append is skipped) tells it the commit
        net.Deliver();
        Assert.Equal(net[1].LastIndex, net[2].LastIndex);
        Assert.Equal(net[1].CommitIndex, net[2].CommitIndex);
    }

    [Fact]
    public void A_wiped_follower_is_caught_up_and_only_then_votes()
    {
        var net = ClusterWithCommittedEntries(3, 10);
        net.RestartWiped(3, staticBootstrap: false);
        Assert.True(net[3].IsCatchingUp);
        net.Campaign(3); // even a transfer's TimeoutNow: it must not run
        Assert.Equal(RaftRole.Follower, net[3].Role);
        for (int round = 0; round < 10 && net[3].LastIndex < net[1].LastIndex; round++)
        {
            net.Tick(1, 3);
            net.Deliver();
        }
        Assert.Equal(net[1].LastIndex, net[3].LastIndex);
        Assert.False(net[3].IsCatchingUp);
        Assert.Equal(3, net[3].Members.Count);
    }

    [Fact]
    public void A_wiped_node_that_hears_the_leader_catches_up_before_it_votes_again()
    {
        // Entries 5..9 commit on {1, 3}; node 2 holds only the noop of term 2 (index 4).
        var net = ClusterWithCommittedEntries(3, 0);
        for (int i = 0; i < 5; i++) net.Propose(1, StateMachine.Command((ulong)i + 100));
        net.Deliver(m => m.To != 2 && m.From != 2);
        ulong committed = net[1].CommitIndex;
        Assert.Equal(9UL, committed);
        net.Queue.Clear();
        net.RestartWiped(3, staticBootstrap: true); // re-creates the bootstrap: looks like a first boot
        Assert.False(net[3].IsCatchingUp);
        // The leader's heartbeat says it believes node 3 holds entries up to 9: no first boot, then. (The round right
        // after the lost appends is skipped, as they stood in for it; the next one goes.)
        net.Tick(1, 6);
        net.Deliver(m => m.Type == MessageType.Heartbeat && m.To == 3);
        Assert.True(net[3].IsCatchingUp);
        net.Queue.Clear();
        // The leader dies before node 3 caught up: node 3 does not help node 2 (which lacks 5..9) win.
        net.Crash(1);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            net.Campaign(2);
            net.Deliver();
            Assert.NotEqual(RaftRole.Leader, net[2].Role);
            net.Campaign(3);
            net.Deliver();
            Assert.NotEqual(RaftRole.Leader, net[3].Role);
        }
        // Node 1 comes back: it wins (its log is the longest), and node 3 catches up from it.
        net.Restart(1);
        for (int attempt = 0; attempt < 5 && net[1].Role != RaftRole.Leader; attempt++)
        {
            net.Campaign(1);
            net.Deliver();
        }
        Assert.Equal(RaftRole.Leader, net[1].Role);
        for (int round = 0; round < 10 && net[3].CatchUpPending; round++)
        {
            net.Tick(1, 3);
            net.Deliver();
        }
        Assert.False(net[3].CatchUpPending);
        Assert.True(net[3].CommitIndex >= committed);
    }

    [Fact]
    public void A_first_boot_of_a_static_layout_still_elects_a_leader()
    {
        var net = new ManualNet(3, Options);
        foreach (ulong id in new ulong[] { 1, 2, 3 }) net.RestartWiped(id, staticBootstrap: true);
        Assert.False(net[2].IsCatchingUp); // votes as at a first boot
        Assert.True(net[2].CatchUpPending);
        net.Campaign(2);
        net.Deliver();
        Assert.Equal(RaftRole.Leader, net[2].Role);
        net.Propose(2, StateMachine.Command(7));
        net.Deliver();
        net.Tick(2, 6); // the round after the append is skipped; the next tells the followers the commit
        net.Deliver();
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.Equal(5UL, net[id].CommitIndex));
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.False(net[id].CatchUpPending));
    }

    /// <summary>
    /// Raft soak seed 28668, reduced: a wiped node restarts at term 1, and grants its earlier life asked for (queued at a
    /// frozen voter) reach it once its term is back there. Such a grant names a voter log ahead of the candidate's, which
    /// no grant of its own request can: counting it let a node lacking a committed entry lead.
    /// </summary>
    [Fact]
    public void A_grant_naming_a_voter_log_ahead_of_the_candidate_s_does_not_count()
    {
        var net = new ManualNet(3, Options);
        net.Campaign(1);
        net.Deliver(null, m => m.Type == MessageType.VoteResponse && !m.Reject ? m with { Index = m.Index + 1 } : m);
        Assert.Equal(RaftRole.Candidate, net[1].Role);
        net.Campaign(1);
        net.Deliver();
        Assert.Equal(RaftRole.Leader, net[1].Role);
    }

    /// <summary>
    /// The Raft soak's first-boot wedge (seeds 3914, 17025, 23787, 14080), scripted: the first leader's noop reaches
    /// one follower, which dies before its catch-up marker is removed (so it restarts catching up, voting for nobody),
    /// while the other follower, which elected that leader, still holds just the bootstrap. That follower must vote
    /// for the leader it elected again, or nobody can ever win.
    /// </summary>
    [Fact]
    public void A_first_boot_whose_first_leader_s_noop_reached_only_a_restarted_follower_elects_that_leader_again()
    {
        var net = new ManualNet(3, Options);
        foreach (ulong id in new ulong[] { 1, 2, 3 }) net.RestartWiped(id, staticBootstrap: true);
        net.Campaign(3);
        net.Drop(m => m.To == 1 || m.From == 1);
        net.Deliver(m => m.Type is MessageType.Vote or MessageType.VoteResponse);
        Assert.Equal(RaftRole.Leader, net[3].Role);
        ulong term = net[3].Term;
        // The noop reaches node 1 alone, and node 1 dies before its ack leaves and before the marker is removed.
        net.Drop(m => m.To == 2);
        net.Deliver(m => m.To == 1);
        Assert.Equal(4UL, net[1].LastIndex);
        net.RestartBeforeMarkerCleared(1);
        Assert.True(net[1].IsCatchingUp);
        // The leader goes down and comes back (its marker was removed when it led): node 2 still holds just the bootstrap.
        net.Crash(3);
        net.Restart(3);
        Assert.Equal(3UL, net[2].LastIndex);
        Assert.True(net[2].CatchUpPending && !net[2].IsCatchingUp);
        for (int round = 0; round < 100 && !net.Nodes.Values.Any(n => n!.Role == RaftRole.Leader); round++)
        {
            foreach (ulong id in new ulong[] { 1, 2, 3 }) net.Tick(id);
            net.Deliver();
        }
        Assert.Equal(RaftRole.Leader, net[3].Role);
        Assert.True(net[3].Term > term);
        net.Propose(3, StateMachine.Command(9));
        for (int round = 0; round < 20 && net.Nodes.Values.Any(n => n!.CatchUpPending || n.CommitIndex < net[3].LastIndex); round++)
        {
            foreach (ulong id in new ulong[] { 1, 2, 3 }) net.Tick(id);
            net.Deliver();
        }
        // Node 2 caught up from the leader; node 1 once the leader committed its rejoin notice.
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.False(net[id].CatchUpPending));
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.Equal(net[3].LastIndex, net[id].CommitIndex));
    }

    /// <summary>
    /// Soak seed 32409, the same wedge with the roles swapped: the follower that elected the first leader took its
    /// noop and restarted catching up; the other never voted for it. The restarted one vouches for the leader.
    /// </summary>
    [Fact]
    public void A_follower_that_elected_the_first_leader_and_restarted_catching_up_elects_it_again()
    {
        var net = new ManualNet(3, Options);
        foreach (ulong id in new ulong[] { 1, 2, 3 }) net.RestartWiped(id, staticBootstrap: true);
        net.Campaign(2);
        net.Drop(m => m.To == 1 || m.From == 1);
        net.Deliver(m => m.Type is MessageType.Vote or MessageType.VoteResponse);
        Assert.Equal(RaftRole.Leader, net[2].Role);
        net.Drop(m => m.To == 1);
        net.Deliver(m => m.To == 3);
        Assert.Equal(4UL, net[3].LastIndex);
        net.RestartBeforeMarkerCleared(3);
        Assert.True(net[3].IsCatchingUp);
        net.Crash(2);
        net.Restart(2);
        Assert.Equal(3UL, net[1].LastIndex);
        for (int round = 0; round < 100 && !net.Nodes.Values.Any(n => n!.Role == RaftRole.Leader); round++)
        {
            foreach (ulong id in new ulong[] { 1, 2, 3 }) net.Tick(id);
            net.Deliver();
        }
        Assert.Equal(RaftRole.Leader, net[2].Role);
        net.Propose(2, StateMachine.Command(9));
        for (int round = 0; round < 20 && net.Nodes.Values.Any(n => n!.CatchUpPending || n.CommitIndex < net[2].LastIndex); round++)
        {
            foreach (ulong id in new ulong[] { 1, 2, 3 }) net.Tick(id);
            net.Deliver();
        }
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.False(net[id].CatchUpPending));
        Assert.All(new ulong[] { 1, 2, 3 }, id => Assert.Equal(net[2].LastIndex, net[id].CommitIndex));
    }

    /// <summary>
    /// The Raft simulator's soak seed 20532, scripted: a vote granted just before a wipe is still on its way to a
    /// frozen candidate, and the wiped node (its term back at the bootstrap's) takes appends from the deposed leader.
    /// Its acks must not commit them, or the candidate, thawed, wins with the old grant and overwrites them.
    /// </summary>
    [Fact]
    public void A_wiped_node_s_acks_do_not_commit_while_a_grant_of_its_previous_life_is_in_flight()
    {
        var net = ClusterWithCommittedEntries(3, 3);
        ulong committed = net[1].CommitIndex;
        // Node 2 runs for term 3; only node 3 hears it, and its grant is held (node 2 is frozen).
        net.Campaign(2);
        net.Drop(m => m.To == 1 && m.From == 2);
        net.Deliver(m => m.Type == MessageType.Vote && m.To == 3);
        Assert.Contains(net.Queue, m => m.Type == MessageType.VoteResponse && m.From == 3 && m.To == 2 && !m.Reject);
        net.RestartWiped(3, staticBootstrap: true);
        // Node 1 still leads term 2: it takes writes, and node 3, which heard of term 3 in its previous life, acks them.
        for (int i = 0; i < 3; i++) net.Propose(1, StateMachine.Command((ulong)i + 500));
        for (int round = 0; round < 5; round++)
        {
            net.Tick(1, 3);
            net.Deliver(m => m.To != 2 && m.From != 2);
        }
        Assert.True(net[3].IsCatchingUp);
        Assert.Equal(net[1].LastIndex, net[3].LastIndex); // it holds them, its acks say so, and they do not count
        Assert.Equal(committed, net[1].CommitIndex);
        // Node 2 thaws: the old grant makes it leader of term 3, without node 1's new entries. Nothing committed is
        // lost (ManualNet checks every applied entry against what was committed at its index).
        net.Deliver(m => m.Type == MessageType.VoteResponse && m.To == 2);
        Assert.Equal(RaftRole.Leader, net[2].Role);
        for (int round = 0; round < 10 && net[3].CatchUpPending; round++)
        {
            net.Tick(2, 3);
            net.Deliver();
        }
        // Node 2 committed the rejoin notice node 3's answers asked for, with node 1: node 3 votes again.
        Assert.False(net[3].CatchUpPending);
        Assert.Equal(net[2].CommitIndex, net[3].CommitIndex);
        Assert.True(net[2].CommitIndex > committed);
    }

    /// <summary>Seed 7368 of the same soak: a heartbeat's commit (the leader's belief of our match) must not commit what a wiped node took from a stale leader.</summary>
    [Fact]
    public void A_wiped_node_does_not_commit_a_stale_leader_s_entry_on_a_heartbeat()
    {
        var net = ClusterWithCommittedEntries(3, 2); // term 2, node 1 leads; entries up to 6 on every node
        ulong committed = net[1].CommitIndex;
        // Node 3 leads term 3 with node 2's vote, appends an entry that only it holds, then freezes.
        net.Crash(1);
        net.Campaign(3);
        net.Deliver(m => m.Type is MessageType.Vote or MessageType.VoteResponse);
        Assert.Equal(RaftRole.Leader, net[3].Role);
        net.Drop(_ => true);
        net.Propose(3, StateMachine.Command(900));
        net.Drop(_ => true);
        // Node 1 comes back and leads term 4 with node 2; they commit entries node 2 acks.
        net.Restart(1);
        for (int attempt = 0; attempt < 3 && net[1].Role != RaftRole.Leader; attempt++) // the first try learns term 3
        {
            net.Campaign(1);
            net.Deliver(m => m.To != 3 && m.From != 3);
        }
        Assert.Equal(RaftRole.Leader, net[1].Role);
        net.Propose(1, StateMachine.Command(901));
        net.Deliver(m => m.To != 3 && m.From != 3);
        Assert.True(net[1].CommitIndex > committed);
        // Node 2 is wiped; frozen node 3 wakes and gives it its term-3 entries before node 1 is heard.
        net.RestartWiped(2, staticBootstrap: true);
        for (int round = 0; round < 20 && net[2].LastIndex < net[3].LastIndex; round++)
        {
            net.Tick(3);
            net.Deliver(m => m.From == 3 && m.To == 2 || m.From == 2 && m.To == 3);
        }
        Assert.Equal(net[3].LastIndex, net[2].LastIndex);
        Assert.Equal(net[3].Term, net[2].Term);
        // Node 1's heartbeat carries min(commit, the match it remembers for node 2): node 2 must not apply its
        // term-3 entries as committed (ManualNet fails on an entry applied where another was committed).
        net.Tick(1, 6);
        net.Deliver(m => m.From == 1 && m.To == 2 && m.Type == MessageType.Heartbeat);
        Assert.True(net[2].CommitIndex <= committed, $"node 2 committed up to {net[2].CommitIndex}");
        // Everyone heard: it all converges on node 1's log.
        for (int round = 0; round < 10 && net[2].CatchUpPending; round++)
        {
            net.Tick(1, 3);
            net.Deliver();
        }
        Assert.False(net[2].CatchUpPending);
        Assert.Equal(net[1].CommitIndex, net[2].CommitIndex);
    }
}
