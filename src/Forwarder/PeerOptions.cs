namespace FastDb.Forwarder;

/// <summary>Settings of the receiving side (Kestrel middleware or PeerListener).</summary>
public sealed class PeerProtocolOptions
{
    /// <summary>A frame whose length prefix exceeds this closes the connection.</summary>
    public int MaxFramePayloadBytes { get; init; } = FrameCodec.DefaultMaxPayloadBytes;

    /// <summary>A connection that has not finished its preamble in this time is closed (a silent foreign client).</summary>
    public TimeSpan PreambleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Inbound peer connections open at once; one more is closed right after its magic. An honest cluster needs one
    /// per lane per other member (three lanes by default, twice that for a moment while a link reconnects), so 192
    /// leaves room for a cluster of 32 while a flood of connections cannot take every file descriptor or buffer.
    /// </summary>
    public int MaxConnections { get; init; } = 192;

    /// <summary>
    /// A frame whose payload is longer than this and has not fully arrived is collected in a buffer of its own that
    /// grows as its bytes arrive (never to the length it claims up front), and the receive pipe's blocks are handed
    /// back at once; shorter frames wait in the pipe. So a partial frame never pins pooled pipe memory, and the
    /// buffer is garbage the moment the connection ends.
    /// </summary>
    public int InlineFrameBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Bytes all connections together may hold in such frame buffers (four maximal frames). A connection whose frame
    /// would grow past it is closed: an honest leader sends a large frame (a snapshot) again later.
    /// </summary>
    public long MaxBufferedFrameBytes { get; init; } = 4L * FrameCodec.DefaultMaxPayloadBytes;

    /// <summary>
    /// A connection that sent part of a frame (or of a frame header) and then nothing for this long is closed. Bytes
    /// arriving reset it, so a slow link carrying a large snapshot is not cut; a frozen sender (octopus's freeze
    /// monkey holds one up to a second) reconnects when it thaws.
    /// </summary>
    public TimeSpan StalledFrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Checks the sender name of a preamble (null: any UTF-8 name). Returns null if it is acceptable, else the reason
    /// the connection is closed. The cluster requires a valid peer address, since it dials the name back.
    /// </summary>
    public Func<string, string?>? ValidatePeerName { get; init; }

    /// <summary>
    /// A byte of settings every member must share, or the cluster's safety is gone (the node sets the Raft commit
    /// quorum). A peer whose preamble carries another value is refused with both values logged. Outbound links send
    /// theirs (PeerLinkOptions.ClusterRules), so two nodes that differ cannot exchange a frame either way.
    /// </summary>
    public byte ClusterRules { get; init; }

    /// <summary>Names the rules byte in the refusal (null: the number alone).</summary>
    public Func<byte, string>? DescribeClusterRules { get; init; }

    /// <summary>
    /// Mutual TLS (null: plain connections). When set, only TLS peer connections whose certificate chains to its CA
    /// are served, and each peer's preamble must name the node its certificate names; plain ones are closed unread.
    /// </summary>
    public PeerTls? Tls { get; init; }

    /// <summary>
    /// Without Tls: serve plain TCP peer connections only from loopback addresses (Unix sockets are always served;
    /// their file permissions guard them). The node sets it unless --insecure.
    /// </summary>
    public bool PlainPeersFromLoopbackOnly { get; init; }

    /// <summary>Counters shared by every connection read with these options (one listener or middleware).</summary>
    internal InboundLimits Limits { get; } = new();
}

/// <summary>The shared state behind the inbound caps: connections open, frame bytes buffered, and a log limiter.</summary>
internal sealed class InboundLimits
{
    private int _connections;
    private long _bufferedBytes;

    /// <summary>Close reasons are logged at most a few times per second; a flood of bad connections cannot flood the log.</summary>
    public RateLimitedLog CloseLog { get; } = new(maxPerWindow: 10, window: TimeSpan.FromSeconds(10));

    public int Connections => Volatile.Read(ref _connections);

    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    public bool TryOpenConnection(int max)
    {
        if (Interlocked.Increment(ref _connections) <= max) return true;
        Interlocked.Decrement(ref _connections);
        return false;
    }

    public void CloseConnection() => Interlocked.Decrement(ref _connections);

    public bool TryReserve(long bytes, long max)
    {
        if (Interlocked.Add(ref _bufferedBytes, bytes) <= max) return true;
        Interlocked.Add(ref _bufferedBytes, -bytes);
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _bufferedBytes, -bytes);
}

/// <summary>
/// Lets through at most <c>maxPerWindow</c> messages per window and counts the rest, so the next message let
/// through can say how many were suppressed. Thread-safe.
/// </summary>
public sealed class RateLimitedLog(int maxPerWindow, TimeSpan window)
{
    private readonly Lock _sync = new();
    private readonly long _windowTicks = (long)(window.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    private long _windowStart = System.Diagnostics.Stopwatch.GetTimestamp();
    private int _inWindow;
    private int _suppressed;

    /// <summary>True if this message may be logged; <paramref name="suppressed"/> is how many were dropped before it.</summary>
    public bool TryEnter(out int suppressed)
    {
        lock (_sync)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (now - _windowStart >= _windowTicks)
            {
                _windowStart = now;
                _inWindow = 0;
            }
            if (_inWindow < maxPerWindow)
            {
                _inWindow++;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }
            _suppressed++;
            suppressed = 0;
            return false;
        }
    }
}

/// <summary>Settings of one outbound PeerLink.</summary>
public sealed class PeerLinkOptions
{
    /// <summary>TrySend refuses payloads longer than this (the receiver would close the connection).</summary>
    public int MaxFramePayloadBytes { get; init; } = FrameCodec.DefaultMaxPayloadBytes;

    /// <summary>
    /// Bytes queued but not yet handed to the socket pipe beyond which TrySend drops frames (a frozen or slow peer).
    /// Must hold at least one maximal frame. Buffers grow only as needed and shrink back after a large burst.
    /// </summary>
    public int MaxPendingSendBytes { get; init; } = FrameCodec.DefaultMaxPayloadBytes + FrameCodec.MaxHeaderBytes;

    /// <summary>Mutual TLS for a TCP peer (null: plain). The peer's certificate must chain to its CA and name the address dialed.</summary>
    public PeerTls? Tls { get; init; }

    /// <summary>Compress the connection after its preamble (LinkCompression.cs). Ignored with Tls, which stays uncompressed.</summary>
    public bool Compress { get; init; }

    /// <summary>Sent in the preamble: see PeerProtocolOptions.ClusterRules.</summary>
    public byte ClusterRules { get; init; }

    /// <summary>A connect attempt that has not completed in this time is abandoned and retried.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First reconnect delay; it doubles per failed attempt up to MaxReconnectDelay, with jitter.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// A connection that lived at least this long resets the back-off. A proxy whose link is down may accept and close
    /// at once; such short-lived connections keep the back-off growing instead of reconnecting in a tight loop.
    /// </summary>
    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On (default): TrySend queues a thread-pool writer that ships everything queued by the time it runs, so frames
    /// written together go out in one flush. Off: frames wait for PeerLink.Flush(), which the caller invokes once per
    /// burst (e.g. at the end of each host-loop iteration); the send then runs on the caller's thread, saving a
    /// thread hop and a wake-up per burst, which is most of the CPU cost of a small frame.
    /// </summary>
    public bool AutoFlush { get; init; } = true;
}
