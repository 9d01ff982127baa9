using System.Buffers;
using System.Text;
using FastDb.QueryEngine;
using FastDb.Server.Replication;
using FastDb.Server.StateMachine;
using FastDb.Server.Storage;
using FastDb.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Server.Tests.Unit;

public sealed class StateMachineTests
{
    private static ulong _counter;

    /// <summary>A request as a proposer stamps it; <paramref name="matchAfter"/> 0 lets applying match any earlier same body.</summary>
    internal static ClientRequest Request(string script, long timestampMs = 1000, string? key = null, ulong origin = 1, ulong matchAfter = 0)
    {
        var buffer = new ArrayBufferWriter<byte>();
        SqlCommand.Recognize(script + ";").WriteTo(buffer);
        return ClientRequest.Create(new RequestId(origin, Interlocked.Increment(ref _counter)), key, timestampMs,
            buffer.WrittenSpan.ToArray(), matchAfter);
    }

    private static ReplicatedStateMachine NewMachine() => new(dedupMaxCount: 1000, dedupMaxAgeMs: 60_000);

    [Fact]
    public void Apply_NumbersEveryExecutedRequest_FailedOnesIncluded()
    {
        var machine = NewMachine();
        Assert.Equal(new Answer(0, ""), machine.Apply(1, Request(CtfWorkload.BootScript).ToBytes()));
        var failed = machine.Apply(2, Request("SELECT * FROM nope").ToBytes());
        Assert.Equal(1UL, failed!.Value.SequenceNumber);
        Assert.StartsWith("Parse error near line 1: no such table: nope", failed.Value.Body, StringComparison.Ordinal);
        Assert.Equal(2UL, machine.Apply(3, Request(CtfWorkload.RandomUpdate(new Random(1))).ToBytes())!.Value.SequenceNumber);
        Assert.Equal(3UL, machine.AppliedIndex);
        Assert.Equal(3UL, machine.NextSequenceNumber);
    }

    [Fact]
    public void ReSentBody_IsAnsweredFromTheWindow_WithoutRunningAgain()
    {
        var machine = NewMachine();
        machine.Apply(1, Request(CtfWorkload.BootScript).ToBytes());
        var update = CtfWorkload.RandomUpdate(new Random(2));
        var first = machine.Apply(2, Request(update, 2000).ToBytes());
        var again = machine.Apply(3, Request(update, 3000).ToBytes()); // another id, same body
        Assert.Equal(first, again);
        Assert.Equal(2UL, machine.NextSequenceNumber);
        Assert.Equal(AdmissionKind.AlreadyAnswered, new PendingRequests(machine).Admit(Request(update, 4000)).Kind);
    }

    [Fact]
    public void Now_and_random_are_fixed_by_the_entry_the_same_on_every_machine()
    {
        // 1,700,000,000,123 ms is 2023-11-14 22:13:20.123 UTC; the entry carries it, whatever the applying node's clock.
        var entry = Request("CREATE TABLE r(t, v); INSERT INTO r VALUES(datetime('now'), random()); SELECT t, v, strftime('%f') FROM r", 1_700_000_000_123).ToBytes();
        var a = NewMachine().Apply(1, entry)!.Value.Body;
        var b = NewMachine().Apply(1, entry)!.Value.Body;
        Assert.Equal(a, b);
        Assert.StartsWith("2023-11-14 22:13:20|", a, StringComparison.Ordinal);
        Assert.EndsWith("|20.123\n", a, StringComparison.Ordinal);
        var other = NewMachine().Apply(1, Request("SELECT random()", 1_700_000_000_123).ToBytes())!.Value.Body;
        Assert.NotEqual(a.Split('|')[1], other.TrimEnd('\n'));
    }

    [Fact]
    public void TwoMachines_ApplyingTheSameLog_GiveTheSameAnswers()
    {
        var random = new Random(3);
        var log = new List<byte[]> { Request(CtfWorkload.BootScript).ToBytes() };
        for (var i = 0; i < 50; i++) log.Add(Request(CtfWorkload.RandomUpdate(random), 1000 + i).ToBytes());
        log.Add(log[10]); // a duplicate in the log
        var a = NewMachine();
        var b = NewMachine();
        for (var i = 0; i < log.Count; i++)
            Assert.Equal(a.Apply((ulong)i + 1, log[i]), b.Apply((ulong)i + 1, log[i]));
        Assert.Equal(51UL, a.NextSequenceNumber);
    }

    [Fact]
    public void Snapshot_RestoresDatabaseSequenceAndWindow()
    {
        var machine = NewMachine();
        var random = new Random(4);
        machine.Apply(1, Request(CtfWorkload.BootScript).ToBytes());
        var update = CtfWorkload.RandomUpdate(random);
        var original = machine.Apply(2, Request(update, 2000).ToBytes());
        using var stream = new MemoryStream();
        machine.WriteSnapshot(stream);

        var restored = NewMachine();
        stream.Position = 0;
        restored.ReadSnapshot(stream);
        Assert.Equal(2UL, restored.AppliedIndex);
        Assert.Equal(2UL, restored.NextSequenceNumber);
        Assert.Equal(original, restored.Apply(3, Request(update, 2500).ToBytes()));
        var next = CtfWorkload.RandomUpdate(random);
        Assert.Equal(machine.Apply(3, Request(next).ToBytes()), restored.Apply(4, Request(next).ToBytes()));
    }

    [Fact]
    public void BadSnapshotBytes_AreAFormatError()
    {
        Assert.Throws<FormatException>(() => NewMachine().ReadSnapshot(new MemoryStream([1, 2, 3])));
        Assert.Throws<FormatException>(() => NewMachine().ReadSnapshot(new MemoryStream("FDSM1\n"u8.ToArray())));
    }

    [Fact]
    public async Task WaitForAsync_CompletesWhenThatRequestIdIsApplied()
    {
        var machine = NewMachine();
        var requests = new PendingRequests(machine);
        var request = Request("SELECT * FROM nope");
        var waiting = requests.WaitForAsync(request.Id, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        machine.Apply(1, request.ToBytes());
        Assert.Equal(0UL, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).SequenceNumber);
        Assert.True(requests.WaitForAsync(request.Id, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Abandon_CancelsTheWaiters_SoTheRequestCanBeAdmittedAgain()
    {
        var machine = NewMachine();
        var request = Request("SELECT * FROM nope");
        var requests = new PendingRequests(machine);
        var admission = requests.Admit(request);
        requests.Abandon(request.Id);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admission.Answer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(requests.Admit(Request("SELECT * FROM nope")).MustPropose);
    }

    [Fact]
    public void UnreadablePayload_IsSkippedWithoutASequenceNumber()
    {
        var machine = NewMachine();
        Assert.Null(machine.Apply(1, new byte[] { 99, 1, 2 }));
        Assert.Equal(1UL, machine.AppliedIndex);
        Assert.Equal(0UL, machine.NextSequenceNumber);
    }

    [Fact]
    public void OutOfOrderApply_IsRefused()
    {
        var machine = NewMachine();
        machine.ApplyNoop(5);
        Assert.Throws<InvalidOperationException>(() => machine.Apply(5, Request("SELECT * FROM nope").ToBytes()));
    }
}
