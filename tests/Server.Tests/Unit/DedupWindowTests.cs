using FastDb.Server.StateMachine;

namespace FastDb.Server.Tests.Unit;

public sealed class DedupWindowTests
{
    private static ClientRequest Request(ulong counter, string body, long timestampMs, string? key = null) =>
        new(new RequestId(1, counter), key, BodyDigest.Of(System.Text.Encoding.UTF8.GetBytes(body)), timestampMs, ReadOnlyMemory<byte>.Empty);

    private static void Add(DedupWindow window, ClientRequest r, ulong sequence) =>
        window.Add(new DedupWindow.Record(r.Id, r.IdempotencyKey, r.Digest, r.TimestampMs, new Answer(sequence, $"body {sequence}")));

    [Fact]
    public void SameBody_DifferentRequestId_WithinTheWindow_FindsTheOriginal()
    {
        var window = new DedupWindow(100, 10_000);
        Add(window, Request(1, "UPDATE x", 1000), 0);
        Assert.True(window.TryFind(Request(2, "UPDATE x", 5000), out var answer));
        Assert.Equal(new Answer(0, "body 0"), answer);
        Assert.False(window.TryFind(Request(3, "UPDATE y", 5000), out _));
    }

    [Fact]
    public void SameBody_OlderThanTheTimeBound_RunsAgain()
    {
        var window = new DedupWindow(100, 10_000);
        Add(window, Request(1, "UPDATE x", 1000), 0);
        Assert.False(window.TryFind(Request(2, "UPDATE x", 11_001), out _));
    }

    [Fact]
    public void CountBound_EvictsTheOldest()
    {
        var window = new DedupWindow(2, 10_000);
        Add(window, Request(1, "a", 1), 0);
        Add(window, Request(2, "b", 2), 1);
        Add(window, Request(3, "c", 3), 2);
        Assert.Equal(2, window.Count);
        Assert.False(window.TryFind(Request(9, "a", 4), out _));
        Assert.True(window.TryFind(Request(9, "c", 4), out _));
    }

    [Fact]
    public void TimeBound_EvictsByTheNewestLogTimestamp()
    {
        var window = new DedupWindow(100, 1000);
        Add(window, Request(1, "a", 0), 0);
        Add(window, Request(2, "b", 2000), 1);
        Assert.Equal(1, window.Count);
        Assert.False(window.TryFindById(new RequestId(1, 1), out _));
    }

    [Fact]
    public void Keys_MatchByKeyOnly_AndKeyedRequestsAreNotMatchedByBody()
    {
        var window = new DedupWindow(100, 10_000);
        Add(window, Request(1, "same body", 1, key: "k1"), 0);
        Assert.True(window.TryFind(Request(2, "other body", 2, key: "k1"), out var answer));
        Assert.Equal(0UL, answer.SequenceNumber);
        Assert.False(window.TryFind(Request(3, "same body", 2, key: "k2"), out _));
        Assert.False(window.TryFind(Request(4, "same body", 2), out _));
    }

    [Fact]
    public void SameRequestId_IsAlwaysADuplicate()
    {
        var window = new DedupWindow(100, 10);
        Add(window, Request(1, "a", 0), 0);
        Assert.True(window.TryFind(Request(1, "anything", 5), out _));
    }

    [Fact]
    public void ZeroCount_TurnsDedupOff()
    {
        var window = new DedupWindow(0, 10_000);
        Add(window, Request(1, "a", 0), 0);
        Assert.False(window.TryFind(Request(1, "a", 0), out _));
    }
}
