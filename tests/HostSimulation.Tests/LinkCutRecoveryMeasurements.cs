using FastDb.TestSupport;
using FastDb.Raft;
using Xunit.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// How soon a follower answers again once its link to the leader comes back: octopus's link monkey kills one link for
/// up to 500 ms, and the follower's requests that committed meanwhile hold the checker until it answers them.
/// FASTDB_MEASURE=1 dotnet test tests/HostSimulation.Tests -c Release --filter LinkCutRecoveryMeasurements --logger "console;verbosity=detailed"
/// </summary>
public sealed class LinkCutRecoveryMeasurements(ITestOutputHelper output)
{
    [MeasurementFact]
    public void Answers_resume_soon_after_a_cut_link_heals()
    {
        var delays = new List<double>();
        for (var seed = 1; seed <= 24; seed++)
        {
            using var c = new SimCluster(new SimOptions
            {
                Nodes = 5, Clients = 20, Faults = false, DiskFaults = false, CrashFaults = false, DropRate = 0, DupRate = 0,
                SnapshotEveryEntries = 10_000, PlaceLeader = false,
            }, seed);
            c.StartClients();
            c.RunFor(2_000);
            var leader = c.Nodes.Single(n => n.Up && n.Host!.Raft.Role == RaftRole.Leader);
            var follower = c.Nodes[(leader.Index + 1 + seed % 4) % 5];
            c.CutBoth(leader.Index, follower.Index);
            c.RunFor(165);
            c.HealBoth(leader.Index, follower.Index);
            var healedAt = c.NowMs;
            var before = c.AnsweredAt(follower.Index);
            c.RunUntil(() => c.AnsweredAt(follower.Index) > before, 3_000);
            delays.Add(c.NowMs - healedAt);
        }
        delays.Sort();
        output.WriteLine($"first answer at the follower after the heal, ms: median {delays[delays.Count / 2]:F0}, max {delays[^1]:F0}; all: {string.Join(", ", delays.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        // Measured 212 ms (median) here; streaming from a verified rejection hint gave 121 ms but was reverted (the
        // Raft soak lost a committed entry with it, seed 432 with a wiped node: README "Storage" (5)).
    }
}
