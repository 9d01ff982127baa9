using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace FastDb.Forwarder.Tests;

/// <summary>Links through proxies that keep killing connections mid-stream while several threads send.</summary>
public class ChaosTests
{
    private delegate void FrameCheck(string peer, ReadOnlySpan<byte> payload);

    private sealed class CheckingHandler(FrameCheck check) : IFrameHandler
    {
        public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload) =>
            check(peerName, payload);
    }

    /// <summary>Payload for frame <paramref name="id"/>: its id, then filler derived from it, 0..3000 bytes long.</summary>
    private static int Fill(Span<byte> buffer, ulong id)
    {
        int length = 8 + (int)(id * 2654435761UL % 3000);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, id);
        for (int i = 8; i < length; i++)
            buffer[i] = (byte)(id + (ulong)i);
        return length;
    }

    [Fact]
    public async Task Frames_survive_repeated_kills_intact_unique_and_flowing_afterwards()
    {
        using var dir = new SocketDir();
        var log = new ListLogger();
        var seen = new ConcurrentDictionary<(string, ulong), byte>();
        var latest = new ConcurrentDictionary<string, long>(); // highest id received per sender
        int corrupt = 0, duplicates = 0;
        string? firstCorrupt = null; // what the first bad frame looked like: the assertion message says it
        var handler = new CheckingHandler((peer, payload) =>
        {
            if (payload.Length < 8)
            {
                Interlocked.Increment(ref corrupt);
                Interlocked.CompareExchange(ref firstCorrupt, $"{peer}: a {payload.Length}-byte payload", null);
                return;
            }
            ulong id = BinaryPrimitives.ReadUInt64LittleEndian(payload); // the frame's id, as Fill wrote it
            var expected = new byte[8 + 3000];
            int length = Fill(expected, id);
            if (!payload.SequenceEqual(expected.AsSpan(0, length)))
            {
                Interlocked.Increment(ref corrupt);
                int at = payload.CommonPrefixLength(expected.AsSpan(0, length));
                Interlocked.CompareExchange(ref firstCorrupt,
                    $"{peer}: id {id}, {payload.Length} bytes where {length} were sent, first difference at byte {at}", null);
            }
            if (!seen.TryAdd((peer, id), 0))
                Interlocked.Increment(ref duplicates);
            latest.AddOrUpdate(peer, (long)id, (_, old) => Math.Max(old, (long)id));
        });
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, log);
        listener.Start();

        const int Senders = 3;
        var proxies = new TestProxy[Senders];
        var links = new PeerLink[Senders];
        var options = new PeerLinkOptions { InitialReconnectDelay = TimeSpan.FromMilliseconds(1), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) };
        for (int s = 0; s < Senders; s++)
        {
            proxies[s] = new TestProxy(dir.Socket($"p{s}.sock"), dir.Socket("node0.sock"));
            links[s] = new PeerLink($"./node{s + 1}.sock", dir.Socket($"p{s}.sock"), log, options);
            links[s].Start();
        }
        try
        {
            using var chaos = new CancellationTokenSource();
            long nextId = 0;
            var senders = links.SelectMany(link => Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                var buffer = new byte[8 + 3000];
                for (int i = 0; i < 20_000 && !chaos.IsCancellationRequested; i++)
                {
                    ulong id = (ulong)Interlocked.Increment(ref nextId);
                    int length = Fill(buffer, id);
                    link.TrySend(1, buffer.AsSpan(0, length));
                    if (i % 64 == 0)
                        await Task.Delay(1);
                }
            }))).ToArray();
            var rng = new Random(42);
            for (int round = 0; round < 20; round++) // ~20 kills over ~1 s, some mid-frame, some refusing for a while
            {
                await Task.Delay(rng.Next(10, 80));
                var proxy = proxies[rng.Next(Senders)];
                proxy.Refuse = rng.Next(3) == 0;
                proxy.KillAll();
                if (proxy.Refuse)
                {
                    await Task.Delay(rng.Next(5, 50));
                    proxy.Refuse = false;
                }
            }
            chaos.Cancel();
            await Task.WhenAll(senders);

            Assert.True(corrupt == 0, $"{corrupt} corrupt frames; the first: {firstCorrupt}");
            Assert.Equal(0, duplicates);
            Assert.Contains(log.Lines, l => l.Contains("inside a frame", StringComparison.Ordinal) || l.Contains("disconnected", StringComparison.Ordinal));

            // After the chaos every link delivers again.
            var buffer = new byte[8 + 3000];
            foreach (var link in links)
            {
                long firstProbe = Interlocked.Increment(ref nextId);
                await Wait.UntilAsync(() =>
                {
                    ulong id = (ulong)Interlocked.Increment(ref nextId);
                    link.TrySend(1, buffer.AsSpan(0, Fill(buffer, id)));
                    return latest.GetValueOrDefault(link.LocalName) >= firstProbe;
                }, $"{link.LocalName} delivers after the chaos");
            }
            Assert.Equal(0, duplicates);
            Assert.Equal(0, corrupt);
            Assert.True(links.All(l => l.ConnectCount > 1), "every link reconnected at least once");
        }
        finally
        {
            foreach (var link in links)
                await link.DisposeAsync();
            foreach (var proxy in proxies)
                await proxy.DisposeAsync();
        }
    }
}
