using FastDb.Harness.Network;
using FastDb.Harness.Randomness;

namespace FastDb.Harness.Monkeys;

/// <summary>
/// Draws every monkey's actions from the seed, ahead of time (octopus director/monkeys.go spawn and the *Monkey
/// methods, director.go makeLatency/makeJitter/makeDuration/randomLink/randomPartition/randomNeighborLinks/
/// randomAgent). Octopus draws them as it goes and takes the intensity from the wall clock; here the intensity is
/// taken at the planned time, so the whole schedule is a pure function of (seed, node count, enabled monkeys) and
/// two runs with one seed get exactly the same faults. Each monkey has its own stream "monkey NAME", so a plan for a
/// longer horizon only adds events at the end.
/// </summary>
public static class FaultPlanner
{
    public sealed record Plan(IReadOnlyList<(int A, int B)> InitialLatencyLinks, IReadOnlyList<uint> InitialLatency,
        IReadOnlyList<uint> InitialJitter, IReadOnlyList<PlannedFault> Faults, IReadOnlyList<int> SpofOrder);

    public static Plan Create(long seed, int nodeCount, TimeSpan horizon, ISet<string> enabledMonkeys)
    {
        var topology = new NetworkTopology(nodeCount, new SeededRandom(0));
        IReadOnlyList<Link> links = topology.Links;

        // director.go Start: initial latency and jitter of every link, from the "director" stream.
        SeededRandom director = SeedStreams.Create(seed, "director");
        var latency = new List<uint>();
        var jitter = new List<uint>();
        foreach (Link _ in links)
        {
            latency.Add(MakeLatency(director, 1));
            jitter.Add(MakeJitter(director, 1));
        }

        var faults = new List<PlannedFault>();
        foreach (MonkeyConfig config in MonkeyConfig.All)
        {
            if (!enabledMonkeys.Contains(config.Name) || config.Name == "spof") continue;
            SeededRandom rng = SeedStreams.Create(seed, "monkey " + config.Name);
            TimeSpan t = config.Offset;
            while (true)
            {
                t += TimeSpan.FromMilliseconds(Math.Round(rng.ExpFloat64() * config.MeanInterval.TotalMilliseconds, 3));
                if (t >= horizon) break;
                double intensity = MonkeyConfig.Intensity(t);
                PlannedFault? fault = Act(config.Name, rng, intensity, t, nodeCount, links);
                if (fault is not null) faults.Add(fault);
            }
        }
        faults.Sort((x, y) => x.At.CompareTo(y.At));

        IReadOnlyList<int> spofOrder = enabledMonkeys.Contains("spof")
            ? SeedStreams.Create(seed, "monkey spof").Perm(nodeCount)
            : Array.Empty<int>();

        return new Plan(links.Select(l => (l.Agent1, l.Agent2)).ToList(), latency, jitter, faults, spofOrder);
    }

    private static PlannedFault? Act(string monkey, SeededRandom rng, double intensity, TimeSpan at, int nodeCount, IReadOnlyList<Link> links)
    {
        switch (monkey)
        {
            case "latency":
                {
                    int link = rng.Intn(links.Count);
                    return new(at, monkey, FaultKind.SetLatency, [link], -1, MakeLatency(rng, 1), TimeSpan.Zero, intensity);
                }
            case "jitter":
                {
                    int link = rng.Intn(links.Count);
                    return new(at, monkey, FaultKind.SetJitter, [link], -1, MakeJitter(rng, 1), TimeSpan.Zero, intensity);
                }
            case "lagsplit":
                {
                    IReadOnlyList<int> targets = RandomPartition(rng, nodeCount, links);
                    uint amount = MakeLatency(rng, 5 * intensity);
                    TimeSpan duration = MakeDuration(rng, 1000, intensity);
                    return new(at, monkey, FaultKind.Lag, targets, -1, amount, duration, intensity);
                }
            case "link":
                {
                    if (intensity < 0.1) return null;
                    int link = rng.Intn(links.Count);
                    return new(at, monkey, FaultKind.KillLinks, [link], -1, 0, MakeDuration(rng, 500, intensity), intensity);
                }
            case "netsplit":
                {
                    if (intensity < 0.1) return null;
                    IReadOnlyList<int> targets = RandomPartition(rng, nodeCount, links);
                    return new(at, monkey, FaultKind.KillLinks, targets, -1, 0, MakeDuration(rng, 1000, intensity), intensity);
                }
            case "unneighborly":
                {
                    if (intensity < 0.1) return null;
                    IReadOnlyList<int> targets = RandomNeighborLinks(rng, nodeCount, links);
                    return new(at, monkey, FaultKind.KillLinks, targets, -1, 0, MakeDuration(rng, 1000, intensity), intensity);
                }
            case "freeze":
            case "murder":
                {
                    if (intensity < 0.1) return null;
                    int node = rng.Intn(nodeCount);
                    TimeSpan duration = MakeDuration(rng, 1000, intensity);
                    return new(at, monkey, monkey == "freeze" ? FaultKind.Freeze : FaultKind.Murder, [], node, 0, duration, intensity);
                }
            default:
                throw new ArgumentException($"unknown monkey '{monkey}'");
        }
    }

    /// <summary>director.go makeLatency: int((20 + N(0,1)·10) · intensity), at least 1.</summary>
    public static uint MakeLatency(SeededRandom rng, double intensity)
    {
        int l = (int)((20 + rng.NormFloat64() * 10) * intensity);
        return l < 1 ? 1u : (uint)l;
    }

    /// <summary>director.go makeJitter: uniform in 0 .. 20·intensity - 1.</summary>
    public static uint MakeJitter(SeededRandom rng, double intensity) => (uint)rng.Intn((int)(20 * intensity));

    /// <summary>director.go makeDuration: uniform whole milliseconds in 0 .. scale·intensity.</summary>
    public static TimeSpan MakeDuration(SeededRandom rng, double scale, double intensity) =>
        TimeSpan.FromMilliseconds(rng.Intn((int)(scale * intensity) + 1));

    /// <summary>director.go randomPartition: a random side of 1..N-2 nodes; the links crossing it.</summary>
    public static IReadOnlyList<int> RandomPartition(SeededRandom rng, int nodeCount, IReadOnlyList<Link> links)
    {
        if (nodeCount < 3) return [0]; // "fewer than three nodes, netsplits are pretty boring"
        int[] perm = rng.Perm(nodeCount);
        int splitPoint = rng.Intn(nodeCount - 2) + 1;
        return NetworkTopology.FindPerimeter(nodeCount, links, perm.Take(splitPoint));
    }

    /// <summary>director.go randomNeighborLinks: links in random order, kept while they touch an uncovered node.</summary>
    public static IReadOnlyList<int> RandomNeighborLinks(SeededRandom rng, int nodeCount, IReadOnlyList<Link> links)
    {
        int[] perm = rng.Perm(links.Count);
        var cover = new bool[nodeCount];
        var result = new List<int>();
        foreach (int i in perm)
        {
            Link link = links[i];
            if (!cover[link.Agent1] || !cover[link.Agent2])
            {
                result.Add(i);
                cover[link.Agent1] = true;
                cover[link.Agent2] = true;
            }
        }
        return result;
    }
}
