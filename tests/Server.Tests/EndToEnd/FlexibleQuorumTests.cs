using FastDb.Server.Tests.Support;
using FastDb.TestSupport;

namespace FastDb.Server.Tests.EndToEnd;

/// <summary>
/// `--commit-quorum 2` on real processes: five members joined one by one (each join a membership change, counted by a
/// majority while it is uncommitted), writes through every member, a frozen leader replaced by the other four, and a
/// member started without the flag refused by the others at the peer preamble.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class FlexibleQuorumTests
{
    [Fact]
    public async Task A_pair_commits_four_elect_and_a_member_with_another_quorum_is_refused()
    {
        await using var cluster = await PeerCluster.StartAsync(5, extraArgs: _ => ["--commit-quorum", "2"]);
        await cluster.SqlAsync(0, "CREATE TABLE c(n INT); INSERT INTO c VALUES(0);");
        var sequences = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var (seq, body) = await cluster.SqlAsync(i, "UPDATE c SET n = n + 1; SELECT n FROM c;");
            Assert.Equal($"{i + 1}\n", body);
            sequences.Add(seq);
        }

        var (leader, _, term) = await cluster.LeaderAsync();
        Assert.True(Signals.Send(cluster.Pid(leader), Signals.SigStop));
        try
        {
            var other = (leader + 1) % 5;
            var (seq, body) = await cluster.SqlAsync(other, "UPDATE c SET n = n + 1; SELECT n FROM c;");
            Assert.Equal("6\n", body); // four of five elected a leader and a pair of them committed
            sequences.Add(seq);
            await cluster.WaitForAsync(other, s => s.GetProperty("term").GetUInt64() > term, "a later term");
        }
        finally
        {
            Signals.Send(cluster.Pid(leader), Signals.SigCont);
        }
        var (last, lastBody) = await cluster.SqlAsync(leader, "UPDATE c SET n = n + 1; SELECT n FROM c;");
        Assert.Equal("7\n", lastBody); // the thawed old leader catches up and answers
        sequences.Add(last);
        Assert.Equal(sequences.Order(), sequences); // one order: each answer's number after the one before
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        cluster.AssertAllRunning("after the freeze");

        // A peer that speaks as a member started without the flag (a version-4 preamble: a majority) is refused.
        using var stranger = await cluster.ConnectPeerAsync(2, cluster.Address(4));
        Assert.True(await stranger.ClosedByNodeAsync(), "a peer with another commit quorum was served");
        const string refusal = "other cluster rules (commit quorum: a majority; this node: commit quorum: 2)";
        for (var i = 0; i < 200 && !cluster.Stderr(2).Contains(refusal, StringComparison.Ordinal); i++) await Task.Delay(50);
        Assert.True(cluster.Stderr(2).Contains(refusal, StringComparison.Ordinal), $"node 2 never logged the refusal:\n{cluster.Stderr(2)}");
        cluster.AssertAllRunning("after the refused peer");
    }
}
