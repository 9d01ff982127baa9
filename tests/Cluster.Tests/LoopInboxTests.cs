using FastDb.Server.Cluster;

namespace FastDb.Cluster.Tests;

public sealed class LoopInboxTests
{
    [Fact]
    public async Task A_sleeping_reader_is_woken_by_a_post_and_every_item_from_every_writer_arrives_once()
    {
        var inbox = new LoopInbox<int>();
        const int writers = 4, perWriter = 20_000;
        var seen = new bool[writers * perWriter];
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++) inbox.Post(w * perWriter + i);
        })).ToArray();
        var taken = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (taken < seen.Length && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            while (inbox.TryTake(out var item))
            {
                Assert.False(seen[item], $"item {item} arrived twice");
                seen[item] = true;
                taken++;
            }
            // A lost wake-up would show as this wait running its whole 20 s with items queued.
            if (taken < seen.Length) inbox.Wait(20_000);
        }
        await Task.WhenAll(tasks);
        Assert.Equal(seen.Length, taken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the reader slept through posts ({clock.Elapsed})");
    }

    [Fact]
    public void Wait_returns_after_its_timeout_when_nothing_comes_and_at_once_when_something_is_queued()
    {
        var inbox = new LoopInbox<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        inbox.Wait(30);
        Assert.True(clock.ElapsedMilliseconds >= 25, $"returned after {clock.ElapsedMilliseconds} ms");
        inbox.Post("x");
        clock.Restart();
        inbox.Wait(60_000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.True(inbox.TryTake(out var item));
        Assert.Equal("x", item);
    }
}
