using FastDb.Raft;
using Xunit.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// Routing around a dead link (RelayingTransport), in the production host over the simulated network: a follower
/// whose link to the leader alone is cut keeps answering its clients through the other members, and stalls without
/// relays (so the test sees the difference it claims).
/// </summary>
public sealed class RelayTests(ITestOutputHelper output)
{
    private static (int During, int Before) AnsweredAtCutFollower(int seed, bool relay, out SimCluster cluster)
    {
        var options = new SimOptions
        {
            Nodes = 5, Clients = 20, Faults = false, DiskFaults = false, CrashFaults = false, DropRate = 0, DupRate = 0,
            SnapshotEveryEntries = 10_000, Relay = relay, PlaceLeader = false, // the leader must stay where the cut is
        };
        cluster = new SimCluster(options, seed);
        cluster.StartClients();
        cluster.RunFor(1_500);
        var leader = cluster.Nodes.Single(n => n.Up && n.Host!.Raft.Role == RaftRole.Leader);
        var follower = cluster.Nodes[(leader.Index + 1) % cluster.Nodes.Length];
        var before = cluster.AnsweredAt(follower.Index);
        var atStart = before;
        cluster.RunFor(1_500);
        before = cluster.AnsweredAt(follower.Index) - atStart;
        var cutAt = cluster.AnsweredAt(follower.Index);
        cluster.CutBoth(leader.Index, follower.Index);
        cluster.RunFor(1_500);
        Assert.Equal(leader.Id, leader.Host!.Raft.LeaderId); // the cut alone must not depose anyone
        return (cluster.AnsweredAt(follower.Index) - cutAt, before);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_follower_cut_off_from_the_leader_alone_keeps_answering_through_relays(int seed)
    {
        var (during, before) = AnsweredAtCutFollower(seed, relay: true, out var withRelays);
        using (withRelays)
        {
            // Through a relay a request takes about two link delays more, so the rate falls, but not to nothing.
            Assert.True(during >= before / 3, $"seed {seed}: {during} answered at the cut-off follower in 1.5 s, against {before} before the cut");
        }
        var (stalled, _) = AnsweredAtCutFollower(seed, relay: false, out var without);
        output.WriteLine($"seed {seed}: the follower answered {before} in 1.5 s before the cut, {during} during it with relays, {stalled} without");
        using (without)
        {
            Assert.True(stalled <= before / 10, $"seed {seed}: without relays {stalled} answered at the cut-off follower (the test must see a stall)");
        }
    }
}
