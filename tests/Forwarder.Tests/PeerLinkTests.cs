using System.Buffers.Binary;
using System.Net.Sockets;

namespace FastDb.Forwarder.Tests;

/// <summary>Real sockets: PeerLink (Pipelines.Sockets.Unofficial) against the Kestrel-free PeerListener.</summary>
public class PeerLinkTests
{
    private static readonly PeerLinkOptions FastRetry = Retrying(compress: false);

    private static PeerLinkOptions Retrying(bool compress, byte rules = 0) => new()
    {
        ClusterRules = rules,
        InitialReconnectDelay = TimeSpan.FromMilliseconds(2),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(50),
        ConnectTimeout = TimeSpan.FromSeconds(1),
        Compress = compress,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Frames_round_trip_in_order_with_the_sender_name(bool compress)
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, log);
        listener.Start();
        await using var link = new PeerLink("./node1.sock", dir.Socket("node0.sock"), log, Retrying(compress));
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "link connected");

        Assert.True(link.TrySend(7, []));
        Assert.True(link.TrySend(8, "hello"u8));
        var big = new byte[100_000];
        Random.Shared.NextBytes(big); // spans many pipe segments on the receiving side
        Assert.True(link.TrySend(9, big));
        Assert.True(link.TrySend(10, 4, 0x01020304, static (span, v) => BinaryPrimitives.WriteInt32BigEndian(span, v)));

        await Wait.UntilAsync(() => handler.Frames.Count == 4, "4 frames");
        var frames = handler.Frames.ToArray();
        Assert.All(frames, f => Assert.Equal("./node1.sock", f.Peer));
        Assert.Equal(new byte[] { 7, 8, 9, 10 }, frames.Select(f => f.Type));
        Assert.Empty(frames[0].Payload);
        Assert.Equal("hello"u8.ToArray(), frames[1].Payload);
        Assert.Equal(big, frames[2].Payload);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, frames[3].Payload);
        Assert.Equal(["./node1.sock"], handler.Connected);
        Assert.Equal(4, link.FramesSent);
    }

    [Fact]
    public async Task A_peer_with_other_cluster_rules_is_refused_and_one_with_the_same_served()
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, log,
            new PeerProtocolOptions { ClusterRules = 2, DescribeClusterRules = r => $"quorum {r}" });
        listener.Start();
        await using (var majority = new PeerLink("./node1.sock", dir.Socket("node0.sock"), log, FastRetry))
        {
            majority.Start();
            await Wait.UntilAsync(() => log.Lines.Any(l => l.Contains("other cluster rules")), "the refusal logged");
            majority.TrySend(7, "x"u8);
            await Task.Delay(100);
        }
        Assert.Contains(log.Lines, l => l.Contains("quorum 0; this node: quorum 2"));
        Assert.Empty(handler.Frames);

        await using var same = new PeerLink("./node2.sock", dir.Socket("node0.sock"), log, Retrying(compress: true, rules: 2));
        same.Start();
        await Wait.UntilAsync(() => same.IsConnected, "link connected");
        Assert.True(same.TrySend(8, "y"u8));
        await Wait.UntilAsync(() => handler.Frames.Count == 1, "1 frame");
        Assert.Equal(("./node2.sock", (byte)8), (handler.Frames.Single().Peer, handler.Frames.Single().Type));
    }

    [Fact]
    public async Task With_AutoFlush_off_frames_wait_for_Flush_and_go_out_as_one_batch()
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, new ListLogger());
        listener.Start();
        await using var link = new PeerLink("./node1.sock", dir.Socket("node0.sock"), new ListLogger(),
            new PeerLinkOptions { AutoFlush = false });
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected && link.BatchesWritten == 1, "connected, preamble written");

        for (int i = 0; i < 10; i++)
            Assert.True(link.TrySend(1, [(byte)i]));
        await Task.Delay(100);
        Assert.Empty(handler.Frames); // queued, not sent
        Assert.Equal(1, link.BatchesWritten);

        link.Flush();
        await Wait.UntilAsync(() => handler.Frames.Count == 10, "10 frames after Flush");
        Assert.Equal(2, link.BatchesWritten);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), handler.Frames.Select(f => f.Payload.Single()));
        link.Flush(); // nothing queued: no empty batch
        Assert.Equal(2, link.BatchesWritten);
    }

    [Fact]
    public async Task Sending_while_disconnected_drops_and_oversize_payloads_are_refused()
    {
        using var dir = new SocketDir();
        await using var link = new PeerLink("a", dir.Socket("nobody.sock"), new ListLogger(), FastRetry);
        link.Start();
        Assert.False(link.IsConnected);
        Assert.False(link.TrySend(1, "x"u8));
        Assert.Equal(1, link.FramesDropped);

        await using var small = new PeerLink("a", dir.Socket("nobody.sock"), new ListLogger(), new PeerLinkOptions { MaxFramePayloadBytes = 10 });
        Assert.Throws<ArgumentOutOfRangeException>(() => small.TrySend(1, new byte[11]));

        // A send queue that cannot hold one maximal frame would drop such frames forever: refused up front.
        Assert.Throws<ArgumentException>(() => new PeerLink("a", dir.Socket("nobody.sock"), new ListLogger(),
            new PeerLinkOptions { MaxFramePayloadBytes = 1 << 20, MaxPendingSendBytes = 1 << 16 }));
        Assert.Throws<FormatException>(() => new PeerLink("a", "no-such-address", new ListLogger()));
    }

    [Fact]
    public async Task A_peer_that_stops_reading_makes_sends_drop_instead_of_queueing_without_bound_and_recovers()
    {
        using var dir = new SocketDir();
        string path = dir.Socket("frozen.sock");
        using var listening = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listening.Bind(new UnixDomainSocketEndPoint(path));
        listening.Listen(1);
        var options = new PeerLinkOptions { MaxFramePayloadBytes = 1024, MaxPendingSendBytes = 64 * 1024 };
        await using var link = new PeerLink("./node1.sock", path, new ListLogger(), options);
        link.Start();
        using var frozen = await listening.AcceptAsync(); // accepted, but nobody reads: like a SIGSTOPped node
        await Wait.UntilAsync(() => link.IsConnected, "connected");

        var payload = new byte[1000];
        int accepted = 0;
        for (int i = 0; i < 50_000 && link.FramesDropped == 0; i++) // ~50 MB offered, far beyond every buffer
        {
            if (link.TrySend(1, payload))
                accepted++;
            if (i % 500 == 0)
                await Task.Delay(1); // let the writer fill the socket and pipe, as time passing would
        }
        Assert.True(link.FramesDropped > 0, "a peer that never reads must eventually make TrySend drop");
        Assert.True(link.IsConnected);

        // The peer thaws and reads everything: the queue drains and sends are accepted again.
        long received = 0;
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await frozen.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                Interlocked.Add(ref received, n);
        });
        await Wait.UntilAsync(() => link.TrySend(2, payload), "sends accepted again after the peer resumed reading");
        await Wait.UntilAsync(() => Interlocked.Read(ref received) == link.BytesSent && link.BytesSent > (long)accepted * 1000,
            "every accepted byte reached the peer");
    }

    [Fact]
    public async Task Connects_once_the_listener_appears_late_and_again_after_it_restarts()
    {
        using var dir = new SocketDir();
        string path = dir.Socket("node0.sock");
        var log = new ListLogger();
        await using var link = new PeerLink("./node1.sock", path, log, FastRetry);
        link.Start();
        // The socket does not exist yet: the link reports it once and keeps retrying.
        await Wait.UntilAsync(() => log.Contains("Cannot connect to peer"), "a logged failed connect");
        await Task.Delay(50);
        Assert.False(link.IsConnected);

        var first = new RecordingHandler();
        var listener = new PeerListener(path, first, log);
        listener.Start();
        await Wait.UntilAsync(() => link.IsConnected, "connected to the late listener");
        Assert.True(link.TrySend(1, "one"u8));
        await Wait.UntilAsync(() => first.Frames.Count == 1, "frame through the first listener");

        await listener.DisposeAsync(); // peer restarts: connections closed, socket file removed
        await Wait.UntilAsync(() => !link.IsConnected, "link noticed the close");
        var second = new RecordingHandler();
        await using var restarted = new PeerListener(path, second, log);
        restarted.Start();
        await Wait.UntilAsync(() => link.IsConnected, "reconnected to the restarted listener");
        Assert.True(link.TrySend(2, "two"u8));
        await Wait.UntilAsync(() => second.Frames.Count == 1, "frame through the restarted listener");
        Assert.Equal("two"u8.ToArray(), second.Frames.Single().Payload);
        Assert.Equal(2, link.ConnectCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_proxy_killing_the_connection_mid_frame_closes_cleanly_and_the_link_recovers(bool compress)
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, log);
        listener.Start();
        await using var proxy = new TestProxy(dir.Socket("proxy.sock"), dir.Socket("node0.sock"));
        await using var link = new PeerLink("./node1.sock", dir.Socket("proxy.sock"), log, Retrying(compress));

        proxy.KillAfterBytes = 3000; // the preamble and part of the 10 KB frame below get through
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "connected through the proxy");
        var incompressible = new byte[10_000];
        new Random(7).NextBytes(incompressible);
        Assert.True(link.TrySend(1, incompressible));
        await Wait.UntilAsync(() => log.Contains("ended inside a frame"), "listener saw the truncated frame");
        Assert.Empty(handler.Frames);

        proxy.KillAfterBytes = null;
        await Wait.UntilAsync(() => link.ConnectCount >= 2 && link.IsConnected, "link reconnected");
        // After a kill, keep sending until one arrives (frames sent before the link noticed are lost, by design).
        await Wait.UntilAsync(() => { link.TrySend(2, "after"u8); return !handler.Frames.IsEmpty; }, "frame after recovery");
        Assert.All(handler.Frames, f => Assert.Equal("after"u8.ToArray(), f.Payload));

        // A refusing proxy (link down): the link keeps retrying with back-off, then recovers when it is restored.
        proxy.Refuse = true;
        proxy.KillAll();
        int acceptedBefore = proxy.Accepted;
        await Wait.UntilAsync(() => proxy.Accepted - acceptedBefore >= 3, "the link keeps retrying a refusing proxy");
        int windowStart = proxy.Accepted;
        await Task.Delay(300);
        // Backed off (at most 50 ms apart here), not spinning: a tight loop would make thousands of attempts.
        Assert.InRange(proxy.Accepted - windowStart, 0, 100);
        proxy.Refuse = false;
        int countBefore = handler.Frames.Count;
        await Wait.UntilAsync(() => { link.TrySend(3, "restored"u8); return handler.Frames.Count > countBefore; }, "frame after restore");
    }

    [Theory]
    [InlineData("garbage after the preamble", "malformed frame length")]
    [InlineData("oversize length", "over the maximum")]
    [InlineData("unknown version", "unknown peer protocol version")]
    [InlineData("not a peer", "not a FastDb peer")]
    [InlineData("rejected frame type", "frame handler rejected frame type 99")]
    [InlineData("compressed garbage", "bad compressed stream")]
    [InlineData("compressed chunk too long", "compressed peer chunk of a bad length")]
    [InlineData("compressed empty chunk", "compressed peer chunk of a bad length")]
    [InlineData("compressed oversize frame", "over the maximum")]
    public async Task Bad_input_closes_that_connection_and_the_listener_keeps_serving(string kind, string reason)
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler { RejectedType = 99 };
        var log = new ListLogger();
        string path = dir.Socket("node0.sock");
        await using var listener = new PeerListener(path, handler, log, new PeerProtocolOptions { MaxFramePayloadBytes = 1024 });
        listener.Start();

        byte[] wire = kind switch
        {
            "garbage after the preamble" => [.. Preamble.Encode("evil"), .. Enumerable.Repeat((byte)0xFF, 64)],
            "oversize length" => [.. Preamble.Encode("evil"), 0x80, 0x80, 0x80, 0x08, 1], // 16 MiB > 1024
            "unknown version" => [.. "FASTDB\x09\n\x01x"u8],
            "not a peer" => [.. "SSH-2.0-OpenSSH\r\n"u8],
            "compressed garbage" => [.. Preamble.Encode("evil", compressed: true), 8, .. Enumerable.Repeat((byte)0xFF, 8)],
            "compressed chunk too long" => [.. Preamble.Encode("evil", compressed: true), 0x80, 0x80, 0x10, 1, 2, 3],
            "compressed empty chunk" => [.. Preamble.Encode("evil", compressed: true), 0],
            // A few bytes that inflate to a frame header claiming 16 MiB: the frame cap still applies.
            "compressed oversize frame" => [.. Preamble.Encode("evil", compressed: true), .. Deflated([0x80, 0x80, 0x80, 0x08, 1])],
            _ => [.. Preamble.Encode("evil"), 0, 99],
        };
        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await raw.SendAsync(wire, SocketFlags.None);
            // The listener closes its end: our read sees end of stream (bounded wait).
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await raw.ReceiveAsync(buffer, SocketFlags.None, timeout.Token));
        }
        Assert.True(log.Contains(reason), $"expected a log line with '{reason}', got: {string.Join(" | ", log.Lines)}");
        Assert.Empty(handler.Frames);

        await using var link = new PeerLink("./node1.sock", path, log, FastRetry);
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "good peer connected");
        Assert.True(link.TrySend(1, "ok"u8));
        await Wait.UntilAsync(() => handler.Frames.Count == 1, "good frame delivered");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Many_frames_from_several_threads_and_senders_arrive_intact_and_in_per_sender_order(bool compress)
    {
        using var dir = new SocketDir();
        var log = new ListLogger();
        var received = new System.Collections.Concurrent.ConcurrentDictionary<(string Peer, int Thread), int>();
        int bad = 0;
        int total = 0;
        var handler = new CheckingHandler((peer, payload) =>
        {
            // payload = thread id (4 bytes) + per-thread sequence (4 bytes) + filler whose length depends on the sequence
            int thread = BinaryPrimitives.ReadInt32LittleEndian(payload);
            int seq = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
            bool ok = payload.Length == 8 + seq % 50 && payload[8..].IndexOfAnyExcept((byte)seq) < 0;
            int expected = received.GetValueOrDefault((peer, thread));
            if (!ok || seq != expected)
                Interlocked.Increment(ref bad);
            received[(peer, thread)] = seq + 1;
            Interlocked.Increment(ref total);
        });
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, log);
        listener.Start();

        const int Senders = 2, ThreadsPerSender = 3, FramesPerThread = 3000;
        var links = new PeerLink[Senders];
        for (int s = 0; s < Senders; s++)
        {
            links[s] = new PeerLink($"./node{s + 1}.sock", dir.Socket("node0.sock"), log, Retrying(compress));
            links[s].Start();
        }
        try
        {
            foreach (var link in links)
                await Wait.UntilAsync(() => link.IsConnected, "sender connected");
            var threads = links.SelectMany(link => Enumerable.Range(0, ThreadsPerSender).Select(t => Task.Run(() =>
            {
                var payload = new byte[8 + 50];
                for (int seq = 0; seq < FramesPerThread; seq++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(payload, t);
                    BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), seq);
                    int length = 8 + seq % 50;
                    payload.AsSpan(8, length - 8).Fill((byte)seq);
                    Assert.True(link.TrySend(1, payload.AsSpan(0, length)));
                }
            }))).ToArray();
            await Task.WhenAll(threads);
            int expectedTotal = Senders * ThreadsPerSender * FramesPerThread;
            await Wait.UntilAsync(() => Volatile.Read(ref total) == expectedTotal, $"{expectedTotal} frames", 30_000);
            Assert.Equal(0, bad);
            Assert.All(links, l => Assert.Equal(0, l.FramesDropped));
            // Coalescing: thousands of frames went out in far fewer writes than frames.
            Assert.All(links, l => Assert.True(l.BatchesWritten < l.FramesSent / 2, $"{l.BatchesWritten} batches for {l.FramesSent} frames"));
        }
        finally
        {
            foreach (var link in links)
                await link.DisposeAsync();
        }
    }

    [Fact]
    public async Task Heartbeats_cost_two_bytes_each_on_the_wire()
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, new ListLogger());
        listener.Start();
        await using var link = new PeerLink("./node1.sock", dir.Socket("node0.sock"), new ListLogger(), FastRetry);
        link.Start();
        await Wait.UntilAsync(() => link.IsConnected, "connected");
        const int Heartbeats = 1000;
        for (int i = 0; i < Heartbeats; i++)
            Assert.True(link.TrySend(1, []));
        await Wait.UntilAsync(() => handler.Frames.Count == Heartbeats, "heartbeats delivered");
        long preamble = Preamble.Encode("./node1.sock").Length;
        await Wait.UntilAsync(() => link.BytesSent == preamble + 2 * Heartbeats, $"BytesSent {link.BytesSent} == preamble + 2 per heartbeat");
    }

    [Fact]
    public async Task A_compressed_link_sends_far_fewer_bytes_for_alike_frames()
    {
        using var dir = new SocketDir();
        var handler = new RecordingHandler();
        await using var listener = new PeerListener(dir.Socket("node0.sock"), handler, new ListLogger());
        listener.Start();
        await using var plain = new PeerLink("./node1.sock", dir.Socket("node0.sock"), new ListLogger(), new PeerLinkOptions { AutoFlush = false });
        await using var packed = new PeerLink("./node2.sock", dir.Socket("node0.sock"), new ListLogger(), new PeerLinkOptions { AutoFlush = false, Compress = true });
        plain.Start();
        packed.Start();
        await Wait.UntilAsync(() => plain.IsConnected && packed.IsConnected, "connected");
        // Alike frames, one batch each, as a Raft leader's appends go out: a counter, then the same words.
        for (int i = 0; i < 200; i++)
        {
            var payload = System.Text.Encoding.ASCII.GetBytes($"append term 7 index {1000 + i} UPDATE ctf3 SET friendCount=friendCount+{i % 17}");
            Assert.True(plain.TrySend(3, payload));
            Assert.True(packed.TrySend(3, payload));
            plain.Flush();
            packed.Flush();
            await Wait.UntilAsync(() => handler.Frames.Count == 2 * (i + 1), "both delivered");
        }
        var fromPlain = handler.Frames.Where(f => f.Peer == "./node1.sock").Select(f => f.Payload).ToArray();
        var fromPacked = handler.Frames.Where(f => f.Peer == "./node2.sock").Select(f => f.Payload).ToArray();
        Assert.Equal(fromPlain, fromPacked);
        Assert.Contains("./node2.sock", handler.Connected);
        Assert.True(packed.BytesSent * 2 < plain.BytesSent, $"compressed {packed.BytesSent} bytes, plain {plain.BytesSent}");
    }

    /// <summary>The chunks a compressed link would write for these bytes.</summary>
    private static byte[] Deflated(byte[] bytes)
    {
        using var deflater = new LinkDeflater();
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        deflater.Write(bytes, output);
        return output.WrittenSpan.ToArray();
    }

    private delegate void FrameCheck(string peer, ReadOnlySpan<byte> payload);

    private sealed class CheckingHandler(FrameCheck check) : IFrameHandler
    {
        public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload) =>
            check(peerName, payload);
    }
}
