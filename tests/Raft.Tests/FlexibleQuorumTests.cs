// Flexible quorums (RaftOptions.CommitQuorum = 2): in five members a pair commits and an election needs four votes.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class FlexibleQuorumTests
{
    private static RaftOptions Flexible(ulong id) => new() { Id = id, CommitQuorum = 2, BroadcastAcks = false };

    private static ManualNet LeaderOneOfFive()
    {
        var net = new ManualNet(5, Flexible);
        net.Campaign(1);
        net.Deliver();
        Assert.Equal(RaftRole.Leader, net[1].Role);
        return net;
    }

    [Fact]
    public void A_follower_commits_on_the_leaders_append_alone()
    {
        var net = LeaderOneOfFive();
        var r = net.Propose(1, StateMachine.Command(7));
        net.Deliver(m => m.From == 1 && m.To == 3 && m.Type == MessageType.Append);
        Assert.Equal(r.Index, net[3].CommitIndex); // the leader persisted it before sending: with ours, a pair
        Assert.Contains(net.Applied[3], e => e.Index == r.Index);
        Assert.True(net[1].CommitIndex < r.Index, "the leader has heard no ack yet");
    }

    [Fact]
    public void The_leader_commits_on_one_acknowledgement()
    {
        var net = LeaderOneOfFive();
        var r = net.Propose(1, StateMachine.Command(7));
        net.Deliver(m => m.From == 1 && m.To == 2 && m.Type == MessageType.Append);
        net.Drop(m => m.From == 1 && m.Type == MessageType.Append); // nobody else ever gets it
        net.Deliver(m => m.From == 2 && m.To == 1);
        Assert.Equal(r.Index, net[1].CommitIndex);
    }

    [Fact]
    public void An_election_needs_every_member_but_one()
    {
        var net = new ManualNet(5, Flexible);
        net.Crash(4);
        net.Crash(5);
        net.Campaign(1);
        net.Deliver();
        Assert.NotEqual(RaftRole.Leader, net[1].Role); // three votes of five: a majority, but not enough here
        Assert.Equal(0ul, net[2].LeaderId);
        net.Restart(4);
        net.Campaign(1);
        net.Deliver();
        Assert.Equal(RaftRole.Leader, net[1].Role); // four of five
    }

    [Fact]
    public void While_a_membership_change_is_uncommitted_a_pair_commits_nothing()
    {
        var net = LeaderOneOfFive();
        var cc = net[1].ProposeConfigChange(new ConfigChange(ConfigChangeType.RemoveNode, 5, ReadOnlyMemory<byte>.Empty));
        net.Process(1);
        Assert.Equal(ProposeOutcome.Accepted, cc.Outcome);
        var r = net.Propose(1, StateMachine.Command(7));
        net.Deliver(m => m.From == 1 && m.To == 2 && m.Type == MessageType.Append);
        net.Deliver(m => m.From == 2 && m.To == 1);
        // A pair of the new configuration {1,2,3,4} need not meet the old one's election quorums; a majority does.
        Assert.True(net[1].CommitIndex < cc.Index, $"leader committed {net[1].CommitIndex} on a pair while the change at {cc.Index} was pending");
        Assert.True(net[2].CommitIndex < cc.Index, $"follower committed {net[2].CommitIndex} on a pair while the change at {cc.Index} was pending");
        net.Deliver(m => m.From == 1 && m.To == 3 && m.Type == MessageType.Append);
        net.Deliver(m => m.From == 3 && m.To == 1);
        Assert.Equal(r.Index, net[1].CommitIndex); // 1, 2 and 3: a majority of four
        // Once the change has committed, a pair commits again.
        var after = net.Propose(1, StateMachine.Command(8));
        net.Deliver(m => m.From == 1 && m.To == 2);
        net.Drop(m => m.From == 1 && m.Type == MessageType.Append);
        net.Deliver(m => m.From == 2 && m.To == 1);
        Assert.Equal(after.Index, net[1].CommitIndex);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void A_commit_quorum_of_one_or_below_zero_is_refused(int quorum)
    {
        Assert.Throws<ArgumentException>(() => new ManualNet(3, id => new RaftOptions { Id = id, CommitQuorum = quorum }));
    }
}
