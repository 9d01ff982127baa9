namespace FastDb.Forwarder;

/// <summary>Settings of the receiving side (Kestrel middleware or PeerListener).</summary>
public sealed class PeerProtocolOptions
{
    /// <summary>A frame whose length prefix exceeds this closes the connection.</summary>
    public int MaxFramePayloadBytes { get; init; } = FrameCodec.DefaultMaxPayloadBytes;

    /// <summary>A connection that has not finished its preamble in this time is closed (a silent foreign client).</summary>
    public TimeSpan PreambleTimeout { get; init; } = TimeSpan.FromSeconds(10);
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

    /// <summary>A connect attempt that has not completed in this time is abandoned and retried.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First reconnect delay; it doubles per failed attempt up to MaxReconnectDelay, with jitter.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(200);

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
