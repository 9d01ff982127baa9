using FastDb.Server.Cluster;

namespace FastDb.Server.Tests.Unit;

/// <summary>LeaderPlacement's ranking: the commit-latency model it ranks members by, and when it says to move.</summary>
public sealed class LeaderPlacementTests
{
    /// <summary>Five members; member 2 sits 5 ms from everyone, the others 40 ms from each other.</summary>
    private static double[,] Star(int centre = 2, double near = 5, double far = 40)
    {
        var d = new double[5, 5];
        for (var i = 0; i < 5; i++)
            for (var j = 0; j < 5; j++)
                d[i, j] = i == j ? 0 : i == centre || j == centre ? near : far;
        return d;
    }

    [Fact]
    public void The_model_counts_a_quorum_of_round_trips_and_the_origins_three_hops()
    {
        var d = Star();
        // Under the centre: a request to it waits for the 2nd fastest follower round trip (10 ms); one to a follower
        // goes there (5), and the origin hears the centre's append (5) and one more ack via another follower (5 + 40)
        // or the centre's commit notice (10 + 5): 5 + 10 + 5 = 20.
        Assert.Equal((10 + 4 * 20) / 5.0, LeaderPlacement.MeanCommitLatency(d, 2), 6);
        // Under member 0: to it, 2 × 5 (centre) and then 2 × 40: the quorum's second round trip is 80 ms.
        Assert.True(LeaderPlacement.MeanCommitLatency(d, 0) > 3 * LeaderPlacement.MeanCommitLatency(d, 2));
    }

    [Fact]
    public void With_a_commit_quorum_of_two_the_fastest_round_trip_and_the_origins_own_two_hops_count()
    {
        var d = Star();
        // Under the centre: to it, its fastest follower round trip (10); from a follower, the forward and the append
        // back (5 + 5), which with the origin's own copy is a pair.
        Assert.Equal((10 + 4 * 10) / 5.0, LeaderPlacement.MeanCommitLatency(d, 2, commitQuorum: 2), 6);
        // Under member 0: to it, the centre's round trip (10); from the centre 5 + 5, from the others 40 + 40.
        Assert.Equal((10 + 10 + 3 * 80) / 5.0, LeaderPlacement.MeanCommitLatency(d, 0, commitQuorum: 2), 6);
        // A pair never costs more than a majority.
        for (var l = 0; l < 5; l++)
            Assert.True(LeaderPlacement.MeanCommitLatency(d, l, 2) <= LeaderPlacement.MeanCommitLatency(d, l));
    }

    [Fact]
    public void Three_members_need_only_the_leaders_append_back_at_the_origin()
    {
        var d = new double[,] { { 0, 10, 30 }, { 10, 0, 20 }, { 30, 20, 0 } };
        // Leader 1: to it, 2 × 10 (fastest follower); from 0: 10 + 10; from 2: 20 + 20.
        Assert.Equal((20 + 20 + 40) / 3.0, LeaderPlacement.MeanCommitLatency(d, 1), 6);
    }

    [Fact]
    public void It_moves_only_for_a_clear_gain_and_only_to_an_eligible_member()
    {
        var d = Star();
        Assert.Equal(2, LeaderPlacement.Choose(d, 0, _ => true, 0.10, 3));
        Assert.Equal(-1, LeaderPlacement.Choose(d, 2, _ => true, 0.10, 3));          // already the best
        Assert.NotEqual(2, LeaderPlacement.Choose(d, 0, c => c != 2, 0.10, 3));        // the best is not reachable
        var uniform = Star(near: 20, far: 20);
        Assert.Equal(-1, LeaderPlacement.Choose(uniform, 0, _ => true, 0.10, 3));     // nothing to gain
        var slight = Star(near: 19, far: 20);
        Assert.Equal(-1, LeaderPlacement.Choose(slight, 0, _ => true, 0.10, 3));      // under 10%: stay
        d[1, 3] = d[3, 1] = double.NaN;
        Assert.Equal(-1, LeaderPlacement.Choose(d, 0, _ => true, 0.10, 3));           // an unknown link: no verdict
    }
}
