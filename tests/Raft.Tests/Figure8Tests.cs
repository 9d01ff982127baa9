// The figure-8 trap of the Raft paper (§5.4.2): an entry from an older term that sits on a majority must not be
// committed by counting, neither by the leader nor by a follower counting broadcast acks; once a later leader
// overwrites it, the cluster stays consistent.
using FastDb.Raft.Tests.Simulation;

namespace FastDb.Raft.Tests;

public class Figure8Tests
{
    private static RaftOptions Options(ulong id) => new() { Id = id, MaxEntriesPerAppend = 1, BroadcastAcks = true };

    private static void Elect(ManualNet net, ulong id, Func<Message, bool> allowed)
    {
        for (int attempt = 0; attempt < 5 && net[id].Role != RaftRole.Leader; attempt++)
        {
            net.Campaign(id);
            net.Deliver(m => allowed(m) && m.Type is MessageType.Vote or MessageType.VoteResponse);
        }
        Assert.Equal(RaftRole.Leader, net[id].Role);
    }

    [Fact]
    public void Old_term_entry_on_a_majority_is_not_committed_until_a_current_term_entry_is()
    {
        var net = new ManualNet(5, Options);
        // (a) S1 leads term 2; its noop (index 6) commits everywhere; entry 7 reaches only S2.
        Elect(net, 1, _ => true);
        net.Deliver();
        Assert.All(new ulong[] { 1, 2, 3, 4, 5 }, id => Assert.Equal(6UL, net[id].CommitIndex));
        Assert.Equal(ProposeOutcome.Accepted, net.Propose(1, StateMachine.Command(100)).Outcome);
        net.Deliver(m => m.From == 1 && m.To == 2 && m.Type == MessageType.Append);
        net.Queue.Clear();
        net.Crash(1);
        Assert.Equal(7UL, net[2].LastIndex);

        // (b) S5 leads term 3 with votes from S3, S4; its noop (7, term 3) stays on S5 alone.
        Elect(net, 5, m => m.From != 2 && m.To != 2);
        Assert.Equal(3UL, net[5].Term);
        net.Queue.Clear();
        net.Crash(5);

        // (c) S1 returns and leads term 4 (votes S2, S3, S4). It replicates (7, term 2) to S3 and S4, but its own
        // term-4 noop (index 8) reaches nobody. Index 7 is now on S1, S2, S3, S4: a majority, of term 2.
        net.Restart(1);
        Elect(net, 1, m => m.To != 5 && m.From != 5);
        Assert.Equal(4UL, net[1].Term);
        // Appends lose their term-4 entries on the way (as if the leader had sent a shorter batch).
        static Message WithoutTerm4(Message m) => m.Entries is null ? m : m with { Entries = m.Entries.Where(e => e.Term != 4).ToArray() };
        net.Deliver(m => m.To != 5 && m.Type is MessageType.Append or MessageType.AppendResponse, WithoutTerm4, maxMessages: 200);
        Assert.Equal(7UL, net[3].LastIndex);
        Assert.Equal(7UL, net[4].LastIndex);
        foreach (ulong id in new ulong[] { 1, 2, 3, 4 })
            Assert.True(net[id].CommitIndex < 7, $"node {id} committed the term-2 entry by counting (commit {net[id].CommitIndex})");
        net.Queue.Clear();
        net.Crash(1);

        // (d) S5 returns and wins term 5 (S2, S3, S4 hold last term 2 < 3): index 7 becomes its term-3 entry.
        net.Restart(5);
        Elect(net, 5, _ => true);
        net.Deliver();
        foreach (ulong id in new ulong[] { 2, 3, 4, 5 })
        {
            Assert.True(net[id].CommitIndex >= 8, $"node {id} commit {net[id].CommitIndex}");
            Assert.Equal(3UL, net.Committed[7].Term);
        }
        // And S1 comes back to the same committed log.
        net.Restart(1);
        net.Tick(5, 10);
        net.Deliver();
        Assert.Equal(net[5].CommitIndex, net[1].CommitIndex);
    }
}
