using System.Buffers;
using System.Net.Sockets;

namespace FastDb.Forwarder.Tests;

/// <summary>
/// Seeded fuzzing of the frame and preamble decoders: random bytes and mutations of valid encodings, thousands per
/// run. Each input must parse, ask for more, or be refused with a reason; nothing may throw, consume a partial
/// item, or allocate in proportion to a length it claims. A failing seed replays with FASTDB_SEED=n.
/// </summary>
public class DecoderFuzzTests
{
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FASTDB_SEED"), out var s) ? s : 20261201;

    private static byte[] ValidFrames(Random random)
    {
        var wire = new List<byte>();
        for (int i = 0, n = random.Next(1, 5); i < n; i++)
        {
            var payload = new byte[random.Next(0, random.Next(2) == 0 ? 8 : 300)];
            random.NextBytes(payload);
            var frame = new byte[FrameCodec.FrameSize(payload.Length)];
            FrameCodec.WriteFrame(frame, (byte)random.Next(256), payload);
            wire.AddRange(frame);
        }
        return [.. wire];
    }

    internal static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = valid.ToList();
        for (int m = 0, count = random.Next(1, 4); m < count; m++)
        {
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0: bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8)); break;
                case 1 when bytes.Count > 0: bytes[random.Next(bytes.Count)] = (byte)random.Next(256); break;
                case 2 when bytes.Count > 0: bytes.RemoveRange(random.Next(bytes.Count), 1); break;
                case 3: bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256)); break;
                default: bytes.InsertRange(random.Next(bytes.Count + 1), Enumerable.Repeat((byte)0xFF, random.Next(1, 12))); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Reads frames until the input ends or is refused; the bytes this thread allocated meanwhile.</summary>
    private static long Parse(ReadOnlySequence<byte> sequence, out int complete, out int invalid)
    {
        complete = invalid = 0;
        var reader = new SequenceReader<byte>(sequence);
        long before = GC.GetAllocatedBytesForCurrentThread();
        while (true)
        {
            long at = reader.Consumed;
            var status = FrameCodec.TryReadFrame(ref reader, 1 << 20, out _, out var payload, out var error);
            if (status == ParseStatus.Complete)
            {
                complete++;
                Assert.True(reader.Consumed > at);
                Assert.True(payload.Length <= 1 << 20);
                continue;
            }
            if (status == ParseStatus.NeedMoreData) Assert.Equal(at, reader.Consumed); // nothing partial consumed
            else
            {
                invalid++;
                Assert.False(string.IsNullOrEmpty(error));
            }
            break;
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Frame_decoder_parses_or_refuses_every_input_without_throwing_or_allocating()
    {
        var random = new Random(Seed);
        int complete = 0, invalid = 0;
        for (int run = 0; run < 5000; run++)
        {
            byte[] input = run % 3 == 0 ? RandomBytes(random) : Mutate(random, ValidFrames(random));
            var sequence = FrameCodecTests.Segmented(input, random.Next(1, 16));
            long allocated = Parse(sequence, out var completed, out var refused);
            // A one-time cost of the runtime on this thread (on-stack replacement compiling the loop mid-run) is
            // counted too: it does not come back when the same input is parsed again, a decoder allocation does.
            if (allocated >= 1024) allocated = Parse(sequence, out _, out _);
            complete += completed;
            invalid += refused;
            // Parsing slices the input: a claimed length (up to 2^64) never turns into a buffer.
            Assert.True(allocated < 1024, $"the frame decoder allocated {allocated} bytes (run {run})");
        }
        Assert.True(complete > 1000 && invalid > 100, $"the fuzzer exercised both outcomes ({complete} complete, {invalid} invalid)");
    }

    [Fact]
    public void Preamble_decoder_parses_or_refuses_every_input_without_throwing()
    {
        var random = new Random(Seed + 1);
        int complete = 0, invalid = 0;
        for (int run = 0; run < 5000; run++)
        {
            var name = new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(32, 127)).ToArray());
            byte[] input = run % 4 == 0 ? RandomBytes(random) : Mutate(random, Preamble.Encode(name));
            var reader = new SequenceReader<byte>(FrameCodecTests.Segmented(input, random.Next(1, 8)));
            var status = Preamble.TryRead(ref reader, out var sender, out var error);
            switch (status)
            {
                case ParseStatus.Complete:
                    complete++;
                    Assert.True(System.Text.Encoding.UTF8.GetByteCount(sender) <= Preamble.MaxNameBytes);
                    break;
                case ParseStatus.NeedMoreData:
                    Assert.Equal(0, reader.Consumed);
                    break;
                default:
                    invalid++;
                    Assert.False(string.IsNullOrEmpty(error));
                    break;
            }
        }
        Assert.True(complete > 200 && invalid > 500, $"the fuzzer exercised both outcomes ({complete} complete, {invalid} invalid)");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }
}

