// When the leader sends entries again. Octopus charges every byte through its proxies, so appends are resent only
// when they can have been lost: a heartbeat answered after an unacknowledged append (links are FIFO), a follower's
// first answer after a silence, or a probe whose answer did not come back before a later heartbeat's.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class RetransmissionTests
{
    // Heartbeat echoes are the subject here, so every round sends them (even right after an append).
    private static RaftOptions Options(ulong id) => new() { Id = id, BroadcastAcks = false, CheckQuorum = false, HeartbeatOnlyWhenIdle = false };

    private static ManualNet Replicating()
    {
        var net = new ManualNet(3, Options);
        net.Campaign(1);
        net.Deliver();
        net.Propose(1, StateMachine.Command(1));
        net.Deliver(); // every progress now in Replicate, all matched
        Assert.Equal(RaftRole.Leader, net[1].Role);
        return net;
    }

    private static int EntriesSentTo(ManualNet net, ulong to) =>
        net.Queue.Where(m => m.Type == MessageType.Append && m.To == to).Sum(m => m.EntryCount);

    [Fact]
    public void A_silent_follower_gets_no_resends_however_long_it_stays_silent()
    {
        var net = Replicating();
        for (int i = 0; i < 5; i++) net.Propose(1, StateMachine.Command(10 + (ulong)i));
        Assert.Equal(5, EntriesSentTo(net, 3));
        net.Deliver(m => m.To == 2 || m.From == 2); // node 2 answers; node 3 is frozen: its messages stay queued
        net.Tick(1, 3 * 20 * 3); // three times the Replicate fallback period
        Assert.Equal(5, EntriesSentTo(net, 3)); // heartbeats only: the five entries were not sent again
    }

    [Fact]
    public void A_silent_follower_whose_appends_were_lost_gets_them_at_its_first_answer()
    {
        var net = Replicating();
        for (int i = 0; i < 5; i++) net.Propose(1, StateMachine.Command(10 + (ulong)i));
        net.Deliver(m => m.To == 2 || m.From == 2);
        net.Drop(m => m.To == 3); // its link died with the appends on it
        net.Tick(1, 3 * 20 + 1); // the fallback period passes while it is silent: nothing is resent into the silence
        Assert.Equal(0, EntriesSentTo(net, 3));
        net.Drop(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Tick(1, 3); // the link is back: the next heartbeat gets through and is answered
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse);
        Assert.Equal(5, EntriesSentTo(net, 3));
        net.Deliver();
        Assert.Equal(net[1].LastIndex, net[3].LastIndex);
    }

    [Fact]
    public void A_heartbeat_answered_after_an_unacknowledged_append_resends_it_at_once()
    {
        var net = Replicating();
        net.Propose(1, StateMachine.Command(10));
        net.Drop(m => m.To == 3 && m.Type == MessageType.Append); // lost on a live link (a reconnect)
        net.Tick(1, 3); // the heartbeat says which entry went before it
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse);
        Assert.Equal(1, EntriesSentTo(net, 3)); // resent well before any timer
        net.Deliver();
        Assert.Equal(net[1].LastIndex, net[3].LastIndex);
    }

    [Fact]
    public void A_heartbeat_answered_while_the_append_is_merely_slow_resends_nothing()
    {
        var net = Replicating();
        net.Tick(1, 3); // a heartbeat leaves before the append
        net.Propose(1, StateMachine.Command(10));
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse);
        Assert.Equal(1, EntriesSentTo(net, 3)); // only the original, still on its way
    }

    [Fact]
    public void A_probe_is_not_resent_by_heartbeat_answers_that_left_before_it_arrived()
    {
        var net = Replicating();
        for (int i = 0; i < 10; i++) net.Propose(1, StateMachine.Command(10 + (ulong)i));
        net.Drop(m => m.To == 3);
        net.Tick(1, 3); // heartbeat echoing the lost appends
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse); // → retransmit as a probe
        Assert.Equal(10, EntriesSentTo(net, 3));
        // Heartbeats queued behind the probe, and answered, without the probe's own answer yet: no second batch...
        net.Tick(1, 3);
        var probe = net.Queue.First(m => m.To == 3 && m.Type == MessageType.Append);
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat && m.RejectHint != probe.Entries![^1].Index);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse);
        Assert.Equal(10, EntriesSentTo(net, 3));
        // ...but one sent after the probe and answered while the probe's answer never came means it was lost.
        net.Drop(m => m.To == 3 && m.Type == MessageType.Append);
        net.Deliver(m => m.To == 3 && m.Type == MessageType.Heartbeat);
        net.Deliver(m => m.From == 3 && m.Type == MessageType.HeartbeatResponse);
        Assert.Equal(10, EntriesSentTo(net, 3));
        net.Deliver();
        Assert.Equal(net[1].LastIndex, net[3].LastIndex);
    }
}
