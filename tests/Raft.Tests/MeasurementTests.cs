// Latency and cost in the simulator with octopus-like links (per link 20 ± 10 ms base, exponential jitter,
// in order). Prints the numbers for the README; asserts only loose sanity bounds (simulated time, not wall clock).
// Print them: dotnet test tests/Raft.Tests -c Release --filter Measure --logger "console;verbosity=detailed"
using FastDb.Raft.Tests.Simulation;
using Xunit.Abstractions;

namespace FastDb.Raft.Tests;

public class MeasurementTests(ITestOutputHelper output)
{
    private static double Percentile(List<double> xs, double p)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToList();
        return s[Math.Min(s.Count - 1, (int)Math.Floor(p * s.Count))];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Measure_commit_latency_and_cost_with_20_clients(bool broadcastAcks)
    {
        var o = new SimOptions { Nodes = 5, OctopusLinks = true, BroadcastAcks = broadcastAcks, CompactEvery = 500 };
        var c = new Cluster(o, seed: 42);
        var r = c.Rng;
        c.RunUntil(() => c.Leader() >= 0, 5000);
        c.RunFor(500);
        long msgs0 = c.RaftMessages, bytes0 = c.RaftBytes;
        int applied0 = c.Nodes.Max(n => n.Sm.Ids.Count);
        // 20 closed-loop clients, each sends to a random node and waits for its answer.
        c.OnAcked = _ => c.Submit(r.Next(o.Nodes));
        for (int i = 0; i < 20; i++) c.Submit(r.Next(o.Nodes));
        c.RunFor(10_000);
        c.OnAcked = null;
        c.RunFor(1000);
        int committed = c.Nodes.Max(n => n.Sm.Ids.Count) - applied0;
        c.CheckAcknowledged();
        double msgsPer = (double)(c.RaftMessages - msgs0) / committed, bytesPer = (double)(c.RaftBytes - bytes0) / committed;
        output.WriteLine($"5 nodes, 20 clients, octopus-like links, BroadcastAcks={broadcastAcks}: {committed} committed in 10 s simulated");
        output.WriteLine($"  proposal→commit at leader:   median {Percentile(c.CommitLatencyAtLeaderMs, 0.5):F1} ms, p99 {Percentile(c.CommitLatencyAtLeaderMs, 0.99):F1} ms");
        output.WriteLine($"  raft messages per committed entry {msgsPer:F2}, raft bytes per committed entry {bytesPer:F1}");
        Assert.True(committed > 1000, $"only {committed} committed");
        Assert.True(Percentile(c.CommitLatencyAtLeaderMs, 0.5) < 200);
        Assert.True(bytesPer < 400, $"{bytesPer} bytes per entry");
    }

    [Fact]
    public void Measure_leader_freeze_to_new_leader_committing() => MeasureFailover(new SimOptions { Nodes = 5, OctopusLinks = true });

    /// <summary>Compares timing settings: failover time vs spurious elections under lag spikes (FASTDB_MEASURE=1).</summary>
    [MeasurementTheory]
    [InlineData(5, 15, 30)]
    [InlineData(3, 10, 20)]
    [InlineData(3, 10, 15)]
    [InlineData(3, 8, 16)]
    [InlineData(2, 8, 16)]
    [InlineData(2, 6, 12)]
    public void Measure_timing_settings(int hb, int emin, int emax)
    {
        var o = new SimOptions { Nodes = 5, OctopusLinks = true, HeartbeatTicks = hb, ElectionMinTicks = emin, ElectionMaxTicks = emax };
        output.WriteLine($"heartbeat {hb} ticks, election {emin}..{emax} ticks:");
        MeasureFailover(o);
        // Spurious elections: no faults but lag spikes (100..300 ms on a random half of the links, 1 s in every 2 s).
        var c = new Cluster(o, seed: 77);
        c.StartClientThreads(20);
        c.RunUntil(() => c.Leader() >= 0, 5000);
        int terms0 = c.LeaderTerms;
        for (int round = 0; round < 15; round++)
        {
            for (int a = 0; a < 5; a++) for (int b = 0; b < 5; b++) c.LinkSpikeMs[a, b] = c.Rng.Next(2) == 0 ? 100 + c.Rng.NextDouble() * 200 : 0;
            c.RunFor(1000);
            Array.Clear(c.LinkSpikeMs);
            c.RunFor(1000);
        }
        output.WriteLine($"  lag spikes for 30 s: {c.LeaderTerms - terms0} extra leader terms, {c.Acked.Count} answers");
    }

    private void MeasureFailover(SimOptions o)
    {
        var times = new List<double>();
        for (int seed = 1; seed <= 20; seed++)
        {
            var c = new Cluster(o, seed);
            var r = c.Rng;
            c.OnAcked = _ => c.Submit(r.Next(o.Nodes));
            for (int i = 0; i < 20; i++) c.Submit(r.Next(o.Nodes));
            Assert.True(c.RunUntil(() => c.Leader() >= 0, 5000));
            c.RunFor(500 + r.NextDouble() * 500);
            int old = c.Leader();
            ulong oldTerm = c.Nodes[old].Raft!.Term;
            double frozenAt = c.NowMs;
            double? done = null;
            // A new leader "commits" once it applies an entry of its own term (its noop).
            c.OnReady = (n, ready) =>
            {
                if (done is null && n.Index != old && ready.SoftState.Role == RaftRole.Leader &&
                    ready.CommittedEntries.Any(e => e.Term == ready.SoftState.Term && e.Term > oldTerm))
                    done = c.NowMs;
            };
            c.Freeze(old);
            Assert.True(c.RunUntil(() => done is not null, 5000), $"seed {seed}: no new leader committed within 5 s");
            times.Add(done!.Value - frozenAt);
            c.Thaw(old);
            c.OnReady = null;
            c.RunFor(1000);
            c.CheckAcknowledged();
        }
        output.WriteLine($"leader freeze → new leader committing (5 nodes, 20 runs): median {Percentile(times, 0.5):F0} ms, p99/max {Percentile(times, 0.99):F0} ms, min {times.Min():F0} ms");
        Assert.True(Percentile(times, 0.5) < 1000);
    }
}
