// ReplicaCount: how many members a node knows to hold a committed entry (what the document commands report).
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class ReplicaCountTests
{
    [Fact]
    public void Leader_counts_matched_followers_and_followers_count_what_they_heard()
    {
        var net = new ManualNet(5, id => new RaftOptions { Id = id, BroadcastAcks = true });
        net.Campaign(1);
        net.Deliver();
        var r = net.Propose(1, StateMachine.Command(7));
        Assert.Equal(0, net[1].ReplicaCount(r.Index)); // not committed: nothing to report

        // The append reaches nodes 2, 3 and 4 but not 5; only node 2's and node 3's acks are delivered anywhere.
        net.Deliver(m => m.From == 1 && m.To != 5 && m.Type == MessageType.Append);
        net.Deliver(m => m.From is 2 or 3 && m.Type == MessageType.AppendResponse);
        Assert.Equal(r.Index, net[1].CommitIndex);
        Assert.Equal(3, net[1].ReplicaCount(r.Index));  // leader: itself, 2 and 3 (4's ack is still in flight)
        Assert.Equal(4, net[4].ReplicaCount(r.Index));  // follower 4: itself, the leader, and the acks of 2 and 3
        Assert.Equal(0, net[5].ReplicaCount(r.Index));  // node 5 has not even got it

        net.Deliver();
        Assert.Equal(5, net[1].ReplicaCount(r.Index));
    }

    [Fact]
    public void A_committed_entry_is_reported_on_at_least_a_majority_even_when_no_ack_was_seen()
    {
        // Without broadcast acks a follower hears no acks; it still knows a committed entry is on a majority.
        var net = new ManualNet(5, id => new RaftOptions { Id = id, BroadcastAcks = false });
        net.Campaign(1);
        net.Deliver();
        var r = net.Propose(1, StateMachine.Command(7));
        net.Deliver();
        net.Tick(1, 3); // a heartbeat carries the commit index to the followers
        net.Deliver();
        Assert.Equal(r.Index, net[3].CommitIndex);
        Assert.Equal(3, net[3].ReplicaCount(r.Index));
        Assert.Equal(5, net[1].ReplicaCount(r.Index));
    }
}
