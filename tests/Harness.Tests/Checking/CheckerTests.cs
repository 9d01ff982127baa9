using System.Text;
using FastDb.Harness.Checking;
using FastDb.Harness.Monkeys;
using FastDb.Harness.Network;
using FastDb.Harness.Reporting;
using FastDb.Harness.Scoring;
using FastDb.Harness.Workload;

namespace FastDb.Harness.Tests.Checking;

/// <summary>The checker's parsing, sequence rules and comparison, with octopus's exact disqualification messages.</summary>
public sealed class CheckerTests
{
    private sealed class ScriptedOracle : IAnswerOracle
    {
        public readonly List<string> Executed = new();
        public Func<string, byte[]> Answer = q => Encoding.UTF8.GetBytes("out:" + q + "\n");

        public Task<byte[]> ExpectedAsync(string query, CancellationToken token)
        {
            Executed.Add(query);
            return Task.FromResult(Answer(query));
        }

        public void Dispose() { }
    }

    private sealed class Fixture
    {
        public readonly ScriptedOracle Oracle = new();
        public readonly Scoreboard Score = new(new TrafficStats(), 30, 5);
        public readonly ProgressWatch Progress = new();
        public readonly List<string> Disqualifications = new();
        public readonly Checker Checker;

        public Fixture()
        {
            Checker = new Checker(Oracle, Score, Progress, new RunTimeline(), _ => { }, (reason, _) => Disqualifications.Add(reason));
        }

        public Task<bool> Send(long seq, string query, string? body = null, int node = 1, long generation = 0) =>
            Checker.HandleAsync(Answer(seq, query, body, node, generation), CancellationToken.None);

        public static Answer Answer(long seq, string query, string? body = null, int node = 1, long generation = 0) =>
            new(node, query, generation, 0, 0, Encoding.UTF8.GetBytes($"SequenceNumber: {seq}\n{body ?? "out:" + query + "\n"}"));
    }

    [Fact]
    public async Task AnswersAreCheckedInSequenceOrder_GapsWaitUntilFilled()
    {
        var f = new Fixture();
        Assert.True(await f.Send(1, "q1"));
        Assert.True(await f.Send(2, "q2"));
        Assert.Empty(f.Oracle.Executed); // waiting on 0
        Assert.Equal(0, f.Score.CorrectQueries);
        Assert.True(await f.Send(0, "q0"));
        Assert.Equal(["q0", "q1", "q2"], f.Oracle.Executed);
        Assert.Equal(3, f.Score.CorrectQueries);
        Assert.Equal(3, f.Checker.NextSequenceNumber);
        Assert.Empty(f.Disqualifications);
    }

    [Fact]
    public async Task AlreadyProcessedNumber_Disqualifies()
    {
        var f = new Fixture();
        Assert.True(await f.Send(0, "q0"));
        Assert.False(await f.Send(0, "again", body: "x"));
        Assert.Equal("[0] Received an already-processed sequence number from Agent<node1> in response to again\n\nOutput: \"\"\"\nSequenceNumber: 0\nx\"\"\"",
            Assert.Single(f.Disqualifications));
    }

    [Fact]
    public async Task StillPendingNumber_Disqualifies_QuotingBothExchanges()
    {
        var f = new Fixture();
        Assert.True(await f.Send(5, "first", body: "a\n", node: 2));
        Assert.False(await f.Send(5, "second", body: "b\n", node: 3));
        Assert.Equal(
            "[5] Received a still-pending sequence number from Agent<node3> in response to second\n\n" +
            "Output: \"\"\"\nSequenceNumber: 5\nb\n\"\"\"\n\n" +
            "This sequence number was originally received in response to first\n\n" +
            "Original output: \"\"\"\nSequenceNumber: 5\na\n\"\"\"",
            Assert.Single(f.Disqualifications));
    }

