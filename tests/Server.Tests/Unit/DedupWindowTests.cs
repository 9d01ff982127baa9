using FastDb.Server.StateMachine;

namespace FastDb.Server.Tests.Unit;

public sealed class DedupWindowTests
{
    private static ClientRequest Request(ulong counter, string body, long timestampMs, string? key = null, ulong matchAfter = 0, ulong origin = 1) =>
        new(new RequestId(origin, counter), key, BodyDigest.Of(System.Text.Encoding.UTF8.GetBytes(body)), timestampMs, ReadOnlyMemory<byte>.Empty, matchAfter);

    /// <summary>Adds r as applied at log index sequence + 1.</summary>
    private static DedupWindow.Record Add(DedupWindow window, ClientRequest r, ulong sequence, string? body = null)
    {
        var record = new DedupWindow.Record(r.Id, r.IdempotencyKey, r.Digest, r.TimestampMs, sequence + 1, new Answer(sequence, body ?? $"body {sequence}"));
        window.Add(record);
        return record;
    }

    [Fact]
    public void SameBody_DifferentRequestId_WithinTheWindow_FindsTheOriginal()
    {
        var window = new DedupWindow(100, 10_000);
        Add(window, Request(1, "UPDATE x", 1000), 0);
        Assert.True(window.TryFind(Request(2, "UPDATE x", 5000), out var record));
        Assert.Equal(new Answer(0, "body 0"), record.Answer);
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
        Assert.True(window.TryFind(Request(2, "other body", 2, key: "k1"), out var record));
        Assert.Equal(0UL, record.Answer.SequenceNumber);
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

    [Fact]
    public void BodyMatch_OnlyCountsApplicationsAfterTheProposersPoint_AndFromTheSameOrigin()
    {
        var window = new DedupWindow(100, 10_000);
        Add(window, Request(1, "SELECT count(*) FROM t", 1000), 4); // applied at index 5
        Assert.True(window.TryFind(Request(2, "SELECT count(*) FROM t", 2000, matchAfter: 4), out _));
        Assert.False(window.TryFind(Request(3, "SELECT count(*) FROM t", 2000, matchAfter: 5), out _));
        Assert.False(window.TryFind(Request(4, "SELECT count(*) FROM t", 2000, matchAfter: ClientRequest.NeverMatchBody), out _));
        Assert.False(window.TryFind(Request(5, "SELECT count(*) FROM t", 2000, matchAfter: 0, origin: 2), out _));
    }

    [Fact]
    public void Undelivered_IsFoundForTheOriginOnly_UntilDelivered()
    {
        var window = new DedupWindow(100, 10_000);
        var r = Request(1, "UPDATE x", 1000);
        Add(window, r, 0);
        Assert.True(window.TryFindUndelivered(r.Digest, origin: 1, nowMs: 2000, out _));
        Assert.False(window.TryFindUndelivered(r.Digest, origin: 2, nowMs: 2000, out _));
        Assert.False(window.TryFindUndelivered(r.Digest, origin: 1, nowMs: 12_000, out _));
        window.MarkDelivered(r.Digest, sequenceNumber: 7); // not that answer
        Assert.True(window.TryFindUndelivered(r.Digest, origin: 1, nowMs: 2000, out _));
        window.MarkDelivered(r.Digest, sequenceNumber: 0);
        Assert.False(window.TryFindUndelivered(r.Digest, origin: 1, nowMs: 2000, out _));
    }

    [Fact]
    public void AnswerBytes_AreBounded_AndAnOverlongAnswerIsNotKept()
    {
        var window = new DedupWindow(100_000, 10_000);
        var big = new string('x', DedupWindow.MaxKeptAnswerChars);
        var count = (int)(DedupWindow.MaxAnswerChars / DedupWindow.MaxKeptAnswerChars) * 2;
        for (var i = 0; i < count; i++) Add(window, Request((ulong)i + 1, $"q{i}", 1000), (ulong)i, big);
        Assert.True(window.AnswerChars <= DedupWindow.MaxAnswerChars, $"{window.AnswerChars} chars held");
        Assert.True(window.Count < count);
        Assert.True(window.TryFindById(new RequestId(1, (ulong)count), out var newest));
        Assert.True(newest.Answer.Held);

        var huge = Add(window, Request(100_000, "huge", 1000), 99_999, new string('y', DedupWindow.MaxKeptAnswerChars + 1));
        Assert.True(window.TryFindById(huge.Id, out var kept));
        Assert.False(kept.Answer.Held);
        Assert.Equal(99_999UL, kept.Answer.SequenceNumber);
        Assert.Equal("", kept.Answer.Body);
    }
}
