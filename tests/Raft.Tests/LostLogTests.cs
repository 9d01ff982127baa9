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
}
