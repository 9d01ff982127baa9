// HeartbeatOnlyWhenIdle: an append with entries stands in for the next heartbeat to that follower, unless a ReadIndex
// round needs the heartbeat to confirm leadership.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class IdleHeartbeatTests
{
    private static ManualNet Leading(bool onlyWhenIdle)
    {
        var net = new ManualNet(3, id => new RaftOptions { Id = id, HeartbeatIntervalTicks = 3, HeartbeatOnlyWhenIdle = onlyWhenIdle });
        net.Campaign(1);
        net.Deliver();
        net.Tick(1, 3); // the round after the election's first append
        net.Deliver();
        net.Tick(1, 3); // an idle round: everyone gets a heartbeat
        net.Deliver();
        return net;
    }

    private static ulong[] HeartbeatsTo(ManualNet net) =>
        net.Queue.Where(m => m.Type == MessageType.Heartbeat).Select(m => m.To).OrderBy(t => t).ToArray();

    [Fact]
    public void A_follower_that_got_entries_since_the_last_round_gets_no_heartbeat_and_an_idle_one_does()
    {
        var net = Leading(onlyWhenIdle: true);
        net.Propose(1, StateMachine.Command(1));
        net.Deliver(m => m.To == 2); // node 3 never answers, but its append went out all the same
        net.Queue.Clear();
        net.Tick(1, 3);
        Assert.Empty(HeartbeatsTo(net));
        net.Queue.Clear();
        net.Tick(1, 3); // nothing was sent since: both get one again
        Assert.Equal(new ulong[] { 2, 3 }, HeartbeatsTo(net));
        net.Deliver();
        Assert.Equal(net[1].CommitIndex, net[2].CommitIndex); // the idle round carried the commit
    }

    [Fact]
    public void Without_the_option_every_round_sends_heartbeats()
    {
        var net = Leading(onlyWhenIdle: false);
        net.Propose(1, StateMachine.Command(1));
        net.Deliver();
        net.Tick(1, 3);
        Assert.Equal(new ulong[] { 2, 3 }, HeartbeatsTo(net));
    }

    [Fact]
    public void A_read_in_flight_still_gets_its_heartbeat_round_after_an_append()
    {
        var net = Leading(onlyWhenIdle: true);
        net.Propose(1, StateMachine.Command(1));
        net.Deliver();
        Assert.True(net[1].ReadIndex(77));
        net.Process(1);
        net.Deliver(); // the read's own round is confirmed; a second read stays in flight
        Assert.True(net[1].ReadIndex(78));
        net.Process(1);
        net.Queue.Clear(); // its round is lost on the way
        net.Propose(1, StateMachine.Command(2));
        net.Queue.RemoveAll(m => m.Type == MessageType.Append);
        net.Tick(1, 3);
        Assert.Equal(new ulong[] { 2, 3 }, HeartbeatsTo(net));
    }
}
