using FastDb.Harness.Cli;
using FastDb.Harness.Run;

namespace FastDb.Harness.Tests.EndToEnd;

/// <summary>
/// The acceptance test of the harness and of FastDb together: FastDb's real server (built from src/Server),
/// five nodes behind the proxies, every monkey including murder, a few seconds of octopus's workload checked by the
/// sqlite3 shell. It must score (correct queries, so nonzero query points) and must not be disqualified. The total
/// is not asserted positive: on a loaded machine the shell checker's fsyncs slow it to a few answers per second,
/// and a few seconds of that can stay below the traffic penalty; that is the machine's speed, not a defect.
/// </summary>
public sealed class FastDbClusterTests
{
    [RequiresSqlite3Fact]
    public async Task FastDbCluster_FewSecondsUnderAllMonkeys_ScoresWithoutDisqualification()
    {
        // The native sqlcluster users run, published for this build next to the tests (tests/NativeBinaries.targets).
        string sqlcluster = NativeBinary.Path("sqlcluster");
        string runRoot = Path.Combine(Path.GetTempPath(), "fastdb-harness-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        bool passed = false;
        try
        {
            var options = new HarnessOptions
            {
                Sqlcluster = sqlcluster,
                Nodes = 5,
                Seed = 1,
                Duration = TimeSpan.FromSeconds(6),
                BootTimeout = TimeSpan.FromSeconds(60),
                Root = runRoot,
                EnableMurderMonkey = true,
                Checker = CheckerKind.Sqlite3,
                Quiet = true,
            };
            RunOutcome outcome = await HarnessRun.RunAsync(options, TextWriter.Null, interactive: false, timeout.Token);
            string context = $"{outcome.Results.Pretty}\nlogs: {outcome.LogDirectory}";
            Assert.True(outcome.Booted, "the boot query never succeeded\n" + context);
            Assert.True(outcome.Results.Disqualifier == "", context);
            Assert.True(outcome.Results.CorrectQueries > 0, context);
            Assert.True(outcome.Results.QueryPoints > 0, context);
            passed = true;
        }
        finally
        {
            // A failed run keeps its directory (logs, schedule) for inspection; FASTDB_HARNESS_KEEP=1 keeps every run's.
            if (passed && Environment.GetEnvironmentVariable("FASTDB_HARNESS_KEEP") != "1")
                try { Directory.Delete(runRoot, recursive: true); } catch (IOException) { }
        }
    }
}
