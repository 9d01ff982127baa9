// Compiled only when FastDb.Benchmarks.csproj references src/Forwarder and defines FORWARDER_BENCHMARKS
// (the csproj belongs to the oracle helper; until both are added this file is inert so the build stays green).
// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*PeerWire*'
#if FORWARDER_BENCHMARKS
using System.Buffers;
using BenchmarkDotNet.Attributes;
using FastDb.Forwarder;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDb.Benchmarks.Forwarder;

/// <summary>
/// Frames per second and bytes per frame of the peer wire: the codec alone, and PeerLink to PeerListener over a real
/// Unix socket (one operation = one batch of FramesPerOp frames sent from one thread and all received).
/// </summary>
[MemoryDiagnoser]
public class PeerWireBenchmarks
{
    private const int FramesPerOp = 20_000;

    [Params(0, 40)] // a heartbeat, and a forwarded CTF update with its request id
    public int PayloadBytes;

    private byte[] _payload = [];
    private byte[] _wire = [];
    private string _dir = "";
    private PeerListener? _listener;
    private PeerLink? _link;
    private CountingHandler _handler = new();

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadBytes];
        _wire = new byte[FramesPerOp * FrameCodec.FrameSize(PayloadBytes)];
        _dir = Directory.CreateTempSubdirectory("fwd-bench-").FullName;
        string path = Path.Combine(_dir, "node0.sock");
        _handler = new CountingHandler();
        _listener = new PeerListener(path, _handler, NullLogger.Instance);
        _listener.Start();
        _link = new PeerLink("./node1.sock", path, NullLogger.Instance);
        _link.Start();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_link.IsConnected && DateTime.UtcNow < deadline)
            Thread.Sleep(5);
        if (!_link.IsConnected)
            throw new InvalidOperationException("benchmark link did not connect");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _link?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _listener?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Encode FramesPerOp frames into a buffer and parse them back: the per-frame CPU floor.</summary>
    [Benchmark(OperationsPerInvoke = FramesPerOp)]
    public long CodecEncodeAndParse()
    {
        int n = 0;
        for (int i = 0; i < FramesPerOp; i++)
            n += FrameCodec.WriteFrame(_wire.AsSpan(n), (byte)i, _payload);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_wire, 0, n));
        long sum = 0;
        while (FrameCodec.TryReadFrame(ref reader, 1 << 20, out byte type, out var payload, out _) == ParseStatus.Complete)
            sum += type + payload.Length;
        return sum;
    }

    /// <summary>FramesPerOp frames through a real Unix socket, waiting until the listener has handled all of them.</summary>
    [Benchmark(OperationsPerInvoke = FramesPerOp)]
    public long UnixSocketRoundTrip()
    {
        long target = Interlocked.Read(ref _handler.Count) + FramesPerOp;
        for (int i = 0; i < FramesPerOp; i++)
        {
            while (!_link!.TrySend(1, _payload))
                Thread.Yield(); // queue full: let the writer drain
        }
        var spin = new SpinWait();
        while (Interlocked.Read(ref _handler.Count) < target)
            spin.SpinOnce();
        return target;
    }

    private sealed class CountingHandler : IFrameHandler
    {
        public long Count;

        public void OnFrame(string peerName, byte frameType, ReadOnlySpan<byte> payload) =>
            Interlocked.Increment(ref Count);
    }
}
#endif