/// <summary>The receiving side's caps against a hostile peer, on a real PeerListener.</summary>
public class InboundCapTests
{
    private static async Task<Socket> ConnectPeerAsync(string path, string name = "./node7.sock")
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await socket.SendAsync(Preamble.Encode(name));
        return socket;
    }

    private static byte[] Header(byte type, int length)
    {
        var header = new byte[FrameCodec.MaxHeaderBytes];
        return header[..FrameCodec.WriteHeader(header, type, length)];
    }

    /// <summary>True once the server closed the connection (a read returns 0 or fails).</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket, int timeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            var buffer = new byte[16];
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Connections_past_the_cap_are_closed_and_the_rest_keep_working()
    {
        using var dir = new SocketDir();
        var path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        await using var listener = new PeerListener(path, handler, log, new PeerProtocolOptions { MaxConnections = 4 });
        listener.Start();
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++) sockets.Add(await ConnectPeerAsync(path));
            await Wait.UntilAsync(() => handler.Connected.Count == 4, "four peers connected");
            var fifth = await ConnectPeerAsync(path);
            sockets.Add(fifth);
            Assert.True(await ClosedByServerAsync(fifth, 5000), "the fifth connection was closed");
            Assert.True(log.Contains("already 4 peer connections open"));

            // The four admitted ones still deliver frames; closing one makes room for a new one.
            byte[] frame = new byte[FrameCodec.FrameSize(3)];
            FrameCodec.WriteFrame(frame, 9, [1, 2, 3]);
            await sockets[0].SendAsync(frame);
            await Wait.UntilAsync(() => handler.Frames.Count == 1, "a frame on an admitted connection");
            sockets[1].Dispose();
            await Wait.UntilAsync(() => listener.ConnectionCount == 3, "the closed connection left the count");
            var again = await ConnectPeerAsync(path);
            sockets.Add(again);
            await Wait.UntilAsync(() => handler.Connected.Count == 5, "a new peer admitted after one left");
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    [Fact]
    public async Task A_large_frame_arriving_in_pieces_is_delivered_whole_and_a_claimed_length_over_the_cap_closes_at_once()
    {
        using var dir = new SocketDir();
        var path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        var options = new PeerProtocolOptions { MaxFramePayloadBytes = 4 << 20, InlineFrameBytes = 4096 };
        await using var listener = new PeerListener(path, handler, log, options);
        listener.Start();

        using var peer = await ConnectPeerAsync(path);
        var payload = new byte[3 << 20];
        new Random(5).NextBytes(payload);
        var frame = new byte[FrameCodec.FrameSize(payload.Length)];
        FrameCodec.WriteFrame(frame, 4, payload);
        for (int at = 0; at < frame.Length; at += 70_001)
            await peer.SendAsync(frame.AsMemory(at, Math.Min(70_001, frame.Length - at)));
        await Wait.UntilAsync(() => handler.Frames.Count == 1, "the 3 MiB frame");
        Assert.Equal(payload, handler.Frames.Single().Payload);
        Assert.Equal(0, options.Limits.BufferedBytes); // its buffer left the budget once delivered

        using var liar = await ConnectPeerAsync(path);
        await liar.SendAsync(Header(4, (4 << 20) + 1));
        Assert.True(await ClosedByServerAsync(liar, 5000), "a frame claiming more than the cap is refused before its payload");
        Assert.True(log.Contains("over the maximum"));
    }

    [Fact]
    public async Task Partial_frames_share_one_byte_budget_and_give_it_back_when_their_connections_close()
    {
        using var dir = new SocketDir();
        var path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        var options = new PeerProtocolOptions { MaxFramePayloadBytes = 1 << 20, InlineFrameBytes = 4096, MaxBufferedFrameBytes = 3 << 20 };
        await using var listener = new PeerListener(path, handler, log, options);
        listener.Start();

        var sockets = new List<Socket>();
        try
        {
            var body = new byte[(1 << 20) - 10];
            for (int i = 0; i < 6; i++)
            {
                var s = await ConnectPeerAsync(path);
                sockets.Add(s);
                await s.SendAsync(Header(4, 1 << 20));
                try { await s.SendAsync(body); } catch (SocketException) { } // closed once the budget is spent
            }
            await Wait.UntilAsync(() => log.Contains("peer frame buffers are full"), "the budget refusing a partial frame");
            Assert.True(options.Limits.BufferedBytes <= options.MaxBufferedFrameBytes);
            Assert.True(options.Limits.BufferedBytes >= 2 << 20, "at least two partial frames were held");
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
        await Wait.UntilAsync(() => options.Limits.BufferedBytes == 0 && listener.ConnectionCount == 0, "every partial frame released");
        Assert.Empty(handler.Frames);
    }

    [Fact]
    public async Task A_peer_that_stops_inside_a_frame_is_cut_off_but_an_idle_one_between_frames_is_not()
    {
        using var dir = new SocketDir();
        var path = dir.Socket("node0.sock");
        var handler = new RecordingHandler();
        var log = new ListLogger();
        var options = new PeerProtocolOptions { StalledFrameTimeout = TimeSpan.FromMilliseconds(300) };
        await using var listener = new PeerListener(path, handler, log, options);
        listener.Start();

        using var idle = await ConnectPeerAsync(path);
        using var stalled = await ConnectPeerAsync(path);
        await stalled.SendAsync(Header(4, 100).Concat(new byte[10]).ToArray());
        Assert.True(await ClosedByServerAsync(stalled, 5000), "the stalled connection was closed");
        Assert.True(log.Contains("inside a frame"));
        Assert.False(await ClosedByServerAsync(idle, 800), "a connection idle between frames stays open");
    }
}
