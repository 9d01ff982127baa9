using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using Pipelines.Sockets.Unofficial;

namespace FastDb.Forwarder;

/// <summary>
/// The outbound connection to one peer: this node sends every frame for that peer here, and never reads frames
/// back (replies come on the peer's own link to us). Keeps one persistent connection, reconnecting with jittered
/// exponential back-off when the peer's socket does not exist yet, the proxy refuses, or the link is killed.
/// Frames are dropped (TrySend returns false) while disconnected or when the send queue is over its limit; callers
/// (Raft, forwarding with retries) tolerate drops.
/// </summary>
/// <remarks>
/// Writing: TrySend encodes the frame into a pending buffer under a lock and, if no writer is scheduled, queues one
/// thread-pool work item. That single writer swaps the pending buffer out, copies it into the socket's pipe and
/// flushes once, so every frame written before it ran goes out in one flush (and usually one send syscall). While a
/// flush waits on a slow peer, new frames keep accumulating for the next batch.
/// </remarks>
public sealed class PeerLink : IAsyncDisposable
{
    // Every scheduler is Inline: on Linux the runtime already completes socket I/O on a thread-pool thread, so a
    // ThreadPool scheduler would add a second hop (and an allocated work item) per send and per receive.
    private static readonly PipeOptions SendPipeOptions = new(
        readerScheduler: PipeScheduler.Inline,    // the socket send runs inside our single writer's flush
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 1024 * 1024,
        resumeWriterThreshold: 512 * 1024,
        useSynchronizationContext: false);

    private static readonly PipeOptions ReceivePipeOptions = new(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        minimumSegmentSize: 512,                 // the peer sends us nothing; keep idle links small
        useSynchronizationContext: false);

    private const int InitialBufferBytes = 4096;
    private const int RetainedBufferBytes = 1024 * 1024;

    private readonly EndPoint _endPoint;
    private readonly ILogger _log;
    private readonly PeerLinkOptions _options;
    private readonly byte[] _preamble;
    private readonly bool _compress;
    private readonly Lock _sync = new();
    private readonly WriterWorkItem _writer;
    private readonly CancellationTokenSource _stop = new();
    private Task? _connectLoop;

    // Guarded by _sync.
    private LinkConnection? _connection;
    private byte[] _pending = new byte[InitialBufferBytes];
    private int _pendingLength;
    private bool _writerScheduled;
    private long _bytesSentByEarlierConnections;
    private long _framesSent;
    private long _framesDropped;
    private long _connectCount;
    private long _closeCount;
    private long _batchesWritten;

    private LinkConnection? _writing; // the connection the writer is using right now

    // Owned by the single writer.
    private byte[] _spare = new byte[InitialBufferBytes];

    /// <param name="localName">This node's name as peers know it (e.g. "./node0.sock"), sent in the preamble.</param>
    /// <param name="peerAddress">"./node3.sock" (Unix socket, relative to the cwd) or "host:port".</param>
    public PeerLink(string localName, string peerAddress, ILogger log, PeerLinkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        LocalName = localName ?? throw new ArgumentNullException(nameof(localName));
        PeerAddress = peerAddress ?? throw new ArgumentNullException(nameof(peerAddress));
        _endPoint = Forwarder.PeerAddress.Parse(peerAddress);
        _log = log;
        _options = options ?? new PeerLinkOptions();
        if (_options.MaxFramePayloadBytes < 0
            || _options.MaxPendingSendBytes < (long)_options.MaxFramePayloadBytes + FrameCodec.MaxHeaderBytes)
            throw new ArgumentException("MaxPendingSendBytes must hold at least one frame of MaxFramePayloadBytes", nameof(options));
        _compress = _options.Compress && _options.Tls is null; // never under TLS: see LinkCompression.cs
        _preamble = Preamble.Encode(localName, _compress, _options.ClusterRules);
        _writer = new WriterWorkItem(this);
    }

    public string LocalName { get; }

    public string PeerAddress { get; }

