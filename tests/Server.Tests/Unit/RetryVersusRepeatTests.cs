using FastDb.Server.StateMachine;
using FastDb.Server.Tests.Support;

namespace FastDb.Server.Tests.Unit;

/// <summary>
/// The dedup window tells a client's retry of a request whose answer it never got (octopus: same body, same node,
/// after a broken connection or a restart) from a user repeating a script on purpose (a fresh answer each time).
/// Each test drives <see cref="PendingRequests.SubmitAsync"/> with a proposer that appends to a list standing
/// in for the log, then applies that log.
/// </summary>
public sealed class RetryVersusRepeatTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private sealed class Node
    {
        public ReplicatedStateMachine Machine { get; } = new(dedupMaxCount: 1000, dedupMaxAgeMs: 60_000);
        public PendingRequests Requests { get; }
        public Node() => Requests = new PendingRequests(Machine);
        public List<byte[]> Log { get; } = new();
        private int _applied;

        public ValueTask<Answer> Submit(string script, CancellationToken cancellationToken = default) =>
            Requests.SubmitAsync(StateMachineTests.Request(script), (r, _) =>
            {
                lock (Log) Log.Add(r.ToBytes());
                return true;
            }, cancellationToken);

        /// <summary>Applies everything proposed so far, in order.</summary>
        public void ApplyAll()
        {
            lock (Log)
                for (; _applied < Log.Count; _applied++) Machine.Apply((ulong)_applied + 1, Log[_applied]);
        }

        public async Task<Answer> SubmitAndApply(string script)
        {
            var waiting = Submit(script);
            ApplyAll();
            return await waiting.AsTask().WaitAsync(Patience);
        }

        public void Deliver(string script, Answer answer) =>
            Machine.MarkDelivered(StateMachineTests.Request(script).Digest, answer); // the digest of its command, as SqlHandler has it
    }

    private static async Task<Node> BootedNode()
    {
        var node = new Node();
        await node.SubmitAndApply("CREATE TABLE t(a INT)");
        return node;
    }

    [Fact]
    public async Task ARepeatedSelect_AfterItsAnswerWasDelivered_GetsAFreshAnswer()
    {
        var node = await BootedNode();
        var first = await node.SubmitAndApply("SELECT count(*) FROM t");
        node.Deliver("SELECT count(*) FROM t", first);
        await node.SubmitAndApply("INSERT INTO t VALUES(1)");
        var second = await node.SubmitAndApply("SELECT count(*) FROM t");
        Assert.Equal("0\n", first.Body);
        Assert.Equal("1\n", second.Body);
        Assert.Equal(first.SequenceNumber + 2, second.SequenceNumber);
    }

    [Fact]
    public async Task ARetry_OfAnAnswerNeverDelivered_GetsTheOriginal()
    {
        var node = await BootedNode();
        var first = await node.SubmitAndApply("UPDATE t SET a = a + 1");
        // Not delivered (the client's connection broke): the same body again is its retry.
        var retry = node.Submit("UPDATE t SET a = a + 1");
        Assert.True(retry.IsCompleted);
        Assert.Equal(first, await retry);
        Assert.Equal(first.SequenceNumber + 1, node.Machine.NextSequenceNumber);
    }

    [Fact]
    public async Task ARetry_WhileTheOriginalIsInFlightAndItsClientLeft_JoinsIt()
    {
        var node = await BootedNode();
        using var leaves = new CancellationTokenSource();
        var original = node.Submit("INSERT INTO t VALUES(7)", leaves.Token);
        leaves.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await original);
        var retry = node.Submit("INSERT INTO t VALUES(7)");
        Assert.False(retry.IsCompleted);
        node.ApplyAll();
        var answer = await retry.AsTask().WaitAsync(Patience);
        Assert.Equal(2, node.Log.Count); // boot + one INSERT: the retry was not proposed
        Assert.Equal(1UL, answer.SequenceNumber);
    }

    [Fact]
    public async Task TwoClients_SendingTheSameBodyAtOnce_AreTwoRequests()
    {
        var node = await BootedNode();
        var a = node.Submit("INSERT INTO t VALUES(1)");
        var b = node.Submit("INSERT INTO t VALUES(1)"); // a's client is still waiting: b is somebody else
        node.ApplyAll();
        var answers = await Task.WhenAll(a.AsTask(), b.AsTask()).WaitAsync(Patience);
        Assert.NotEqual(answers[0].SequenceNumber, answers[1].SequenceNumber);
        var count = await node.SubmitAndApply("SELECT count(*) FROM t");
        Assert.Equal("2\n", count.Body);
    }

    [Fact]
    public async Task ARetryAfterARestart_OfARequestStillOnItsWayToTheLog_IsRecognizedWhenApplied()
    {
        // The node proposed the original and restarted before applying it: its waiters are gone, and the retry
        // arrives while the original is still ahead in the log. Applying recognizes the retry by its body.
        var node = await BootedNode();
        _ = node.Submit("UPDATE t SET a = 5");
        var original = node.Log[1];
        var restarted = new Node();
        restarted.Log.Add(node.Log[0]);
        restarted.ApplyAll();                     // replays the boot; the UPDATE is not applied here yet
        var retry = restarted.Submit("UPDATE t SET a = 5");
        restarted.Log.Insert(1, original);        // the original comes first in the log, the retry after it
        restarted.ApplyAll();
        var answer = await retry.AsTask().WaitAsync(Patience);
        Assert.Equal(1UL, answer.SequenceNumber);
        Assert.Equal(2UL, restarted.Machine.NextSequenceNumber); // the UPDATE ran once
    }

    [Fact]
    public async Task EveryNode_DecidesTheSame_FromTheLogAlone()
    {
        var node = await BootedNode();
        var random = new Random(11);
        for (var i = 0; i < 40; i++)
        {
            var script = i % 3 == 0 ? "SELECT count(*) FROM t" : CtfWorkload.RandomUpdate(random).Replace("ctf3", "t", StringComparison.Ordinal);
            var answer = await node.SubmitAndApply(script);
            if (i % 2 == 0) node.Deliver(script, answer);
        }
        var replica = new ReplicatedStateMachine(1000, 60_000);
        for (var i = 0; i < node.Log.Count; i++) replica.Apply((ulong)i + 1, node.Log[i]);
        Assert.Equal(node.Machine.NextSequenceNumber, replica.NextSequenceNumber);
        Assert.Equal(node.Machine.DedupCount, replica.DedupCount);
    }

    [Fact]
    public async Task ASnapshotThatCoversAPendingRequest_AnswersItsWaiter()
    {
        var node = await BootedNode();
        var waiting = node.Submit("INSERT INTO t VALUES(3)");
        var leader = new ReplicatedStateMachine(1000, 60_000);
        for (var i = 0; i < node.Log.Count; i++) leader.Apply((ulong)i + 1, node.Log[i]);
        using var image = new MemoryStream();
        leader.WriteSnapshot(image);
        image.Position = 0;
        node.Machine.ReadSnapshot(image); // a follower installing the leader's snapshot skips the entry
        var answer = await waiting.AsTask().WaitAsync(Patience);
        Assert.Equal(1UL, answer.SequenceNumber);
        Assert.Equal(0, node.Requests.Count);
    }
}
