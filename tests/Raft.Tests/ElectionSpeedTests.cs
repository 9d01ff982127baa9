// What makes a failover short: no split vote when timers fire together, and no probe round trip after it.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class ElectionSpeedTests
{
    private static ManualNet FiveWithLeader(ulong leader)
    {
        var net = new ManualNet(5, id => new RaftOptions { Id = id });
        net.Campaign(leader);
        net.Deliver();
        Assert.Equal(RaftRole.Leader, net[leader].Role);
        return net;
    }

    [Fact]
    public void A_named_successor_times_out_first_and_the_others_later()
    {
        // Defaults: election 10..20 ticks, heartbeats every 3: the successor draws from 10..13, the others from 16..20.
        for (var round = 0; round < 20; round++)
        {
            var net = FiveWithLeader(1);
            foreach (var id in new ulong[] { 2, 3, 4, 5 })
                for (var redraw = 0; redraw <= round; redraw++) // every change of rank draws again: other timers each round
                {
                    net[id].SetSuccessorRank(-1);
                    net[id].SetSuccessorRank(id == 2 ? 0 : 1);
                }
            Assert.InRange(net[2].TicksUntilNextEvent(), 10, 13);
            Assert.All(new ulong[] { 3, 4, 5 }, id => Assert.InRange(net[id].TicksUntilNextEvent(), 16, 20));
            net.Crash(1);
            // Whatever the draws, the successor campaigns before anyone else's timer fires, and wins.
            net.Tick(2, 13);
            foreach (var id in new ulong[] { 3, 4, 5 }) net.Tick(id, 13);
            Assert.Equal(RaftRole.PreCandidate, net[2].Role);
            Assert.All(new ulong[] { 3, 4, 5 }, id => Assert.Equal(RaftRole.Follower, net[id].Role));
            net.Deliver();
            Assert.Equal(RaftRole.Leader, net[2].Role);
        }
    }

    [Fact]
    public void Pre_candidates_whose_timers_fire_together_do_not_split_the_vote()
    {
        var net = FiveWithLeader(1);
        var term = net[1].Term;
        net.Crash(1);
        // Nodes 3 and 2 time out before either hears of the other; 4 and 5 leave their leader lease but do not run.
        for (var i = 0; i < 100 && net[3].Role != RaftRole.PreCandidate; i++) net.Tick(3);
        for (var i = 0; i < 100 && net[2].Role != RaftRole.PreCandidate; i++) net.Tick(2);
        Assert.Equal(RaftRole.PreCandidate, net[2].Role);
        Assert.Equal(RaftRole.PreCandidate, net[3].Role);
        net.Tick(4, 8);
        net.Tick(5, 8);
        net.Deliver();

        // Equal logs: the smaller id goes ahead, the other steps back; one election, in the next term.
        Assert.Equal(RaftRole.Leader, net[2].Role);
        Assert.All(new ulong[] { 3, 4, 5 }, id => Assert.Equal(RaftRole.Follower, net[id].Role));
        Assert.All(new ulong[] { 2, 3, 4, 5 }, id => Assert.Equal(term + 1, net[id].Term));
    }

    [Fact]
    public void A_new_leader_replicates_to_voters_whose_last_entry_it_holds_without_probing_first()
    {
        var net = FiveWithLeader(1);
        net.Propose(1, StateMachine.Command(1));
        net.Deliver();
        net.Campaign(2);
        net.Deliver(m => m.Type is MessageType.Vote or MessageType.VoteResponse);
        Assert.Equal(RaftRole.Leader, net[2].Role);

        // The election's noop is in flight to everyone and nobody has answered; a request proposed now goes out at
        // once to the voters (their last entry matched ours), instead of a round trip later.
        var r = net.Propose(2, StateMachine.Command(2));
        foreach (var voter in new ulong[] { 1, 3, 4, 5 })
            Assert.Contains(net.Queue, m => m.From == 2 && m.To == voter && m.Type == MessageType.Append
                && m.Entries is { } es && es.Any(e => e.Index == r.Index));
        net.Deliver();
        Assert.All(new ulong[] { 1, 2, 3, 4, 5 }, id => Assert.Contains(net.Applied[id], e => e.Index == r.Index));
    }
}

public class TicksUntilNextEventTests
{
    [Fact]
    public void A_follower_can_sleep_until_its_election_timeout_and_not_a_tick_longer()
    {
        var net = new ManualNet(3, id => new RaftOptions { Id = id });
        net.Campaign(1);
        net.Deliver();
        var quiet = net[2].TicksUntilNextEvent();
        Assert.InRange(quiet, 1, 20);
        net.Tick(2, quiet - 1);
        Assert.Equal(RaftRole.Follower, net[2].Role);
        net.Tick(2);
        Assert.Equal(RaftRole.PreCandidate, net[2].Role);
    }

    [Fact]
    public void A_leader_wakes_for_every_heartbeat()
    {
        // Every round, even the one after the new leader's first append (which would stand in for it otherwise).
        var net = new ManualNet(3, id => new RaftOptions { Id = id, HeartbeatIntervalTicks = 3, HeartbeatOnlyWhenIdle = false });
        net.Campaign(1);
        net.Deliver();
        for (var round = 0; round < 5; round++)
        {
            var quiet = net[1].TicksUntilNextEvent();
            Assert.InRange(quiet, 1, 3);
            net.Queue.Clear();
            net.Tick(1, quiet - 1);
            Assert.DoesNotContain(net.Queue, m => m.Type == MessageType.Heartbeat);
            net.Tick(1);
            Assert.Contains(net.Queue, m => m.Type == MessageType.Heartbeat);
            net.Deliver();
        }
    }
}
