using FastDb.Harness.Cli;
using FastDb.Harness.Run;
using FastDb.Harness.Tests.StandIn;

namespace FastDb.Harness.Tests.EndToEnd;

/// <summary>
/// The whole harness (processes, proxies, monkeys, workload, checker) against test-only stand-in nodes that answer
/// from one shared database, so it runs before FastDb's cluster exists. Skipped when python3 is not installed.
/// </summary>
public sealed class StandInClusterTests
{
    [Fact]
    public async Task StandInCluster_AllMonkeysIncludingMurder_ScoresWithoutDisqualification()
    {
        string? python = StandInStateServer.FindPython();
        if (python is null) return; // the stand-in nodes are Python scripts
        string root = Path.Combine(Path.GetTempPath(), "harness-standin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        bool passed = false;
        try
        {
            await using var state = new StandInStateServer(Path.Combine(root, "state.sock"));
            string script = StandInStateServer.WriteNodeScript(root, python);
            var options = new HarnessOptions
            {
                Sqlcluster = script,
                Nodes = 5,
                Seed = 7,
                Duration = TimeSpan.FromSeconds(4),
                BootTimeout = TimeSpan.FromSeconds(20),
                Root = Path.Combine(root, "run"),
                EnableMurderMonkey = true,
                Checker = CheckerKind.Sqlite3,
                Quiet = true,
                ExtraArgs = ["--state=" + state.SocketPath],
            };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            RunOutcome outcome = await HarnessRun.RunAsync(options, TextWriter.Null, interactive: false, timeout.Token);

            Assert.True(outcome.Booted);
            Assert.Equal("", outcome.Results.Disqualifier);
            Assert.True(outcome.Results.CorrectQueries > 0, outcome.Results.Pretty);
            Assert.True(outcome.Results.Total > 0, outcome.Results.Pretty);
            Assert.True(File.Exists(Path.Combine(outcome.LogDirectory, "schedule.txt")));
            Assert.True(File.Exists(Path.Combine(outcome.LogDirectory, "node0.log")));
            Assert.Contains("Testing if Agent<node", File.ReadAllText(Path.Combine(outcome.LogDirectory, "harness.log")));
            passed = true;
        }
        finally
        {
            // A failed run keeps its directory (logs, schedule) for inspection; FASTDB_HARNESS_KEEP=1 keeps every run's.
            if (passed && Environment.GetEnvironmentVariable("FASTDB_HARNESS_KEEP") != "1")
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