    [Fact]
    public async Task WrongOutput_Disqualifies_WithBothOutputs()
    {
        var f = new Fixture();
        f.Oracle.Answer = _ => Encoding.UTF8.GetBytes("right\n");
        Assert.False(await f.Send(0, "q", body: "wrong\n", node: 4));
        Assert.Equal("[0] Received incorrect output from Agent<node4> for query q\n\nOutput: \"\"\"\nwrong\n\"\"\"\n\nCorrect output: \"\"\"\nright\n\"\"\"",
            Assert.Single(f.Disqualifications));
        Assert.Equal(0, f.Score.CorrectQueries);
    }

    [Fact]
    public async Task UnexecutableStatement_Disqualifies()
    {
        var f = new Fixture();
        f.Oracle.Answer = _ => throw new OracleException("sqlite3 exited with status 139");
        Assert.False(await f.Send(0, "q", node: 0));
        Assert.Equal("[0] Could not execute statement that Agent<node0> claimed was fine: sqlite3 exited with status 139",
            Assert.Single(f.Disqualifications));
    }

    [Theory]
    [InlineData("Hello", "Could not parse response: \"Hello\"")]
    [InlineData("SequenceNumber: 1", "Could not parse response: \"SequenceNumber: 1\"")]
    [InlineData("SequenceNumber: \n", "Could not parse response: \"SequenceNumber: \\n\"")]
    [InlineData("SequenceNumber: -1\nx", "Could not parse response: \"SequenceNumber: -1\\nx\"")]
    [InlineData(" SequenceNumber: 1\n", "Could not parse response: \" SequenceNumber: 1\\n\"")]
    [InlineData("SequenceNumber: 99999999999999999999\n", "strconv.Atoi: parsing \"99999999999999999999\": value out of range")]
    public async Task MalformedResponse_Disqualifies(string response, string message)
    {
        var f = new Fixture();
        var answer = new Answer(1, "q", 0, 0, 0, Encoding.UTF8.GetBytes(response));
        Assert.False(await f.Checker.HandleAsync(answer, CancellationToken.None));
        Assert.Equal(message, Assert.Single(f.Disqualifications));
    }

    [Fact]
    public void Parser_TakesEverythingAfterTheFirstNewline_IncludingMoreNewlines()
    {
        (ResponseParser.Parsed? parsed, string? error) = ResponseParser.Parse(Encoding.UTF8.GetBytes("SequenceNumber: 42\na|1\n\nb|2\n"));
        Assert.Null(error);
        Assert.Equal(42, parsed!.Value.SequenceNumber);
        Assert.Equal("a|1\n\nb|2\n", Encoding.UTF8.GetString(parsed.Value.Body));
    }

    [Fact]
    public async Task ValidAnswers_ReleaseSpofWaiters_OnlyForRequestsGeneratedAfterTheCut()
    {
        var f = new Fixture();
        for (int i = 0; i < 10; i++) f.Progress.NextGeneration();
        Task wait = f.Progress.WaitForAnswerFrom(8, CancellationToken.None);
        Assert.True(await f.Send(0, "old", generation: 3));
        Assert.False(wait.IsCompleted);
        Assert.True(await f.Send(1, "new", generation: 8));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task QueueHoldsFiveAnswers_AndBlocksTheSixth()
    {
        var f = new Fixture();
        for (int i = 0; i < Checker.QueueCapacity; i++)
            Assert.True(f.Checker.DeliverAsync(Fixture.Answer(i, "q"), CancellationToken.None).IsCompletedSuccessfully);
        ValueTask sixth = f.Checker.DeliverAsync(Fixture.Answer(5, "q"), CancellationToken.None);
        Assert.False(sixth.IsCompleted);
        using var stop = new CancellationTokenSource();
        Task loop = f.Checker.RunAsync(stop.Token);
        await sixth.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        for (int i = 0; i < 100 && f.Score.CorrectQueries < 6; i++) await Task.Delay(20);
        Assert.Equal(6, f.Score.CorrectQueries);
        stop.Cancel();
        await loop.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
