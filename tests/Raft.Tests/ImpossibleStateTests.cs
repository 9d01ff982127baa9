// The core throws on states no honest cluster reaches, instead of ignoring them (issue 15): a second leader in its
// own term heard from a member. The Progress invariants are checked on every move and exercised by the simulator.
namespace FastDb.Raft.Tests;

public class ImpossibleStateTests
{
    /// <summary>Node 1 of members {1, 2, 3}, elected leader with node 2's votes.</summary>
    private static RaftNode ElectedLeader()
    {
        var entries = new List<Entry>();
        for (ulong id = 1; id <= 3; id++)
            entries.Add(new Entry(1, id, EntryType.ConfigChange, ConfigChangeCodec.ToBytes(new ConfigChange(ConfigChangeType.AddNode, id, System.Text.Encoding.UTF8.GetBytes($"./node{id - 1}.sock")))));
        var node = new RaftNode(new RaftOptions { Id = 1 }, new Random(1), new HardState(1, 0, 3), null, entries);
        for (int i = 0; i < 100 && node.Role == RaftRole.Follower; i++) node.Tick();
        Assert.Equal(RaftRole.PreCandidate, node.Role);
        node.Step(new Message(MessageType.PreVoteResponse, 2, 1, node.Term + 1, LogTerm: 1, Index: 3));
        Assert.Equal(RaftRole.Candidate, node.Role);
        node.Step(new Message(MessageType.VoteResponse, 2, 1, node.Term, LogTerm: 1, Index: 3));
        Assert.Equal(RaftRole.Leader, node.Role);
        return node;
    }

    [Theory]
    [InlineData(MessageType.Heartbeat)]
    [InlineData(MessageType.Append)]
    [InlineData(MessageType.CommitNotice)]
    public void A_leader_hearing_another_leader_of_its_term_from_a_member_throws(MessageType type)
    {
        var leader = ElectedLeader();
        var e = Assert.Throws<InvalidOperationException>(() =>
            leader.Step(new Message(type, 3, 1, leader.Term, LogTerm: 1, Index: 3, Commit: 3)));
        Assert.Contains($"two leaders in term {leader.Term}", e.Message);
    }

    [Fact]
    public void A_strangers_claim_to_lead_in_the_same_term_is_dropped()
    {
        var leader = ElectedLeader();
        leader.Step(new Message(MessageType.Heartbeat, 99, 1, leader.Term, Commit: 3));
        Assert.Equal(RaftRole.Leader, leader.Role);
        Assert.Equal(1UL, leader.LeaderId);
    }
}
