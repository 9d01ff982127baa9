using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastDb.Harness.Network;
using FastDb.Harness.Randomness;

namespace FastDb.Harness.Tests.Network;

/// <summary>
/// The link proxy's delay and kill semantics against a real echo server on a Unix socket. Timing assertions are
/// lower bounds only (data never arrives before the link delay allows), which a slow machine cannot break; every
/// wait is bounded.
/// </summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "harness-proxy-" + Guid.NewGuid().ToString("N")[..8]);
    private EchoServer _echo = null!;
    private Link _link = null!;
    private LinkListener _listener = null!;
    private readonly TrafficStats _stats = new();
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private string ProxyPath => Path.Combine(_dir, "node1.sock");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _echo = new EchoServer(Path.Combine(_dir, "target.sock"));
        _link = new Link(0, 1, new SeededRandom(1));
        _listener = new LinkListener(_link, 0, 1, ProxyPath, _echo.Path, _stats);
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        _echo.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<Socket> ConnectAsync()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(ProxyPath)).WaitAsync(Bound);
        return s;
    }

    private static async Task<byte[]> ReceiveExactly(Socket s, int count)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await s.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(Bound);
            if (n == 0) throw new EndOfStreamException($"closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>0 if the peer closed the socket, otherwise the number of bytes that arrived.</summary>
    private static async Task<int> ReceiveOrClosed(Socket s)
    {
        var buffer = new byte[64];
        try { return await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bound); }
        catch (SocketException) { return 0; }
    }

    [Fact]
    public async Task RoundTrip_TakesAtLeastSetUpPlusBothDirections_AndCountsEveryByteTwice()
    {
        _link.LatencyMs = 150;
        _link.JitterMs = 0;
        var watch = Stopwatch.StartNew();
        using Socket s = await ConnectAsync();
        await s.SendAsync(Encoding.ASCII.GetBytes("ping"), SocketFlags.None);
        byte[] echoed = await ReceiveExactly(s, 4);
        watch.Stop();

        Assert.Equal("ping", Encoding.ASCII.GetString(echoed));
        // Accept waits one delay; the request's bytes (read then) wait one more, as does the set-up marker that
        // triggers the dial; the reply waits one delay back: at least 3 × 150 ms.
        Assert.True(watch.ElapsedMilliseconds >= 3 * 150 - 15, $"round trip took only {watch.ElapsedMilliseconds} ms");
        Assert.Equal(8, _stats.BytesRead);
        Assert.Equal(8, _stats.BytesWritten);
        Assert.Equal(1, _stats.Conns);
    }

    [Fact]
    public async Task LargeTransfer_ArrivesIntactAndInOrder_ThroughSmallChunks()
    {
        _link.LatencyMs = 1;
        _link.JitterMs = 5; // jitter must never reorder chunks
        byte[] payload = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7 + i / 1024)).ToArray();
        using Socket s = await ConnectAsync();
        Task send = Task.Run(async () =>
        {
            int sent = 0;
            while (sent < payload.Length) sent += await s.SendAsync(payload.AsMemory(sent), SocketFlags.None);
        });
        byte[] echoed = await ReceiveExactly(s, payload.Length);
        await send.WaitAsync(Bound);

        Assert.Equal(payload, echoed);
        Assert.Equal(2L * payload.Length, _stats.BytesRead);
        Assert.Equal(2L * payload.Length, _stats.BytesWritten);
    }

    [Fact]
    public async Task KillingTheLink_DropsInFlightData_AndClosesTheConnection()
    {
        _link.LatencyMs = 1;
        _link.JitterMs = 0;
        using Socket s = await ConnectAsync();
        await s.SendAsync(Encoding.ASCII.GetBytes("warm"), SocketFlags.None);
        await ReceiveExactly(s, 4); // connection fully set up
        long receivedBefore = _echo.BytesReceived;

        _link.LatencyMs = 400;
        await s.SendAsync(Encoding.ASCII.GetBytes("lost"), SocketFlags.None);
        await Task.Delay(100);
        _link.GoodbyeForever(); // the chunk is still 300 ms from delivery
        try
        {
            Assert.Equal(0, await ReceiveOrClosed(s));
            await Task.Delay(500); // past the moment the chunk would have been delivered
            Assert.Equal(receivedBefore, _echo.BytesReceived);
        }
        finally { _link.WhyHelloThere(); }
    }

    [Fact]
    public async Task DeadLink_RefusesNewConnections_UntilRestored()
    {
        _link.LatencyMs = 20;
        _link.JitterMs = 0;
        _link.GoodbyeForever();
        using (Socket refused = await ConnectAsync())
        {
            await refused.SendAsync(Encoding.ASCII.GetBytes("nope"), SocketFlags.None);
            Assert.Equal(0, await ReceiveOrClosed(refused));
        }
        Assert.Equal(1, _listener.Refused);
        Assert.Equal(0, _echo.Connections);
        Assert.Equal(0, _stats.Conns);

        _link.WhyHelloThere();
        using Socket accepted = await ConnectAsync();
        await accepted.SendAsync(Encoding.ASCII.GetBytes("yes!"), SocketFlags.None);
        Assert.Equal("yes!", Encoding.ASCII.GetString(await ReceiveExactly(accepted, 4)));
    }

    [Fact]
    public async Task NestedKills_KeepTheLinkDownUntilTheLastRelease()
    {
        _link.GoodbyeForever();
        _link.GoodbyeForever();
        _link.WhyHelloThere();
        Assert.True(_link.IsKilled);
        _link.WhyHelloThere();
        Assert.False(_link.IsKilled);
        Assert.Throws<InvalidOperationException>(() => _link.WhyHelloThere());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Lag_AddsToTheDelay_ForItsDurationOnly()
    {
        _link.LatencyMs = 10;
        _link.JitterMs = 0;
        Task lag = _link.LagFor(90, TimeSpan.FromMilliseconds(200));
        Assert.Equal(TimeSpan.FromMilliseconds(100), _link.Delay());
        await lag.WaitAsync(Bound);
        Assert.Equal(TimeSpan.FromMilliseconds(10), _link.Delay());
    }

    /// <summary>Echoes every byte back on each accepted connection; counts what it received.</summary>
    private sealed class EchoServer : IDisposable
    {
        private readonly Socket _listener;
        private long _received;
        private int _connections;

        public EchoServer(string path)
        {
            Path = path;
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(16);
            _ = Task.Run(AcceptLoop);
        }

        public string Path { get; }
        public long BytesReceived => Interlocked.Read(ref _received);
        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptLoop()
        {
            while (true)
            {
                Socket c;
                try { c = await _listener.AcceptAsync(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                Interlocked.Increment(ref _connections);
                _ = Task.Run(async () =>
                {
                    using (c)
                    {
                        var buffer = new byte[4096];
                        try
                        {
                            while (true)
                            {
                                int n = await c.ReceiveAsync(buffer, SocketFlags.None);
                                if (n == 0) return;
                                Interlocked.Add(ref _received, n);
                                await c.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                            }
                        }
                        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                    }
                });
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
