using FastDb.Harness.Reporting;

namespace FastDb.Harness.Tests.Reporting;

public sealed class DipFinderTests
{
    /// <summary>100 answers a second over [from, to), except none in the gaps given.</summary>
    private static List<AnswerSample> Steady(double from, double to, params (double From, double To)[] gaps)
    {
        var answers = new List<AnswerSample>();
        for (double t = from; t < to; t += 0.01)
            if (!gaps.Any(g => t >= g.From && t < g.To)) answers.Add(new AnswerSample(t, 10));
        return answers;
    }

    [Fact]
    public void ASteadyRun_HasNoDips()
    {
        Assert.Empty(DipFinder.Find(Steady(0, 30), [], 0, 30));
    }

    [Fact]
    public void AStallInsideAFaultWindow_IsADip_ButNotPastItsFault()
    {
        var freeze = new TimelineEvent("freeze", "node2", "freeze node2", 10, 12.5);
        var dips = DipFinder.Find(Steady(0, 30, (10, 12)), [freeze], 0, 30);
        var dip = Assert.Single(dips);
        Assert.InRange(dip.StartSeconds, 9.5, 10.6);
        Assert.InRange(dip.EndSeconds, 11.4, 12.5);
        Assert.Equal(0, dip.PastFaultsSeconds);
        Assert.Equal(freeze, Assert.Single(dip.FaultsAround));
        Assert.Empty(DipFinder.Unexplained(dips));
    }

    [Fact]
    public void AStallThatOutlastsItsFault_IsReported_WithTheFaultsAround()
    {
        var link = new TimelineEvent("link", "node0|node1", "kill link", 10, 10.3);
        var jitter = new TimelineEvent("jitter", "node0|node3", "jitter 5ms", 10.1, 10.1); // instant: explains nothing
        var dips = DipFinder.Find(Steady(0, 30, (10, 13)), [link, jitter], 0, 30);
        var dip = Assert.Single(DipFinder.Unexplained(dips));
        Assert.True(dip.PastFaultsSeconds > 1.5, dip.ToString());
        Assert.Equal(2, dip.FaultsAround.Count);
        Assert.Contains("past the faults", dip.ToString(), StringComparison.Ordinal);
    }
}
