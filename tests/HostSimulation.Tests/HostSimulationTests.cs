using System.Diagnostics;
using Xunit.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// The production Raft host under simulated faults (see SimCluster), many seeds per run.
/// FASTDB_SIM_SEED=S replays one seed bit for bit (with its report); FASTDB_SIM_SEEDS=N runs N seeds (the soak).
/// </summary>
public sealed class HostSimulationTests(ITestOutputHelper output)
{
    /// <summary>Seeds per CI run: the floor the host issue set (2,000), spread over both cores.</summary>
    private const int CiSeeds = 2000;

    internal static SimOptions OptionsFor(int seed)
    {
        var rng = new Random(seed ^ 0x5eed);
        return new SimOptions
        {
            Nodes = rng.Next(4) == 0 ? 3 : 5,
            JoinFlow = rng.Next(4) == 0,
            Clients = 2 + rng.Next(5),
            SnapshotEveryEntries = 20 + rng.Next(60),
            WorkloadMs = 3_000 + rng.Next(3_000),
            Relay = rng.Next(2) == 0, // both ways of routing keep every invariant
            BatchWindowMs = rng.Next(3) switch { 0 => 0, 1 => 3, _ => 1 + rng.Next(12) }, // the leader's batch window, off or on
            SuspectLeader = rng.Next(2) == 0, // the failure detector on closed links, off (the default) or on
            CommitQuorum = rng.Next(2) == 0 ? 2 : 0, // flexible quorums (--commit-quorum 2) or a majority (the default)
        };
    }

    /// <summary>Runs one seed to the end; throws <see cref="InvariantViolation"/> with the seed and time on a violation.</summary>
    internal static string Run(int seed) => Run(seed, out _);

    internal static string Run(int seed, out int answered) => Run(seed, out answered, out _);

    /// <param name="wedged">
    /// Flexible quorums only (--commit-quorum 2): the run ended with no leader and two members catching up, who vote
    /// for nobody until a leader caught them up, while an election needs every member but one. That is the mode's
    /// documented price, not a bug.
    /// </param>
    internal static string Run(int seed, out int answered, out bool wedged)
    {
        var options = OptionsFor(seed);
        using var cluster = new SimCluster(options, seed);
        cluster.ScheduleFaults();
        cluster.StartClients();
        cluster.RunFor(options.WorkloadMs);
        cluster.StopSending();
        cluster.HealAll();
        wedged = false;
        if (!cluster.RunUntil(() => cluster.AllAnswered, options.SettleMs))
        {
            wedged = options.CommitQuorum == 2 && options.Nodes >= 4 && cluster.Nodes.All(n => n.Up && n.Host!.Raft.Role != FastDb.Raft.RaftRole.Leader)
                && cluster.Nodes.Count(n => n.CatchingUp) >= 2;
            if (wedged)
            {
                // No gap check: a number executed before the wedge waits for its client's node, which cannot apply
                // it without a leader. Every execution was still checked for agreement as it happened.
                answered = cluster.Answered;
                return $"seed {seed}: wedged (flexible quorums, two members catching up)";
            }
            throw new InvariantViolation($"seed {seed}: clients still unanswered {options.SettleMs} ms after the faults ended:\n" + cluster.Describe());
        }
        cluster.CheckNoGaps();
        answered = cluster.Answered;
        if (cluster.Answered == 0) throw new InvariantViolation($"seed {seed}: no request was answered:\n" + cluster.Describe());
        return $"seed {seed}: {options.Nodes} nodes{(options.JoinFlow ? " (joined)" : "")}, {cluster.Answered} answered, " +
               $"{cluster.Executions} executed, {cluster.GaveUp} given up, {cluster.Resends} re-sends, {cluster.LeaderTerms} leader terms; " +
               $"{cluster.Crashes} crashes, {cluster.Freezes} freezes, {cluster.Partitions} partitions, {cluster.TornWrites} torn writes, " +
               $"{cluster.FlippedBits} flipped bits ({cluster.Refusals} refused starts), {cluster.Wipes} wipes; {cluster.Events} events, {cluster.NowMs:F0} ms simulated";
    }

    [Fact]
    public void Every_seed_keeps_every_invariant()
    {
        if (Environment.GetEnvironmentVariable("FASTDB_SIM_SEED") is { } one)
        {
            output.WriteLine(Run(int.Parse(one, System.Globalization.CultureInfo.InvariantCulture)));
            return;
        }
        var seeds = Environment.GetEnvironmentVariable("FASTDB_SIM_SEEDS") is { } n
            ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : CiSeeds;
        var clock = Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        long answered = 0;
        int wedged = 0;
        Parallel.For(1, seeds + 1, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            try
            {
                Run(seed, out var count, out var stuck);
                Interlocked.Add(ref answered, count);
                if (stuck) Interlocked.Increment(ref wedged);
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}: {e.GetType().Name}: {e.Message}");
            }
        });
        output.WriteLine($"{seeds} seeds in {clock.Elapsed.TotalSeconds:F1} s, {answered} answers checked, {wedged} flexible-quorum runs wedged by two members catching up");
        // Half the seeds run flexible quorums; the excused wedge must stay rare (2 of 2,000 seeds when it came in).
        Assert.True(wedged <= seeds / 200, $"{wedged} of {seeds} seeds wedged by two members catching up under flexible quorums");
        var sorted = failures.OrderBy(f => int.Parse(f.Split(' ', ':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(sorted.Count == 0, $"{sorted.Count} of {seeds} seeds failed (replay one with FASTDB_SIM_SEED=S):\n" + string.Join("\n", sorted.Take(20)));
    }

    [Fact]
    public void A_seed_replays_bit_for_bit()
    {
        Assert.Equal(Run(7), Run(7));
    }
}
