using FastDb.Raft;
using FastDb.Server.Cluster;
using Xunit.Abstractions;

namespace FastDb.HostSimulation.Tests;

/// <summary>
/// The leader's batch window (ClusterOptions.BatchWindowMs, RequestRouter): requests that reach the leader within
/// the window go out as one append, so appends and their acknowledgements per answer fall, and the requests are still
/// all answered, the last one of a quiet spell included (the window closes on its own, with no input to wake the loop).
/// </summary>
public sealed class BatchWindowTests(ITestOutputHelper output)
{
    private static SimCluster Cluster(int seed, int batchMs, int clients) => new(new SimOptions
    {
        Nodes = 5, Clients = clients, Faults = false, DiskFaults = false, CrashFaults = false, DropRate = 0, DupRate = 0,
        SnapshotEveryEntries = 10_000, BatchWindowMs = batchMs, WorkloadMs = 4_000,
    }, seed);

    /// <summary>Entries per append frame a leader sent, and answers, over 4 s of 20 clients.</summary>
    private static (double EntriesPerAppend, int Answered) Measure(int seed, int batchMs)
    {
        using var c = Cluster(seed, batchMs, clients: 20);
        long appends = 0, entries = 0;
        c.WireTap = (from, to, type, payload) =>
        {
            if (type != PeerFrames.Raft) return;
            var m = MessageCodec.Read(payload, (ulong)from + 1, (ulong)to + 1);
            if (m.Type != MessageType.Append || m.Entries is not { Count: > 0 } list) return;
            appends++;
            entries += list.Count;
        };
        c.StartClients();
        c.RunFor(4_000);
        return ((double)entries / Math.Max(1, appends), c.Answered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_window_puts_more_requests_in_each_append_and_answers_as_many(int seed)
    {
        var (without, answeredWithout) = Measure(seed, 0);
        var (with, answeredWith) = Measure(seed, 5);
        output.WriteLine($"seed {seed}: entries per append {without:F2} without a window, {with:F2} with 5 ms; answered {answeredWithout} / {answeredWith}");
        Assert.True(with > without * 1.3, $"entries per append {without:F2} without a window, {with:F2} with one");
        Assert.True(answeredWith > answeredWithout * 0.95, $"answered {answeredWithout} without a window, {answeredWith} with one");
    }

    [Fact]
    public void A_lone_request_is_answered_when_its_window_closes()
    {
        using var c = Cluster(3, batchMs: 40, clients: 1);
        c.StartClients();
        c.RunFor(3_000);
        var answered = c.Answered;
        Assert.True(answered > 0, "nothing answered");
        // One client, one request at a time: each waits out a whole window at the leader, so with 40 ms windows it
        // gets fewer answers than without, but every request is answered well inside its client's timeout.
        using var plain = Cluster(3, batchMs: 0, clients: 1);
        plain.StartClients();
        plain.RunFor(3_000);
        output.WriteLine($"one client, 3 s: {answered} answered with a 40 ms window, {plain.Answered} without");
        Assert.True(answered < plain.Answered, "the window cost nothing: is it applied?");
        Assert.True(answered > plain.Answered / 3, "requests waited far longer than the window");
        Assert.Equal(0, c.GaveUp);
    }
}
