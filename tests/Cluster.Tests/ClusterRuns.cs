using FastDb.Harness.Cli;
using FastDb.Harness.Run;
using Xunit.Abstractions;

namespace FastDb.Cluster.Tests;

/// <summary>
/// Runs the octopus-style harness against five real sqlcluster processes built from this commit. The harness checks
/// what octopus checks: every answer well-formed, sequence numbers unique and gapless, each body equal to the sqlite3
/// shell's in sequence order; any violation disqualifies the run and fails the test with the harness's message.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterRuns(ITestOutputHelper output)
{
    private static readonly string[] AllNetworkMonkeys = ["latency", "jitter", "lagsplit", "link", "netsplit", "unneighborly"];

    /// <summary>
    /// The SPOF monkey alone: each node in turn frozen and cut off from the rest until the other four answer a request
    /// made after the cut. A node that the cluster cannot do without stalls the run and the test sees it.
    /// </summary>
    [RequiresSqlite3Fact]
    public async Task No_node_is_a_single_point_of_failure()
    {
        var outcome = await RunAsync(seed: 11, seconds: 20, murder: false,
            disabled: [.. AllNetworkMonkeys, "freeze"]);
        AssertClean(outcome);
        var released = CountLines(outcome, "is (probably) not a single point of failure!");
        Assert.True(released == 5, $"the SPOF monkey released {released} of 5 nodes within the run; see {outcome.LogDirectory}");
    }

    /// <summary>
    /// Every monkey octopus has, murder included (SIGTERM, then a restart on the same data directory), with a snapshot
    /// every 50 entries so compaction, recovery from a snapshot and snapshot installs on lagging nodes all happen.
    /// </summary>
    [RequiresSqlite3Fact]
    public async Task Survives_every_monkey_including_murder_with_frequent_snapshots()
    {
        const int seconds = 30;
        var seed = FirstSeedWithEarlyMurders(seconds - 3);
        output.WriteLine($"seed {seed}: the first seed whose schedule murders two different nodes within {seconds - 3} s");
        var outcome = await RunAsync(seed, seconds, murder: true, disabled: [], extraArgs: ["--snapshot-every", "50"]);
        AssertClean(outcome);
    }

    private async Task<RunOutcome> RunAsync(long seed, int seconds, bool murder, string[] disabled, string[]? extraArgs = null)
    {
        var root = Path.Combine(Path.GetTempPath(), $"fdb-ct-{seed}-{Environment.ProcessId}");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var options = new HarnessOptions
        {
            Sqlcluster = FastDb.TestSupport.NativeBinary.Path("sqlcluster"), // the native binary users run
            Nodes = 5,
            Seed = seed,
            Duration = TimeSpan.FromSeconds(seconds),
            BootTimeout = TimeSpan.FromSeconds(60),
            Root = root,
            EnableMurderMonkey = murder,
            DisabledMonkeys = disabled.ToHashSet(),
            Quiet = true,
            ExtraArgs = extraArgs ?? [],
        };
        var console = new StringWriter();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 120));
        var outcome = await HarnessRun.RunAsync(options, console, interactive: false, limit.Token);
        output.WriteLine(console.ToString());
        return outcome;
    }

    private static void AssertClean(RunOutcome outcome)
    {
        Assert.True(outcome.Booted, $"the boot query never got a 200 answer; logs in {outcome.LogDirectory}");
        Assert.True(outcome.Results.Disqualifier.Length == 0,
            $"disqualified: {outcome.Results.Disqualifier}\nlogs in {outcome.LogDirectory}");
        Assert.True(outcome.Results.CorrectQueries > 0, $"no correct query; logs in {outcome.LogDirectory}");
    }

    /// <summary>Octopus's murder monkey starts 20 s in; pick a seed whose (deterministic) schedule kills two nodes before the end.</summary>
    private static long FirstSeedWithEarlyMurders(int withinSeconds)
    {
        var monkeys = FastDb.Harness.Monkeys.MonkeyConfig.All.Select(m => m.Name).ToHashSet();
        for (long seed = 1; seed < 1000; seed++)
        {
            var plan = FastDb.Harness.Monkeys.FaultPlanner.Create(seed, 5, TimeSpan.FromSeconds(withinSeconds), monkeys);
            var murdered = plan.Faults.Where(f => f.Kind == FastDb.Harness.Monkeys.FaultKind.Murder && f.At.TotalSeconds < withinSeconds)
                .Select(f => f.Node).Distinct().Count();
            if (murdered >= 2) return seed;
        }
        throw new InvalidOperationException("no seed below 1000 murders two nodes early");
    }

    private static int CountLines(RunOutcome outcome, string text)
    {
        var log = Path.Combine(outcome.LogDirectory, "harness.log");
        return File.Exists(log) ? File.ReadLines(log).Count(l => l.Contains(text, StringComparison.Ordinal)) : 0;
    }
}
