using FastDb.Harness.Monkeys;
using FastDb.Harness.Network;
using FastDb.Harness.Randomness;

namespace FastDb.Harness.Tests.Monkeys;

/// <summary>The fault schedule is a pure function of the seed, and follows octopus's monkey rules.</summary>
public sealed class FaultPlannerTests
{
    private static readonly ISet<string> AllButMurder = MonkeyConfig.All.Where(m => m.EnabledByDefault).Select(m => m.Name).ToHashSet();
    private static readonly ISet<string> Everything = MonkeyConfig.All.Select(m => m.Name).ToHashSet();

    private static string Fingerprint(FaultPlanner.Plan p) =>
        string.Join(";", p.InitialLatency) + "|" + string.Join(";", p.InitialJitter) + "|" + string.Join(",", p.SpofOrder) + "|" +
        string.Join("\n", p.Faults.Select(f => $"{f.At.Ticks} {f.Monkey} {f.Kind} [{string.Join(",", f.Links)}] {f.Node} {f.Value} {f.Duration.Ticks}"));

    [Fact]
    public void SameSeed_SameSchedule()
    {
        for (long seed = 1; seed <= 5; seed++)
        {
            var a = FaultPlanner.Create(seed, 5, TimeSpan.FromSeconds(60), Everything);
            var b = FaultPlanner.Create(seed, 5, TimeSpan.FromSeconds(60), Everything);
            Assert.Equal(Fingerprint(a), Fingerprint(b));
            Assert.NotEmpty(a.Faults);
        }
    }

    [Fact]
    public void DifferentSeeds_DifferentSchedules()
    {
        var fingerprints = Enumerable.Range(1, 5).Select(s => Fingerprint(FaultPlanner.Create(s, 5, TimeSpan.FromSeconds(30), AllButMurder))).ToList();
        Assert.Equal(5, fingerprints.Distinct().Count());
    }

    [Fact]
    public void LongerHorizon_OnlyAddsLaterFaults()
    {
        var shortPlan = FaultPlanner.Create(9, 5, TimeSpan.FromSeconds(20), AllButMurder);
        var longPlan = FaultPlanner.Create(9, 5, TimeSpan.FromSeconds(40), AllButMurder);
        var prefix = longPlan.Faults.Where(f => f.At < TimeSpan.FromSeconds(20)).ToList();
        Assert.Equal(Fingerprint(shortPlan with { Faults = prefix }), Fingerprint(shortPlan));
        Assert.True(longPlan.Faults.Count > shortPlan.Faults.Count);
    }

    [Fact]
    public void Monkeys_RespectOffsets_IntensityGate_AndDurationScale()
    {
        var plan = FaultPlanner.Create(4, 5, TimeSpan.FromSeconds(120), Everything);
        foreach (PlannedFault f in plan.Faults)
        {
            MonkeyConfig config = MonkeyConfig.Get(f.Monkey);
            Assert.True(f.At >= config.Offset, $"{f.Monkey} acted at {f.At} before its offset");
            Assert.Equal(MonkeyConfig.Intensity(f.At), f.Intensity, 9);
            switch (f.Monkey)
            {
                case "link":
                    Assert.True(f.Intensity >= 0.1);
                    Assert.True(f.Duration.TotalMilliseconds <= 500 * f.Intensity + 1);
                    break;
                case "netsplit" or "unneighborly" or "freeze" or "murder":
                    Assert.True(f.Intensity >= 0.1);
                    Assert.True(f.Duration.TotalMilliseconds <= 1000 * f.Intensity + 1);
                    break;
                case "jitter":
                    Assert.InRange(f.Value, 0u, 19u);
                    break;
                case "latency":
                    Assert.True(f.Value >= 1);
                    break;
            }
        }
        Assert.Contains(plan.Faults, f => f.Monkey == "murder");
        Assert.Equal(5, plan.SpofOrder.Distinct().Count());
        foreach (string m in new[] { "latency", "jitter", "lagsplit", "link", "netsplit", "unneighborly", "freeze" })
            Assert.Contains(plan.Faults, f => f.Monkey == m);
    }

    [Fact]
    public void Murder_IsOffUnlessEnabled()
    {
        var plan = FaultPlanner.Create(4, 5, TimeSpan.FromSeconds(120), AllButMurder);
        Assert.DoesNotContain(plan.Faults, f => f.Monkey == "murder");
    }

    [Fact]
    public void Partitions_AreTheLinksAcrossASplitOfOneToThreeNodes()
    {
        var topology = new NetworkTopology(5, new SeededRandom(0));
        var rng = new SeededRandom(11);
        for (int i = 0; i < 200; i++)
        {
            IReadOnlyList<int> links = FaultPlanner.RandomPartition(rng, 5, topology.Links);
            Assert.Contains(links.Count, new[] { 4, 6 }); // 1|4 or 2|3 splits (sides of 1..3 nodes)
        }
    }

    [Fact]
    public void NeighborLinks_CoverEveryNode()
    {
        var topology = new NetworkTopology(5, new SeededRandom(0));
        var rng = new SeededRandom(12);
        for (int i = 0; i < 200; i++)
        {
            IReadOnlyList<int> links = FaultPlanner.RandomNeighborLinks(rng, 5, topology.Links);
            var covered = links.SelectMany(l => new[] { topology.Links[l].Agent1, topology.Links[l].Agent2 }).ToHashSet();
            Assert.Equal(5, covered.Count);
            Assert.InRange(links.Count, 3, 4);
        }
    }

    [Fact]
    public void Topology_OrdersLinksLikeOctopus_AndFindsPerimeters()
    {
        var topology = new NetworkTopology(4, new SeededRandom(0));
        Assert.Equal(["Link<0, 1>", "Link<0, 2>", "Link<1, 2>", "Link<0, 3>", "Link<1, 3>", "Link<2, 3>"], topology.Links.Select(l => l.ToString()));
        Assert.Same(topology.Links[4], topology.Get(3, 1));
        Assert.Equal([0, 1, 3], topology.FindPerimeter([0]));
    }

    [Fact]
    public void Intensity_RisesFromZeroToOneAndBackEveryThirtySeconds()
    {
        Assert.Equal(0, MonkeyConfig.Intensity(TimeSpan.Zero), 9);
        Assert.Equal(1, MonkeyConfig.Intensity(TimeSpan.FromSeconds(15)), 9);
        Assert.Equal(0, MonkeyConfig.Intensity(TimeSpan.FromSeconds(30)), 9);
        Assert.Equal(0.5, MonkeyConfig.Intensity(TimeSpan.FromSeconds(7.5)), 9);
    }
}