    /// <summary>True while a connection to the peer (or its proxy) is open. A refusing proxy may still drop what was sent.</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is not null;

    /// <summary>Bytes handed to the socket over all connections, preambles included (what the proxies count).</summary>
    public long BytesSent
    {
        get { lock (_sync) return _bytesSentByEarlierConnections + (_connection?.BytesSent ?? 0); }
    }

    /// <summary>Frames accepted by TrySend.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Frames refused by TrySend (not connected, or send queue full).</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Flushes to the socket: frames per batch = FramesSent / BatchesWritten shows how well writes coalesce.</summary>
    public long BatchesWritten => Interlocked.Read(ref _batchesWritten);

    /// <summary>Connections established so far (1 after the first connect; grows with every reconnect).</summary>
    public long ConnectCount => Interlocked.Read(ref _connectCount);

    /// <summary>Connections that closed (killed link, dead peer, failed write): a failure detector's evidence.</summary>
    public long CloseCount => Interlocked.Read(ref _closeCount);

    /// <summary>Raised on the link's connect loop each time a connection is established (e.g. to resend state at once).</summary>
    public event Action<PeerLink>? Connected;

    /// <summary>Starts connecting in the background. Calling it again does nothing.</summary>
    public void Start()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            _connectLoop ??= Task.Run(() => ConnectLoopAsync(_stop.Token));
        }
    }

    /// <summary>
    /// Queues one frame. Returns false (frame dropped) when not connected or when the send queue is over
    /// MaxPendingSendBytes. Thread-safe. Throws ArgumentException for a payload over MaxFramePayloadBytes.
    /// </summary>
    public bool TrySend(byte frameType, ReadOnlySpan<byte> payload)
    {
        CheckPayloadLength(payload.Length);
        int size = FrameCodec.FrameSize(payload.Length);
        lock (_sync)
        {
            if (!TryReserveLocked(size, out var destination))
                return false;
            FrameCodec.WriteFrame(destination, frameType, payload);
            CommitLocked(size);
        }
        return true;
    }

    /// <summary>
    /// Queues one frame whose payload <paramref name="writePayload"/> encodes straight into the send buffer (a span of
    /// exactly <paramref name="payloadLength"/> bytes). The callback runs under the link's lock: keep it short and do
    /// not call back into this link. Same return rules as the span overload.
    /// </summary>
    public bool TrySend<TState>(byte frameType, int payloadLength, TState state,
        SpanAction<byte, TState> writePayload)
    {
        ArgumentNullException.ThrowIfNull(writePayload);
        CheckPayloadLength(payloadLength);
        int size = FrameCodec.FrameSize(payloadLength);
        lock (_sync)
        {
            if (!TryReserveLocked(size, out var destination))
                return false;
            int header = FrameCodec.WriteHeader(destination, frameType, payloadLength);
            writePayload(destination.Slice(header, payloadLength), state);
            CommitLocked(size);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        LinkConnection? open;
        lock (_sync)
        {
            if (_stop.IsCancellationRequested)
                return;
            _stop.Cancel();
            loop = _connectLoop;
            open = _connection;
        }
        // Outside the lock: with inline schedulers the connect loop may run its detach right inside this call.
        open?.Input.CancelPendingRead(); // wakes the drain so the loop detaches and disposes the connection
        if (loop is not null)
        {
            try { await loop.ConfigureAwait(false); }
            catch (Exception e) { _log.LogWarning(e, "Link to {Peer} stopped with an error", PeerAddress); }
        }
        lock (_sync)
        {
            _connection?.Dispose();
            _connection = null;
        }
        _stop.Dispose();
    }

    public override string ToString() => $"PeerLink {LocalName} -> {PeerAddress}";

    private void CheckPayloadLength(int payloadLength)
    {
        if (payloadLength < 0 || payloadLength > _options.MaxFramePayloadBytes)
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength,
                $"frame payload must be 0..{_options.MaxFramePayloadBytes} bytes");
    }

    private bool TryReserveLocked(int size, out Span<byte> destination)
    {
        if (_connection is null || _pendingLength + size > _options.MaxPendingSendBytes)
        {
            _framesDropped++;
            destination = default;
            return false;
        }
        int needed = _pendingLength + size;
        if (needed > _pending.Length)
        {
            // needed <= MaxPendingSendBytes here, so the buffer never outgrows the limit.
            int capacity = Math.Max(needed, (int)Math.Min((long)_pending.Length * 2, _options.MaxPendingSendBytes));
            Array.Resize(ref _pending, capacity);
        }
        destination = _pending.AsSpan(_pendingLength, size);
        return true;
    }

    private void CommitLocked(int size)
    {
        _pendingLength += size;
        _framesSent++;
        if (_options.AutoFlush)
            ScheduleWriterLocked();
    }

    /// <summary>
    /// Ships every queued frame now, on the calling thread (no thread-pool hop): the send syscall runs here unless a
    /// writer is already busy, in which case that writer picks the frames up. Never blocks on a slow peer: if the
    /// socket applies back-pressure the rest continues in the background. Needed only with AutoFlush off.
    /// </summary>
    public void Flush()
    {
        lock (_sync)
        {
            if (_writerScheduled || _pendingLength == 0 || _connection is null)
                return;
            _writerScheduled = true;
        }
        _ = WriteBatchesAsync();
    }

    private void ScheduleWriterLocked()
    {
        if (_writerScheduled)
            return;
        _writerScheduled = true;
        ThreadPool.UnsafeQueueUserWorkItem(_writer, preferLocal: false);
    }

    /// <summary>
    /// The single writer: ships pending batches until none is left. Runs as a thread-pool work item (AutoFlush) or on
    /// the thread calling Flush; _writerScheduled guarantees only one runs at a time.
    /// </summary>
    private async Task WriteBatchesAsync()
    {
        while (true)
        {
            LinkConnection connection;
            LinkConnection? retire = null;
            byte[] batch;
            int length;
            lock (_sync)
            {
                // A connection detached while we wrote to it was left for us to dispose (see Detach).
                if (_writing is not null && _writing != _connection)
                    retire = _writing;
                _writing = null;
                if (_pendingLength == 0 || _connection is null)
                {
                    _writerScheduled = false;
                    connection = null!;
                    batch = null!;
                    length = 0;
                }
                else
                {
                    connection = _connection;
                    _writing = connection;
                    batch = _pending;
                    length = _pendingLength;
                    _pending = _spare;
                    _pendingLength = 0;
                    _batchesWritten++;
                }
            }
            if (retire is not null)
                Retire(retire);
            if (batch is null)
                return;
            try
            {
                connection.WriteBatch(batch.AsSpan(0, length));
                var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                    connection.Input.CancelPendingRead(); // the send side is gone: let the connect loop reconnect
            }
            catch (Exception e)
            {
                _log.LogDebug("Write to {Peer} failed: {Reason}", PeerAddress, e.Message);
                try { connection.Input.CancelPendingRead(); } catch (Exception) { /* already torn down */ }
            }
            // Keep the idle footprint small: a buffer grown by a burst (e.g. a snapshot) is not kept as the spare.
            _spare = batch.Length <= RetainedBufferBytes ? batch : new byte[InitialBufferBytes];
        }
    }

    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        var delay = _options.InitialReconnectDelay;
        bool failureLogged = false;
        while (!stop.IsCancellationRequested)
        {
            LinkConnection? connection = null;
            try
            {
                connection = await ConnectAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Expected while the peer is starting, dead, or its link is down: log once per outage.
                if (!failureLogged)
                    _log.LogInformation("Cannot connect to peer {Peer} yet ({Reason}); retrying", PeerAddress, e.Message);
                failureLogged = true;
            }

            if (connection is not null)
            {
                long started = Stopwatch.GetTimestamp();
                Attach(connection);
                RaiseConnected();
                await DrainUntilClosedAsync(connection, stop).ConfigureAwait(false);
                Detach(connection);
                if (Stopwatch.GetElapsedTime(started) >= _options.BackoffResetAfter)
                {
                    _log.LogInformation("Lost connection to peer {Peer}; reconnecting", PeerAddress);
                    delay = _options.InitialReconnectDelay;
                    failureLogged = false;
                }
            }
            if (stop.IsCancellationRequested)
                break;
            try
            {
                // Full jitter over the upper half keeps nodes that lost a link together from retrying in lockstep.
                var wait = delay / 2 + delay / 2 * Random.Shared.NextDouble();
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private async Task<LinkConnection> ConnectAsync(CancellationToken stop)
    {
        var socket = Forwarder.PeerAddress.CreateSocket(_endPoint);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(_endPoint, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"connect timed out after {_options.ConnectTimeout.TotalMilliseconds} ms");
            }
            if (_options.Tls is not { } tls)
            {
                var plain = new LinkConnection(SocketConnection.Create(socket, SendPipeOptions, ReceivePipeOptions, SocketConnectionOptions.None,
                    name: PeerAddress));
                if (_compress) plain.CompressAfter(_preamble.Length);
                return plain;
            }
            return await ConnectTlsAsync(socket, tls, stop).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The plaintext TLS marker, then the handshake: the peer must prove it is the node at PeerAddress.</summary>
    private async Task<LinkConnection> ConnectTlsAsync(System.Net.Sockets.Socket socket, PeerTls tls, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(tls.HandshakeTimeout);
        await socket.SendAsync(Preamble.TlsMarker.ToArray(), System.Net.Sockets.SocketFlags.None, timeout.Token).ConfigureAwait(false);
        var ssl = new System.Net.Security.SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(ssl, PeerAddress, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"TLS handshake timed out after {tls.HandshakeTimeout.TotalMilliseconds} ms");
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new LinkConnection(ssl);
    }

    private void Attach(LinkConnection connection)
    {
        lock (_sync)
        {
            // A new connection starts clean: the preamble first, never a frame half-sent on the old one.
            _connection = connection;
            _pendingLength = 0;
            _preamble.CopyTo(_pending, 0);
            _pendingLength = _preamble.Length;
            _connectCount++;
            ScheduleWriterLocked();
        }
        _log.LogDebug("Connected to peer {Peer}", PeerAddress);
    }

    private void Detach(LinkConnection connection)
    {
        bool writerHoldsIt;
        lock (_sync)
        {
            _connection = null;
            _pendingLength = 0; // frames queued for a dead connection are lost, like those in flight
            writerHoldsIt = _writing == connection;
            Interlocked.Increment(ref _closeCount);
        }
        // Release a flush the writer may be blocked in. Disposing returns the pipe's pooled buffers, so while the writer
        // may still be copying into them the writer disposes the connection itself when it is done with it.
        connection.Output.CancelPendingFlush();
        if (!writerHoldsIt)
            Retire(connection);
    }

    private void Retire(LinkConnection connection)
    {
        connection.Dispose();
        lock (_sync)
            _bytesSentByEarlierConnections += connection.BytesSent;
    }

    private void RaiseConnected()
    {
        try
        {
            Connected?.Invoke(this);
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Connected handler of the link to {Peer} failed", PeerAddress);
        }
    }

    /// <summary>Waits until the connection ends. The peer never sends on our outbound link; anything it does is discarded.</summary>
    private async Task DrainUntilClosedAsync(LinkConnection connection, CancellationToken stop)
    {
        var input = connection.Input;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                    return;
            }
        }
        catch (Exception e)
        {
            _log.LogDebug("Connection to {Peer} ended: {Reason}", PeerAddress, e.Message);
        }
    }

    private sealed class WriterWorkItem(PeerLink link) : IThreadPoolWorkItem
    {
        public void Execute() => _ = link.WriteBatchesAsync();
    }
}
