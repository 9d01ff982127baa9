using FastDb.Harness.Ceiling;
using FastDb.Harness.Cli;
using FastDb.Harness.Run;

namespace FastDb.Harness.Tests.EndToEnd;

/// <summary>
/// The whole harness (processes, proxies, monkeys, workload, checker) against the ceiling stand-in
/// (bench/CeilingStandIn: nodes answering from one shared database in this process, no consensus). It must boot,
/// score and never be disqualified under every monkey, murder included: killed nodes lose answers, and the state
/// server must give a retried body its original number, or the checker would stall on the gap.
/// </summary>
public sealed class StandInClusterTests
{
    [Fact]
    public async Task CeilingStandIn_AllMonkeysIncludingMurder_ScoresWithoutDisqualification()
    {
        string standIn = Path.Combine(AppContext.BaseDirectory, "sqlcluster-ceiling");
        Assert.True(File.Exists(standIn), $"the ceiling stand-in was not built next to the tests: {standIn}");
        string root = Path.Combine(Path.GetTempPath(), "harness-standin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        bool passed = false;
        try
        {
            await using var state = new CeilingState(Path.Combine(root, "state.sock"));
            var options = new HarnessOptions
            {
                Sqlcluster = standIn,
                Nodes = 5,
                Seed = 7,
                Duration = TimeSpan.FromSeconds(25), // murder starts at 20 s
                BootTimeout = TimeSpan.FromSeconds(20),
                Root = Path.Combine(root, "run"),
                EnableMurderMonkey = true,
                Checker = CheckerKind.Inproc,
                Quiet = true,
                ExtraArgs = ["--state=" + state.SocketPath],
            };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            RunOutcome outcome = await HarnessRun.RunAsync(options, TextWriter.Null, interactive: false, timeout.Token);

            Assert.True(outcome.Booted);
            Assert.Equal("", outcome.Results.Disqualifier);
            Assert.True(outcome.Results.CorrectQueries > 0, outcome.Results.Pretty);
            Assert.True(File.Exists(Path.Combine(outcome.LogDirectory, "schedule.txt")));
            Assert.True(File.Exists(Path.Combine(outcome.LogDirectory, "dips.txt")));
            Assert.NotNull(outcome.Dips);
            string harnessLog = File.ReadAllText(Path.Combine(outcome.LogDirectory, "harness.log"));
            Assert.Contains("Testing if Agent<node", harnessLog);
            passed = true;
        }
        finally
        {
            // A failed run keeps its directory (logs, schedule) for inspection; FASTDB_HARNESS_KEEP=1 keeps every run's.
            if (passed && Environment.GetEnvironmentVariable("FASTDB_HARNESS_KEEP") != "1")
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task CeilingState_NumbersBodiesInOrder_AndRepeatsTheAnswerOfARetriedBody()
    {
        string root = Directory.CreateTempSubdirectory("ceiling-state-").FullName;
        await using var state = new CeilingState(Path.Combine(root, "state.sock"));
        Assert.Equal("SequenceNumber: 0\n", System.Text.Encoding.UTF8.GetString(state.Answer("CREATE TABLE t(a INT)")));
        Assert.Equal("SequenceNumber: 1\n", System.Text.Encoding.UTF8.GetString(state.Answer("INSERT INTO t VALUES(1)")));
        Assert.Equal("SequenceNumber: 1\n", System.Text.Encoding.UTF8.GetString(state.Answer("INSERT INTO t VALUES(1)")));
        Assert.Equal("SequenceNumber: 2\n1\n", System.Text.Encoding.UTF8.GetString(state.Answer("SELECT count(*) FROM t")));
        Assert.Equal(3, state.Answered);
    }
}
